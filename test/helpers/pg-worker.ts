// One ingesting worker of a shared store, as its own process: the sandbox's three platforms
// repeated as many sources, each run on the scheduled path until every source reports done.
// Usage: node --import tsx test/helpers/pg-worker.ts DB BASE_URL NAME LEASE_TTL_MS ANCHOR_MS COPIES START_DATE
import { defaultRegistry } from '../../src/connectors/index.ts';
import { parseConfigObject } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { Runner } from '../../src/ingest/runner.ts';
import { demoConfigObject, fastSleep } from '../../src/sandbox/demo.ts';
import { SIM_NOW } from '../../src/sandbox/world.ts';
import { Store } from '../../src/store/store.ts';

/** The demo's sources, each repeated `copies` times under ids `<id>-1`, `<id>-2`…, reading from `startDate`. */
export function workerConfig(baseUrl: string, copies: number, startDate: string) {
  const registry = defaultRegistry();
  const { raw, env } = demoConfigObject(baseUrl, registry);
  const sources = (raw.sources as Record<string, unknown>[]).flatMap((s) =>
    Array.from({ length: copies }, (_, k) => ({ ...s, id: `${String(s.id)}-${k + 1}`, start_date: startDate, lookback_days: 0 })),
  );
  return { registry, env, config: parseConfigObject({ ...raw, sources }, 'workers.yaml', registry) };
}

async function main(): Promise<void> {
  const [db, baseUrl, name, ttl, anchor, copies, startDate] = process.argv.slice(2);
  const { registry, env, config } = workerConfig(baseUrl!, Number(copies), startDate!);
  const store = await Store.open(db!);
  await store.syncTargets(targetAssignment(config.targets));
  // Every worker shares one simulated clock (the sandbox's "now", advancing in real time), so
  // lease expiry means the same moment to all of them.
  const now = () => new Date(SIM_NOW.getTime() + (Date.now() - Number(anchor)));
  const runner = new Runner(config, registry, { store, log: silentLogger(), env, now, sleep: fastSleep, holder: name!, leaseTtlMs: Number(ttl) });
  const pending = new Set(config.sources.map((s) => s.id));
  let attempt = 0;
  while (pending.size > 0) {
    for (const cfg of config.sources) {
      if (!pending.has(cfg.id)) continue;
      attempt += 1;
      const result = await runner.runSource(cfg, { kind: 'scheduled' }, `${name}-${attempt}`, 'worker');
      if (result.status === 'ok') pending.delete(cfg.id);
      process.stdout.write(`${JSON.stringify({ source: cfg.id, status: result.status, windows: result.windowsDone })}\n`);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
  }
  await store.close();
}

if (process.argv[1]?.endsWith('pg-worker.ts')) await main();
