// What can be wrong with the database file, said the way a person fixes it.
import { UsageError } from '../core/errors.ts';

/** The database file cannot be used as it is (exit 2: nothing in it was touched). */
export class DatabaseError extends UsageError {
  override name = 'DatabaseError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`database ${file}: ${problem}`);
  }
}

/**
 * Another process kept the write lock longer than this one would wait (its own exit code, 3:
 * neither bad input nor a failed source; running again later works).
 */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError';
  constructor(
    readonly file: string,
    /** Who holds the lock, when the database says (a source's lease). */
    holder: string,
    waitedMs: number,
  ) {
    super(`database ${file}: another process holds the write lock (waited up to ${waitedMs / 1000}s; ${holder}); nothing was written, run again when it is done`);
  }
}

/** SQLITE_BUSY and its extended codes: a lock not obtained within the busy timeout. */
export function isBusy(e: unknown): boolean {
  return String((e as { code?: unknown } | null)?.code ?? '').startsWith('SQLITE_BUSY');
}

/** SQLite's own codes, said the way a person fixes them. */
export function databaseError(file: string, e: unknown): Error {
  if (e instanceof DatabaseError || e instanceof DatabaseBusyError) return e;
  // Extended codes (SQLITE_READONLY_DIRECTORY, SQLITE_CANTOPEN_ISDIR…) by their primary code.
  const code = String((e as { code?: unknown }).code ?? '').split('_').slice(0, 2).join('_');
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new DatabaseError(file, `not a SQLite database, or damaged (${message})`);
    case 'SQLITE_CANTOPEN':
      return new DatabaseError(file, 'cannot be opened (check that the path is a file you can read and write, in a directory you can write)');
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new DatabaseError(file, 'is read-only: pauta needs write access to the file and its directory');
    case 'SQLITE_FULL':
      return new DatabaseError(file, 'the disk is full');
    default:
      return new DatabaseError(file, message);
  }
}
