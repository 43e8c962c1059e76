// Which database engine a store runs on. SQLite is a file path; PostgreSQL is a postgres:// URL.
// The few statements that differ between the two ask `engineOf` rather than guessing.
import { PostgresAdapter, type Kysely } from 'kysely';

export { isPostgresUrl, urlHasPassword } from './location.ts';

export type Engine = 'sqlite' | 'postgres';

export function engineOf(db: Kysely<any>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

