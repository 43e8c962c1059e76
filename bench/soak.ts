// Soak: the daemon's scheduled job run hundreds of times in one process against the sandbox, on a
// simulated clock one day further each tick, every wait going through the daemon's own abort-aware
// sleep (shortened). The sandbox runs in a child process, so this process's heap is pauta's alone.
// Prints heap after all ticks ÷ heap after the first ones (goal ≤ 1.1), and the timers, sockets
// and abort listeners left over.
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { defaultRegistry } from '../src/connectors/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { defaultSleep } from '../src/ingest/runner.ts';
import { demoConfig } from '../src/sandbox/demo.ts';
import { Daemon } from '../src/schedule.ts';
import { Store } from '../src/store/store.ts';

const TICKS = Number(process.env.PAUTA_SOAK_TICKS ?? 300);
const WARMUP = Math.min(30, Math.floor(TICKS / 5));

async function sandboxProcess(): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['dist/cli.js', 'sandbox', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const m = /sandbox listening on (http:\/\/\S+)/.exec(line);
    if (m) {
      lines.on('line', () => undefined); // keep draining its output
      return {
        baseUrl: m[1]!,
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        },
      };
    }
  }
  throw new Error('the sandbox did not start');
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1_048_576;
}

function resources(): string {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

export async function benchSoak(): Promise<string[]> {
  if (!(globalThis as { gc?: () => void }).gc) return ['skipped: run with node --expose-gc (npm run bench does)'];
  const sandbox = await sandboxProcess();
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-soak-'));
  const store = await Store.open(path.join(dir, 'soak.sqlite'));
  try {
    const registry = defaultRegistry();
    const { config, env } = demoConfig(sandbox.baseUrl, registry);
    let clock = Date.parse('2021-09-08T15:00:00Z');
    let daemon: Daemon | undefined;
    daemon = new Daemon({
      config,
      registry,
      store,
      log: silentLogger(),
      env,
      now: () => new Date(clock),
      // The daemon's own wait on its signal, only shorter.
      sleep: (ms) => defaultSleep(Math.min(ms, 2), daemon!.signal),
    });
    let baseline = 0;
    let baselineResources = '';
    let failed = 0;
    const started = performance.now();
    for (let tick = 1; tick <= TICKS; tick += 1) {
      const report = await daemon.tick('schedule');
      failed += report?.results.filter((r) => r.status !== 'ok').length ?? 1;
      clock += 86_400_000;
      if (tick === WARMUP) {
        baseline = heapMb();
        baselineResources = resources();
      }
    }
    const after = heapMb();
    const seconds = (performance.now() - started) / 1000;
    const listeners = getEventListeners(daemon.signal, 'abort').length;
    await daemon.stop('soak done');
    return [
      `${TICKS} scheduled runs of ${config.sources.length} sources (${seconds.toFixed(0)} s, ${failed} source run(s) not ok)`,
      `heap after ${TICKS} runs ÷ after ${WARMUP}: ${(after / baseline).toFixed(3)} (${baseline.toFixed(1)} MB → ${after.toFixed(1)} MB; goal ≤ 1.1)`,
      `abort listeners left on the daemon's signal: ${listeners}`,
      `active resources after ${WARMUP} runs: ${baselineResources}; after ${TICKS}: ${resources()}`,
    ];
  } finally {
    await store.close();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchSoak()) process.stdout.write(`[soak] ${line}\n`);
}
