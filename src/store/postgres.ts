// PostgreSQL for teams that outgrow one file: several daemons on several machines share one
// database (README.md "PostgreSQL"). Kysely over node-postgres with a small pool. Credentials
// come from the environment (PGPASSWORD, PGUSER, ~/.pgpass, as libpq reads them), never from the
// config; the URL shown in messages never carries a password.
import { userInfo } from 'node:os';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { registerSecret } from '../core/redact.ts';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { DatabaseError } from './store.ts';

/** Connections per process: a worker commits one window at a time, reports read a few queries. */
const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 10_000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// node-postgres returns 64-bit integers and NUMERIC as strings (they may not fit a JS number).
// pauta's counts and sums of impressions stay far below 2^53, and SQLite returns numbers: so do we.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

export interface PostgresLocation {
  /** What pg connects to: the URL without pauta's own `schema` parameter. */
  connectionString: string;
  /** The schema pauta's tables live in (`?schema=`, default the server's, usually `public`). */
  schema: string | undefined;
  /** The URL as messages show it: the password, if any, masked. */
  display: string;
  password: string | undefined;
}

export function parsePostgresUrl(location: string): PostgresLocation {
  let url: URL;
  try {
    url = new URL(location.trim());
  } catch {
    throw new DatabaseError(maskPassword(location), 'not a valid postgres:// URL (expected postgres://[user@]host[:port]/database[?schema=name])');
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new DatabaseError(maskPassword(location), `schema "${schema}": expected a lower-case name of letters, digits and _`);
  }
  url.searchParams.delete('schema');
  // libpq's default user is the operating-system user; node-postgres reads $USER, often unset.
  if (url.username === '' && !process.env.PGUSER) url.username = encodeURIComponent(userInfo().username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  return { connectionString: url.toString(), schema, display: maskPassword(location), password };
}

/** The URL with its password replaced, for anything a person or a log may read. */
export function maskPassword(location: string): string {
  return location.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1[redacted]@');
}

export interface PostgresConnection {
  db: Kysely<Database>;
  display: string;
  schema: string;
}

/** Connects, makes sure the schema exists and refuses a database migrated by a newer pauta. */
export async function connectPostgres(location: string): Promise<PostgresConnection> {
  const where = parsePostgresUrl(location);
  registerSecret(where.password);
  const pool = new pg.Pool({
    connectionString: where.connectionString,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types,
    application_name: 'pauta',
    ...(where.schema === undefined ? {} : { options: `-c search_path=${where.schema}` }),
  });
  // An idle connection the server drops emits here; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (where.schema !== undefined) {
      const exists = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_namespace WHERE nspname = ${where.schema}`.execute(db);
      if (exists.rows[0]!.n === 0) {
        // IF NOT EXISTS still fails when another worker creates it at the same moment.
        await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(where.schema)}`.execute(db).catch((e: unknown) => {
          if ((e as { code?: string }).code !== '23505' && (e as { code?: string }).code !== '42P06') throw e;
        });
      }
    }
    const current = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db);
    const schema = current.rows[0]?.schema ?? null;
    if (schema === null) throw new DatabaseError(where.display, 'no schema to write to (the search_path names none that exists); add ?schema=name to the URL');
    await refuseNewerSchema(db, schema, where.display);
    return { db, display: where.display, schema };
  } catch (e) {
    await db.destroy();
    throw postgresError(where.display, e);
  }
}

async function refuseNewerSchema(db: Kysely<Database>, schema: string, display: string): Promise<void> {
  const table = await sql<{ n: number }>`
    SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = 'kysely_migration'`.execute(db);
  if (table.rows[0]!.n === 0) return;
  const applied = await sql<{ name: string }>`SELECT name FROM ${sql.id(schema, 'kysely_migration')} ORDER BY name`.execute(db);
  const unknown = applied.rows.map((r) => r.name).filter((n) => !(n in migrations));
  if (unknown.length > 0) {
    throw new DatabaseError(display, `written by a newer version of pauta (migration ${unknown.join(', ')}); use that version, or another --db`);
  }
}

/** The server's errors, said the way a person fixes them (www.postgresql.org/docs/current/errcodes-appendix.html). */
export function postgresError(display: string, e: unknown): Error {
  if (e instanceof DatabaseError) return e;
  const code = String((e as { code?: unknown }).code ?? '');
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return new DatabaseError(display, `the server does not answer (${code}); is PostgreSQL running and the host and port right?`);
    case '28P01':
    case '28000':
      return new DatabaseError(display, `authentication failed (${message}); set PGUSER and PGPASSWORD (or ~/.pgpass) in the environment`);
    case '3D000':
      return new DatabaseError(display, `${message}; create it first (README.md "PostgreSQL")`);
    case '42501':
      return new DatabaseError(display, `permission denied (${message}); see the grants in README.md "PostgreSQL"`);
    default:
      return new DatabaseError(display, message);
  }
}
