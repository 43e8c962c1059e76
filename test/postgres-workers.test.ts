// Several workers share one PostgreSQL store: three processes ingest a dozen sources from the
// sandbox (answering with latency). Each source is ingested by one worker at a time, every
// window is written exactly once (the run log shows who wrote what, and when), a worker killed
// mid-window is replaced once its lease runs out, and the stored numbers are exact.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../src/sandbox/demo.ts';
import { SIM_CAMPAIGNS, simDays } from '../src/sandbox/world.ts';
import { Store } from '../src/store/store.ts';
import { dropSchemas, freshSchemaUrl, postgresAvailable } from './helpers/postgres.ts';
import { workerConfig } from './helpers/pg-worker.ts';

const WORKER = path.join(import.meta.dirname, 'helpers/pg-worker.ts');
const COPIES = 4;
const START = '2021-12-01';
const LEASE_TTL_MS = 3_000;

afterAll(dropSchemas);

function startWorker(db: string, baseUrl: string, name: string, anchor: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', WORKER, db, baseUrl, name, String(LEASE_TTL_MS), String(anchor), String(COPIES), START], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe.skipIf(!postgresAvailable)(`three workers on one PostgreSQL store${postgresAvailable ? '' : ' (SKIPPED: no PostgreSQL server)'}`, () => {
  it('ingest a dozen sources exactly, each window once, and replace a worker killed mid-window', async () => {
    const db = freshSchemaUrl('workers');
    const sandbox = await startSandbox({ latencyMs: 5 });
    const store = await Store.open(db);
    const children: ChildProcess[] = [];
    try {
      const anchor = Date.now();
      const stderr: string[] = [];
      for (const name of ['w0', 'w1', 'w2']) {
        const child = startWorker(db, sandbox.baseUrl, name, anchor);
        child.stderr!.on('data', (b: Buffer) => stderr.push(b.toString()));
        children.push(child);
      }
      // w0 dies without a word (SIGKILL) once it has committed a window and holds a source's
      // lease, fetching its next window.
      let held: { source_id: string } | undefined;
      for (;;) {
        const committed = await store.db.selectFrom('ingest_run_log').select('source_id').where('run_id', 'like', 'w0-%').where('status', '=', 'ok').executeTakeFirst();
        held = await store.db.selectFrom('leases').select(['source_id']).where('holder', '=', 'w0').executeTakeFirst();
        if (committed !== undefined && held !== undefined) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      children[0]!.kill('SIGKILL');
      const codes = await Promise.all(children.slice(1).map(exited));
      expect(codes, stderr.join('')).toEqual([0, 0]);

      const { config } = workerConfig(sandbox.baseUrl, COPIES, START);
      expect(config.sources).toHaveLength(12);
      const log = await store.db
        .selectFrom('ingest_run_log')
        .select(['run_id', 'source_id', 'window_from', 'window_to', 'status', 'started_at', 'finished_at'])
        .where('status', '=', 'ok')
        .where('window_from', 'is not', null)
        .orderBy('source_id')
        .orderBy('started_at')
        .execute();
      const workers = new Set<string>();
      for (const source of config.sources) {
        const entries = log.filter((e) => e.source_id === source.id);
        expect(entries.length, `${source.id} windows`).toBeGreaterThan(0);
        // Every window written once...
        const windows = entries.map((e) => `${e.window_from}..${e.window_to}`);
        expect(new Set(windows).size, `${source.id}: ${windows.join(', ')}`).toBe(windows.length);
        // ...and one worker at a time: no window of one worker overlaps another's in time.
        for (let i = 1; i < entries.length; i += 1) {
          const [prev, next] = [entries[i - 1]!, entries[i]!];
          const workerOf = (runId: string) => runId.split('-')[0]!;
          workers.add(workerOf(next.run_id));
          if (workerOf(prev.run_id) !== workerOf(next.run_id)) expect(prev.finished_at <= next.started_at, `${source.id}: ${prev.run_id} and ${next.run_id} overlap`).toBe(true);
        }
        // Exact: what the sandbox serves for each of the platform's campaigns, day by day.
        const cursor = (await store.getCursor(source.id))!;
        const stored = await store.db.selectFrom('campaign_days').select(['account_id', 'campaign_id', 'date', 'impressions']).where('source_id', '=', source.id).orderBy('account_id').orderBy('campaign_id').orderBy('date').execute();
        const truth = SIM_CAMPAIGNS.filter((c) => c.platform === source.platform)
          .flatMap((c) => simDays(c, START, cursor).map((d) => ({ account_id: c.accountId, campaign_id: c.campaignId, date: d.date, impressions: d.impressions })))
          .sort((a, b) => (a.account_id + a.campaign_id + a.date).localeCompare(b.account_id + b.campaign_id + b.date));
        expect(stored, `${source.id} stored days`).toEqual(truth);
      }
      expect(workers.has('w1') && workers.has('w2')).toBe(true);
      // The source w0 was ingesting when it died was finished by another worker.
      const after = log.filter((e) => e.source_id === held.source_id && !e.run_id.startsWith('w0-'));
      expect(after.length, `${held.source_id} taken over`).toBeGreaterThan(0);
      expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
      const geo = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM geo_days g LEFT JOIN campaign_days d USING (source_id, account_id, campaign_id, date) WHERE d.date IS NULL`.execute(store.db);
      expect(geo.rows[0]!.n).toBe(0);
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await store.close();
      await sandbox.close();
    }
  });
});
