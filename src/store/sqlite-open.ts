// Opening the SQLite file: for writing (created if new, private modes, WAL, migrations applied
// under the write lock) or for reading (never created, never written, never waits for a writer).
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PRIVATE_MODES, makeDirs } from '../core/files.ts';
import { DatabaseBusyError, DatabaseError, databaseError, isBusy } from './errors.ts';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';

// A read-only directory without the -wal and -shm files can only be read through an
// `immutable=1` URI (https://www.sqlite.org/wal.html#readonly); better-sqlite3 reads this
// variable when its addon loads. Every other path is opened absolute, so none starts with "file:".
process.env.SQLITE_USE_URI ??= '1';

export const BUSY_TIMEOUT_MS = 10_000;

/** `PRAGMA application_id` of pauta's databases: "paut" in ASCII (https://www.sqlite.org/fileformat.html#application_id). */
export const PAUTA_APPLICATION_ID = 0x70617574;

/** The table recording applied migrations (kysely's name, kept for files migrated before). */
const MIGRATION_TABLE = 'kysely_migration';

export type Access = 'write' | 'read';

export interface OpenedSqlite {
  sqlite: SQLite.Database;
  db: Kysely<Database>;
}

/** What the file holds, read without writing. */
interface FileState {
  applicationId: number;
  /** Tables and views, SQLite's own excluded. */
  objects: string[];
  /** Names in the migration table (empty when it does not exist). */
  applied: string[];
}

