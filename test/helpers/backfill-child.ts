// A backfill in a process of its own, for tests that kill it: DV360 and X from the sandbox at
// argv[3] into the SQLite file argv[2], windows of argv[4] days, waits shortened as in the demo.
// One JSON line on stdout per window ({"window": …, "status": …}) and one at the end ({"done": […]}).
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { defaultRegistry } from '../../src/connectors/index.ts';
import { silentLogger } from '../../src/core/log.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { Runner } from '../../src/ingest/runner.ts';
import { fastSleep } from '../../src/sandbox/demo.ts';
import { SANDBOX_PLATFORMS } from '../../src/sandbox/platforms.ts';
import { SIM_PERIOD } from '../../src/sandbox/world.ts';
import { Store } from '../../src/store/store.ts';
import { TARGETS_YAML } from './app.ts';

const [file, baseUrl, windowDays] = process.argv.slice(2);
const registry = defaultRegistry();
const demo = SANDBOX_PLATFORMS.filter((p) => p.sandbox.name !== 'google_ads').map((p) => p.demoSource(baseUrl!));
const sources = demo.map((d) => ({ ...d.source, max_window_days: Number(windowDays) }));
const config = parseConfig(`${stringify({ sources })}\n${TARGETS_YAML}`, 'kill.yaml', registry);
const store = await Store.open(file!);
await store.syncTargets(targetAssignment(config.targets));
const runner = new Runner(config, registry, {
  store,
  log: silentLogger(),
  env: Object.assign({}, ...demo.map((d) => d.env)) as Record<string, string>,
  sleep: fastSleep,
  onWindow: (e) => process.stdout.write(`${JSON.stringify({ source: e.sourceId, window: e.window, status: e.status })}\n`),
});
const results = await runner.runAll({ kind: 'backfill', ...SIM_PERIOD }, `kill-${process.pid}`, 'backfill');
process.stdout.write(`${JSON.stringify({ done: results.map((r) => ({ source: r.sourceId, status: r.status, error: r.error })) })}\n`);
await store.close();
