// What fetching several windows at once buys when reports take a while: against the sandbox with
// DV360 reports and X jobs that need three polls each, a Sept–Dec backfill is timed with the
// connector's windows at once and with one at a time, each against a backfill of one window;
// then all sources together against the slowest source alone. Waits are the connectors' own
// backoff (5 s, 10 s, 20 s … for DV360) shortened 10×, so a report of three polls takes 3.5 s
// instead of 35 s; pauta's own work per window (download, parse, commit, and the sandbox making
// the file, in this same process) is not shortened, so it weighs ten times more than in a real
// run, where reports take minutes: the ratios printed are an upper bound of a real run's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultRegistry } from '../src/connectors/index.ts';
import type { SourceConfigBase } from '../src/connectors/types.ts';
import { silentLogger } from '../src/core/log.ts';
import { planBackfill } from '../src/ingest/plan.ts';
import { Runner, effectiveLimits, newRunId, windowsAtOnce } from '../src/ingest/runner.ts';
import { demoConfig, startSandbox } from '../src/sandbox/demo.ts';
import { SIM_NOW, SIM_PERIOD } from '../src/sandbox/world.ts';
import { Store } from '../src/store/store.ts';

const TIME_SCALE = 10;
const POLLS_UNTIL_DONE = 3;
const scaledSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms / TIME_SCALE));

interface Timed {
  ms: number;
  windows: number;
  requests: number;
}

/** One backfill on a fresh sandbox and database; every source named runs, `windowsAtOnce` overriding the connectors' default when given. */
async function backfill(sourceIds: readonly string[], span: { from: string; to: string }, windowsAtOnce?: number): Promise<Timed> {
  const registry = defaultRegistry();
  const sandbox = await startSandbox({ pollsUntilDone: POLLS_UNTIL_DONE });
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-bench-'));
  const store = await Store.open(path.join(dir, 'bench.sqlite'));
  try {
    const { config, env } = demoConfig(sandbox.baseUrl, registry);
    const sources = config.sources
      .filter((s) => sourceIds.includes(s.id))
      .map((s): SourceConfigBase => (windowsAtOnce === undefined ? s : { ...s, windows_at_once: windowsAtOnce }));
    const runner = new Runner({ ...config, sources }, registry, { store, log: silentLogger(), env, now: () => SIM_NOW, sleep: scaledSleep });
    const t0 = performance.now();
    const results = await runner.runAll({ kind: 'backfill', ...span }, newRunId(), 'bench');
    const ms = performance.now() - t0;
    const failed = results.find((r) => r.status !== 'ok');
    if (failed) throw new Error(`bench backfill of ${failed.sourceId} failed: ${failed.error ?? failed.status}`);
    return { ms, windows: results.reduce((n, r) => n + r.windowsDone, 0), requests: results.reduce((n, r) => n + r.requests, 0) };
  } finally {
    await store.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchPipelinedBackfill(): Promise<string[]> {
  const registry = defaultRegistry();
  const lines: string[] = [];
  const { config } = demoConfig('http://127.0.0.1:1', registry);
  const septDec = { from: SIM_PERIOD.from, to: SIM_PERIOD.to };
  for (const sourceId of ['dv360', 'x-ads']) {
    const cfg = config.sources.find((s) => s.id === sourceId)!;
    const connector = registry.get(cfg.platform)!;
    const atOnce = windowsAtOnce(connector, cfg);
    // The first window of the span, of the connector's full size.
    const first = planBackfill({ ...septDec, lastComplete: septDec.to, maxWindowDays: effectiveLimits(connector, cfg).maxWindowDays }).windows[0]!;
    await backfill([sourceId], first); // warm-up: module loading, JIT
    const one = await backfill([sourceId], first);
    const pipelined = await backfill([sourceId], septDec);
    const oneByOne = await backfill([sourceId], septDec, 1);
    lines.push(
      `${sourceId}, reports of ${POLLS_UNTIL_DONE} polls: Sept–Dec (${pipelined.windows} windows) ÷ one window (${first.from}..${first.to}, ${seconds(one.ms)}), wall time: ` +
        `${ratio(pipelined.ms, one.ms)} with ${atOnce} windows at once (goal ≤ 1.5×), ${ratio(oneByOne.ms, one.ms)} one at a time; ` +
        `requests ${pipelined.requests} at once vs ${oneByOne.requests} one at a time; ÷ the fewest the window limit allows ` +
        `(${pipelined.windows} full-size windows × ${one.requests}, what a one-window backfill makes, its run's own lookups included): ` +
        `${ratio(pipelined.requests, pipelined.windows * one.requests)}`,
    );
  }
  const all = config.sources.map((s) => s.id);
  await backfill(all, { from: SIM_PERIOD.from, to: '2021-09-07' }); // warm-up of the Google Ads client's protos
  // The runner, the connectors and the sandbox share this one process: CPU work of the sources
  // (Google Ads parsing, the sandbox making files) does not overlap, only their waits do.
  const alone = new Map<string, number>();
  for (const id of all) alone.set(id, (await backfill([id], septDec)).ms);
  const together = await backfill(all, septDec);
  const [slowest, slowestMs] = [...alone].reduce((a, b) => (b[1] > a[1] ? b : a));
  const sum = [...alone.values()].reduce((a, b) => a + b, 0);
  lines.push(
    `all ${all.length} sources at once, Sept–Dec, wall time ÷ the slowest source alone (${slowest}): ${ratio(together.ms, slowestMs)} ` +
      `(one after the other would be the sum: ${ratio(sum, slowestMs)}; alone: ${[...alone].map(([id, ms]) => `${id} ${seconds(ms)}`).join(', ')}; together ${seconds(together.ms)})`,
  );
  return lines;
}
