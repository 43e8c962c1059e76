// The machine's PostgreSQL for the tests that run on both engines. Each test gets a schema of its
// own (dropped afterwards). A developer machine without a server skips the PostgreSQL half with a
// notice; with PAUTA_REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run instead.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';
import { Store } from '../../src/store/store.ts';
import { tempDbPath } from './app.ts';

/** The server the tests use: $PAUTA_TEST_POSTGRES, else the local `test` database. */
export const POSTGRES_BASE = process.env.PAUTA_TEST_POSTGRES ?? 'postgres://127.0.0.1:5432/test';

function client(): pg.Client {
  const url = new URL(POSTGRES_BASE);
  if (url.username === '' && !process.env.PGUSER) url.username = userInfo().username;
  return new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3_000 });
}

async function reachable(): Promise<string | undefined> {
  const c = client();
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const problem = await reachable();
if (problem !== undefined) {
  if (process.env.PAUTA_REQUIRE_POSTGRES === '1') {
    throw new Error(`PostgreSQL at ${POSTGRES_BASE} does not answer (${problem}) and PAUTA_REQUIRE_POSTGRES=1: the PostgreSQL tests may not be skipped`);
  }
  process.stderr.write(`\n*** PostgreSQL at ${POSTGRES_BASE} does not answer (${problem}): the PostgreSQL half of these tests is SKIPPED ***\n\n`);
}

/** True when the PostgreSQL half runs. */
export const postgresAvailable = problem === undefined;

const created: string[] = [];

/** A URL to a schema no one else uses. */
export function freshSchemaUrl(label = 't'): string {
  const schema = `pauta_${label.replace(/[^a-z0-9_]/g, '_')}_${process.pid}_${randomBytes(4).toString('hex')}`;
  created.push(schema);
  const url = new URL(POSTGRES_BASE);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Drops every schema this file created. */
export async function dropSchemas(): Promise<void> {
  if (!postgresAvailable || created.length === 0) return;
  const c = client();
  await c.connect();
  try {
    for (const s of created.splice(0)) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await c.end();
  }
}

export interface EngineUnderTest {
  name: 'sqlite' | 'postgres';
  /** A new, empty database location: a temp file, or a fresh schema. */
  location(): string;
  open(location?: string): Promise<Store>;
}

const sqliteEngine: EngineUnderTest = {
  name: 'sqlite',
  location: () => tempDbPath(),
  open: (location) => Store.open(location ?? tempDbPath()),
};

const postgresEngine: EngineUnderTest = {
  name: 'postgres',
  location: () => freshSchemaUrl(),
  open: (location) => Store.open(location ?? freshSchemaUrl()),
};

/** The engines a contract test runs on; PostgreSQL only when its server answers. */
export const ENGINES: EngineUnderTest[] = postgresAvailable ? [sqliteEngine, postgresEngine] : [sqliteEngine];
/** Both engines, each with whether it runs (for `describe.skipIf`, which shows the skip). */
export const ENGINE_CASES: [EngineUnderTest, boolean][] = [
  [sqliteEngine, false],
  [postgresEngine, !postgresAvailable],
];
