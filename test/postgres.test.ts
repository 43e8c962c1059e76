// Opening PostgreSQL: the URL and where its credentials may come from, what a person sees when
// the server cannot be used, workers migrating a new database together, and `pauta copy`.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.ts';
import { resolveDbPath } from '../src/cli/app.ts';
import { copyStore } from '../src/store/copy.ts';
import { isPostgresUrl } from '../src/store/engine.ts';
import { maskPassword } from '../src/store/postgres.ts';
import { DatabaseError, Store } from '../src/store/store.ts';
import { TARGETS_YAML, tempDbPath } from './helpers/app.ts';
import { POSTGRES_BASE, dropSchemas, freshSchemaUrl, postgresAvailable } from './helpers/postgres.ts';
import { seedSimWorld } from './reports/seed.ts';

const CLI = path.join(import.meta.dirname, '../src/cli.ts');
afterAll(dropSchemas);

async function pauta(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, PAUTA_DB: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

describe('a postgres:// URL', () => {
  it('is PostgreSQL; anything else is a SQLite file', () => {
    expect(isPostgresUrl('postgres://db.internal/pauta')).toBe(true);
    expect(isPostgresUrl('postgresql://db.internal/pauta')).toBe(true);
    expect(isPostgresUrl('data/pauta.sqlite')).toBe(false);
    expect(isPostgresUrl('postgres.sqlite')).toBe(false);
  });

  it('in the config may not carry a password (it belongs in PGPASSWORD)', () => {
    const text = (db: string) => `database: ${db}\n${TARGETS_YAML}`;
    expect(parseConfig(text('postgres://pauta@db.internal/pauta'), 'pauta.yaml', new Map()).database).toBe('postgres://pauta@db.internal/pauta');
    let error: unknown;
    try {
      parseConfig(text('postgres://pauta:hunter2@db.internal/pauta'), 'pauta.yaml', new Map());
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toContain('database: a postgres:// URL in the config must not carry a password; set PGPASSWORD');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('on the command line may not carry one either; the environment ($PAUTA_DB) may', () => {
    expect(() => resolveDbPath({ db: 'postgres://pauta:hunter2@db.internal/pauta' })).toThrow(/--db: a postgres:\/\/ URL on the command line must not carry a password/);
    expect(maskPassword('postgres://pauta:hunter2@db.internal/pauta?schema=x')).toBe('postgres://pauta:[redacted]@db.internal/pauta?schema=x');
  });

  it('to a server that does not answer says so, without the password, and exits 2', async () => {
    const r = await pauta(['status'], { PAUTA_DB: 'postgres://pauta:hunter2@127.0.0.1:1/pauta', PAUTA_CONFIG: 'config/pauta.yaml' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('database postgres://pauta:[redacted]@127.0.0.1:1/pauta: the server does not answer (ECONNREFUSED)');
    expect(r.stderr + r.stdout).not.toContain('hunter2');
  });
});

describe.skipIf(!postgresAvailable)(`PostgreSQL${postgresAvailable ? '' : ' (SKIPPED: no PostgreSQL server)'}`, () => {
  it('workers opening a new database together apply each migration once (an advisory lock)', async () => {
    const url = freshSchemaUrl('migrate');
    const stores = await Promise.all([1, 2, 3, 4].map(() => Store.open(url)));
    try {
      const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(stores[0]!.db);
      expect(applied.rows.map((r) => r.name)).toEqual(['0001-initial', '0002-messaging']);
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('refuses a database a newer pauta migrated', async () => {
    const url = freshSchemaUrl('newer');
    const store = await Store.open(url);
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-future', '2030-01-01')`.execute(store.db);
    await store.close();
    await expect(Store.open(url)).rejects.toThrow(/written by a newer version of pauta \(migration 9999-future\)/);
  });

  it('a schema name other than plain letters, digits and _ is refused', async () => {
    await expect(Store.open(`${POSTGRES_BASE}?schema=a;drop`)).rejects.toThrow(DatabaseError);
  });

  it('the same tables and views, with these column types', async () => {
    const url = freshSchemaUrl('types');
    const store = await Store.open(url);
    try {
      const schema = new URL(url).searchParams.get('schema')!;
      const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
        SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = ${schema} AND table_name IN ('campaign_days', 'indicator_impressions', 'messaging_daily')
        ORDER BY table_name, ordinal_position`.execute(store.db);
      const of = (table: string) => Object.fromEntries(columns.rows.filter((c) => c.table_name === table).map((c) => [c.column_name, c.data_type]));
      expect(of('campaign_days')).toEqual({
        source_id: 'text', account_id: 'text', campaign_id: 'text', date: 'text', impressions: 'bigint', clicks: 'bigint',
        video_views: 'bigint', cost_micros: 'bigint', geo_method: 'text', run_id: 'text', fetched_at: 'text',
      });
      expect(of('indicator_impressions')).toEqual({
        target_id: 'text', target_name: 'text', projected: 'bigint', achieved: 'bigint', pct: 'numeric',
        period_start: 'text', period_end: 'text', as_of: 'text',
      });
      expect(of('messaging_daily')).toEqual({ channel: 'text', send: 'integer', date: 'text', sent: 'bigint', delivered: 'bigint', failed: 'bigint' });
      const sqlite = await Store.open(tempDbPath());
      try {
        for (const view of ['impressions_daily', 'indicator_impressions', 'ingest_runs', 'messaging_daily', 'indicator_messaging']) {
          const pgColumns = (await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_schema = ${schema} AND table_name = ${view} ORDER BY ordinal_position`.execute(store.db)).rows.map((r) => r.column_name);
          const sqliteColumns = (await sql<{ name: string }>`SELECT name FROM pragma_table_info(${view})`.execute(sqlite.db)).rows.map((r) => r.name);
          expect(pgColumns, view).toEqual(sqliteColumns);
        }
      } finally {
        await sqlite.close();
      }
    } finally {
      await store.close();
    }
  });

  it('pauta copy moves a SQLite store into PostgreSQL and checks both sides; a second copy into it is refused', async () => {
    const file = tempDbPath();
    const source = await Store.open(file);
    const url = freshSchemaUrl('copy');
    try {
      const targets = parseConfig(TARGETS_YAML, 't.yaml', new Map()).targets;
      await seedSimWorld(source, targets, '2021-09-01', '2021-10-31');
      await source.logRun({ runId: 'r', sourceId: 'x-ads', trigger: 'run', status: 'failed', error: 'boom', startedAt: '2022-01-01T00:00:00Z', finishedAt: '2022-01-01T00:00:01Z' });
    } finally {
      await source.close();
    }
    const r = await pauta(['copy', '--from', file, '--to', url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const check = (name: string) => new RegExp(`^  ${name} +[\\d,]+ rows.*: same on both sides$`, 'm');
    for (const table of ['campaign_days', 'geo_days', 'ingest_run_log', 'campaigns']) expect(r.stdout).toMatch(check(table));
    expect(r.stdout).toContain('row counts and impression sums match');

    const [a, b] = [await Store.open(file), await Store.open(url)];
    try {
      const sums = async (s: Store) => (await sql<{ n: number; total: number }>`SELECT COUNT(*) AS n, SUM(impressions) AS total FROM impressions_daily`.execute(s.db)).rows[0];
      expect(await sums(b)).toEqual(await sums(a));
      expect((await sums(b))!.total).toBeGreaterThan(0);
      // The run log keeps its ids, and the next entry comes after them.
      await b.logRun({ runId: 'next', sourceId: 'x-ads', trigger: 'run', status: 'ok', startedAt: '2022-01-02T00:00:00Z', finishedAt: '2022-01-02T00:00:01Z' });
      const ids = (await b.db.selectFrom('ingest_run_log').select(['id', 'run_id']).orderBy('id').execute()).map((e) => e.run_id);
      expect(ids.at(-1)).toBe('next');
      await expect(copyStore(a, b)).rejects.toThrow(/already holds data \(table campaigns\); copy into an empty database or schema/);
    } finally {
      await a.close();
      await b.close();
    }
    const again = await pauta(['copy', '--from', file, '--to', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds data/);
    const missing = await pauta(['copy', '--from', path.join(path.dirname(file), 'nope.sqlite'), '--to', freshSchemaUrl('copy')]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('nope.sqlite: no such file');
  });
});
