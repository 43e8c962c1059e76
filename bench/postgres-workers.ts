// Several workers on one PostgreSQL store: the wall time of three worker processes ingesting a
// dozen sandbox sources (answering with latency), divided by one worker's on the same sources.
// Each run gets a schema of its own, dropped afterwards. Needs the PostgreSQL server of
// $PAUTA_TEST_POSTGRES (default postgres://127.0.0.1:5432/test); without it, says so and skips.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startSandbox } from '../src/sandbox/demo.ts';

const WORKER = path.join(import.meta.dirname, '../test/helpers/pg-worker.ts');
const BASE = process.env.PAUTA_TEST_POSTGRES ?? 'postgres://127.0.0.1:5432/test';
const COPIES = 4;
const START = '2021-12-01';
const LATENCY_MS = 200;

function admin(): pg.Client {
  const url = new URL(BASE);
  if (url.username === '' && !process.env.PGUSER) url.username = userInfo().username;
  return new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3_000 });
}

async function runWorkers(count: number, baseUrl: string): Promise<number> {
  const schema = `pauta_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(BASE);
  url.searchParams.set('schema', schema);
  const anchor = Date.now();
  const started = performance.now();
  const codes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url.toString(), baseUrl, `bench${i}`, '60000', String(anchor), String(COPIES), START], { stdio: 'ignore' });
        child.once('exit', (code) => resolve(code));
      }),
    ),
  );
  const wall = performance.now() - started;
  const c = admin();
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
  if (codes.some((code) => code !== 0)) throw new Error(`a worker exited with ${codes.join(', ')}`);
  return wall;
}

export async function benchPostgresWorkers(): Promise<string[]> {
  const probe = admin();
  try {
    await probe.connect();
  } catch (e) {
    return [`skipped: PostgreSQL at ${BASE} does not answer (${e instanceof Error ? e.message : String(e)})`];
  } finally {
    await probe.end().catch(() => undefined);
  }
  const sandbox = await startSandbox({ latencyMs: LATENCY_MS });
  try {
    const one = await runWorkers(1, sandbox.baseUrl);
    const three = await runWorkers(3, sandbox.baseUrl);
    return [
      `${COPIES * 3} sources from ${START}, sandbox latency ${LATENCY_MS} ms, worker processes including start-up`,
      `1 worker: ${(one / 1000).toFixed(1)} s; 3 workers: ${(three / 1000).toFixed(1)} s; 3 workers' wall ÷ 1 worker's: ${(three / one).toFixed(2)}`,
    ];
  } finally {
    await sandbox.close();
  }
}

if (process.argv[1]?.endsWith('postgres-workers.ts')) {
  for (const line of await benchPostgresWorkers()) process.stdout.write(`${line}\n`);
}
