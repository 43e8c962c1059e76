// Which database engine a store runs on. SQLite is a file path; PostgreSQL is a postgres:// URL.
// The few statements that differ between the two ask `engineOf` rather than guessing.
import { PostgresAdapter, type Kysely } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/** `postgres://…` or `postgresql://…` means PostgreSQL; anything else is a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location.trim());
}

export function engineOf(db: Kysely<any>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** True when a postgres:// URL carries a password (refused where it would be written down). */
export function urlHasPassword(location: string): boolean {
  return /^postgres(?:ql)?:\/\/[^:/@]*:[^@]*@/i.test(location.trim());
}
