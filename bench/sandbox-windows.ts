// Why each connector's window size: the same Sept–Dec 2021 backfill against the sandbox, once with
// 7-day windows and once with the connector's own maximum, through the real runner and SQLite.
// Prints the ratios of requests and wall time (loopback, so time is pauta's own work).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultRegistry } from '../src/connectors/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { Runner, newRunId } from '../src/ingest/runner.ts';
import { demoConfig, fastSleep, startSandbox } from '../src/sandbox/demo.ts';
import { SIM_NOW, SIM_PERIOD } from '../src/sandbox/world.ts';
import { Store } from '../src/store/store.ts';

async function backfill(sourceId: string, maxWindowDays: number | undefined): Promise<{ requests: number; ms: number; windows: number }> {
  const sandbox = await startSandbox();
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-bench-'));
  const store = await Store.open(path.join(dir, 'bench.sqlite'));
  try {
    const registry = defaultRegistry();
    const { config, env } = demoConfig(sandbox.baseUrl, registry);
    const sources = config.sources
      .filter((s) => s.id === sourceId)
      .map((s) => ({ ...s, max_window_days: maxWindowDays }));
    const runner = new Runner({ ...config, sources }, registry, { store, log: silentLogger(), env, now: () => SIM_NOW, sleep: fastSleep });
    const t0 = performance.now();
    const [r] = await runner.runAll({ kind: 'backfill', from: SIM_PERIOD.from, to: SIM_PERIOD.to }, newRunId(), 'bench');
    if (!r || r.status !== 'ok') throw new Error(`bench backfill of ${sourceId} failed: ${r?.error ?? 'no result'}`);
    return { requests: r.requests, ms: performance.now() - t0, windows: r.windowsDone };
  } finally {
    await store.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSandboxWindows(): Promise<string[]> {
  const lines: string[] = [];
  for (const sourceId of ['google-ads', 'dv360', 'x-ads']) {
    await backfill(sourceId, undefined); // warm-up: module loading, JIT
    const small = await backfill(sourceId, 7);
    const own = await backfill(sourceId, undefined);
    lines.push(
      `${sourceId}: Sept–Dec 2021 in ${own.windows} window(s) of the connector's size vs ${small.windows} of 7 days: ` +
        `requests ${own.requests} vs ${small.requests} (${(own.requests / small.requests).toFixed(2)}×), ` +
        `time ${(own.ms / small.ms).toFixed(2)}×`,
    );
  }
  return lines;
}