function inspect(sqlite: SQLite.Database): FileState {
  const applicationId = sqlite.pragma('application_id', { simple: true }) as number;
  const objects = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map(
    (r) => r.name,
  );
  const applied = objects.includes(MIGRATION_TABLE)
    ? (sqlite.prepare(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`).all() as { name: string }[]).map((r) => r.name)
    : [];
  return { applicationId, objects, applied };
}

/**
 * The file must be pauta's: marked with pauta's application id, or empty (new), or an older
 * pauta database (its migration table names only pauta's migrations), which a writer marks.
 * Anything else belongs to another application and is refused before a byte of it changes.
 */
function checkOwnership(state: FileState, file: string): void {
  if (state.applicationId !== 0 && state.applicationId !== PAUTA_APPLICATION_ID) {
    throw new DatabaseError(file, `belongs to another application (application_id ${state.applicationId}); pauta leaves it untouched: give pauta its own file with --db`);
  }
  const unknown = state.applied.filter((n) => !(n in migrations));
  if (unknown.length > 0) {
    throw new DatabaseError(file, `written by a newer version of pauta (migration ${unknown.join(', ')}); use that version, or another --db`);
  }
  if (state.applicationId === 0 && state.objects.length > 0 && !state.objects.includes(MIGRATION_TABLE)) {
    const shown = state.objects.slice(0, 5).join(', ') + (state.objects.length > 5 ? ', …' : '');
    throw new DatabaseError(file, `holds another application's tables (${shown}) and no pauta mark; pauta leaves it untouched: give pauta its own file with --db`);
  }
}

function pending(state: FileState): string[] {
  return Object.keys(migrations).filter((n) => !state.applied.includes(n));
}

function needsWriting(state: FileState): boolean {
  return state.applicationId !== PAUTA_APPLICATION_ID || pending(state).length > 0;
}

function checkPath(file: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new DatabaseError(file, 'is a directory, not a file');
}

/** Who holds the lock, as far as the database says: the sources being ingested now. */
export function describeLockHolder(file: string, now = new Date()): string {
  let reader: SQLite.Database | undefined;
  try {
    reader = new SQLite(path.resolve(file), { readonly: true, fileMustExist: true, timeout: 0 });
    const leases = reader.prepare('SELECT source_id, holder, acquired_at FROM leases WHERE expires_at > ? ORDER BY source_id').all(now.toISOString()) as {
      source_id: string;
      holder: string;
      acquired_at: string;
    }[];
    // This process's own leases (the runner names holders host:pid:…) are not the other process.
    const own = `${hostname()}:${process.pid}:`;
    const others = leases.filter((l) => !l.holder.startsWith(own));
    if (others.length > 0) return `being ingested by ${others.map((l) => `${l.holder} (source ${l.source_id}, since ${l.acquired_at})`).join(', ')}`;
  } catch {
    // The lock's holder is unknown; the message below says so.
  } finally {
    reader?.close();
  }
  return 'no pauta process is ingesting a source; perhaps an import-sends, a starting daemon or an sqlite3 session';
}

/** A lock not obtained within the busy timeout, naming its holder when known. */
export function busyError(file: string, e: unknown): Error {
  return isBusy(e) ? new DatabaseBusyError(file, describeLockHolder(file), BUSY_TIMEOUT_MS) : databaseError(file, e);
}

export async function openSqlite(file: string, access: Access): Promise<OpenedSqlite> {
  return access === 'write' ? openForWriting(file) : openForReading(file);
}

async function openForWriting(file: string): Promise<OpenedSqlite> {
  const memory = file === ':memory:';
  let sqlite: SQLite.Database | undefined;
  try {
    if (!memory) {
      checkPath(file);
      createPrivately(file);
    }
    sqlite = new SQLite(memory ? file : path.resolve(file), { timeout: BUSY_TIMEOUT_MS, fileMustExist: !memory });
    checkOwnership(inspect(sqlite), file);
    const opened = sqlite;
    await retryWhileBusy(() => opened.pragma('journal_mode = WAL'));
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite?.close();
    throw busyError(file, e);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const opened = sqlite;
    await retryWhileBusy(async () => {
      if (needsWriting(inspect(opened))) await migrateUnderLock(opened, db, file);
    });
  } catch (e) {
    await db.destroy();
    throw busyError(file, e);
  }
  return { sqlite, db };
}

/**
 * A new file and its missing directories, private from the start (0600, 0700): SQLite creates
 * the -wal and -shm files with the database file's mode.
 */
function createPrivately(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    makeDirs(dir, PRIVATE_MODES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (code ?? String(e));
    throw new DatabaseError(file, `cannot create its directory ${path.dirname(file)} (${why})`);
  }
  try {
    closeSync(openSync(file, 'wx', PRIVATE_MODES.file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // another process created it first, or it was there
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new DatabaseError(file, 'cannot be created: its directory is not writable');
    throw e;
  }
}

/**
 * Every opener may find a new file: the migrations run inside an IMMEDIATE transaction (the
 * write lock, waited for within the busy timeout), and what is applied is read again once the
 * lock is held, so a process that waited finds the work done and applies nothing.
 */
/**
 * SQLite answers some busy states without waiting in its busy handler: a file another process is
 * switching to WAL, or a read snapshot that went stale while another process migrated. Those are
 * tried again, from the start, until the busy timeout has passed.
 */
async function retryWhileBusy<T>(attempt: () => T | Promise<T>): Promise<T> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let wait = 10; ; wait = Math.min(wait * 2, 250)) {
    try {
      return await attempt();
    } catch (e) {
      if (!isBusy(e) || Date.now() + wait > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

async function migrateUnderLock(sqlite: SQLite.Database, db: Kysely<Database>, file: string): Promise<void> {
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    const state = inspect(sqlite);
    checkOwnership(state, file);
    if (state.applicationId !== PAUTA_APPLICATION_ID) sqlite.pragma(`application_id = ${PAUTA_APPLICATION_ID}`);
    sqlite.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL)`);
    const record = sqlite.prepare(`INSERT INTO ${MIGRATION_TABLE} (name, timestamp) VALUES (?, ?)`);
    for (const name of pending(state)) {
      try {
        await migrations[name]!.up(db as Kysely<any>);
      } catch (e) {
        throw isBusy(e) ? e : new DatabaseError(file, `migration ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      record.run(name, new Date().toISOString());
    }
    sqlite.exec('COMMIT');
  } catch (e) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw e;
  }
}

async function openForReading(file: string): Promise<OpenedSqlite> {
  if (file === ':memory:') throw new DatabaseError(file, 'a command that only reads needs an existing database file');
  checkPath(file);
  if (!existsSync(file)) {
    throw new DatabaseError(
      file,
      'does not exist (this command only reads and created nothing); `pauta run`, `pauta backfill` or `pauta import-sends` create it, or give an existing database with --db',
    );
  }
  let sqlite: SQLite.Database | undefined;
  let state: FileState;
  try {
    ({ sqlite, state } = openReadOnly(file));
    checkOwnership(state, file);
  } catch (e) {
    sqlite?.close();
    throw databaseError(file, e);
  }
  const missing = pending(state);
  if (missing.length > 0) {
    sqlite.close();
    const what = state.applied.length === 0 ? 'has no pauta schema yet' : `needs migrating to this version of pauta (${missing.join(', ')})`;
    throw new DatabaseError(file, `${what}; this command only reads: a writing command (\`pauta run\`, \`pauta backfill\`, \`pauta import-sends\`) applies it`);
  }
  sqlite.pragma('query_only = ON');
  return { sqlite, db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }) };
}

/**
 * A read-only connection. Reading a WAL database needs its -shm file: present while a writer has
 * the file open, else created by the reader — impossible in a directory the reader cannot write.
 * Then, with no -wal file left (every change is in the main file), the file is read as immutable.
 */
function openReadOnly(file: string): { sqlite: SQLite.Database; state: FileState } {
  const absolute = path.resolve(file);
  let sqlite: SQLite.Database | undefined;
  try {
    sqlite = new SQLite(absolute, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    return { sqlite, state: inspect(sqlite) };
  } catch (e) {
    sqlite?.close();
    const code = String((e as { code?: unknown }).code ?? '');
    const unwritableDirectory = code === 'SQLITE_READONLY_DIRECTORY' || code.startsWith('SQLITE_CANTOPEN');
    if (!unwritableDirectory || existsSync(`${absolute}-wal`)) throw e;
  }
  const uri = `file:${absolute.split('/').map(encodeURIComponent).join('/')}?immutable=1`;
  sqlite = new SQLite(uri, { readonly: true, fileMustExist: true });
  try {
    return { sqlite, state: inspect(sqlite) };
  } catch (e) {
    sqlite.close();
    throw e;
  }
}
