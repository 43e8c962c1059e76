// Column types that differ between the engines, decided once for every migration.
import type { ColumnDataType, ColumnDefinitionBuilder, Kysely } from 'kysely';
import { engineOf } from '../engine.ts';

/**
 * Counts and money that may pass 2^31 (cost in micros, sums): `bigint` on PostgreSQL. SQLite's
 * `integer` is already 64-bit, and its declared type stays what older files have.
 */
export function bigCount(db: Kysely<any>): ColumnDataType {
  return engineOf(db) === 'postgres' ? 'bigint' : 'integer';
}

/** A row number the database assigns: SQLite's AUTOINCREMENT, PostgreSQL's identity column. */
export function autoKey(db: Kysely<any>): (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return engineOf(db) === 'postgres'
    ? (c) => c.primaryKey().generatedByDefaultAsIdentity()
    : (c) => c.primaryKey().autoIncrement();
}
