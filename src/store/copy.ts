// Moves a whole store to another database (a SQLite file to PostgreSQL, typically): every table
// in one transaction on the destination, then the row counts and impression sums compared on
// both sides before the transaction commits. Leases are not copied: they belong to processes.
import { sql, type Kysely, type Transaction } from 'kysely';
import { UsageError } from '../core/errors.ts';
import type { Database } from './schema.ts';
import type { Store } from './store.ts';

/** Tables in dependency order; the ones with a database-assigned key name it. */
const TABLES: { name: keyof Database; order: string[]; identity?: string }[] = [
  { name: 'meta', order: ['key'] },
  { name: 'targets', order: ['target_id'] },
  { name: 'accounts', order: ['source_id', 'account_id'] },
  { name: 'campaigns', order: ['source_id', 'account_id', 'campaign_id'] },
  { name: 'campaign_days', order: ['source_id', 'account_id', 'campaign_id', 'date'] },
  { name: 'geo_days', order: ['source_id', 'account_id', 'campaign_id', 'date', 'country', 'region'] },
  { name: 'ingest_run_log', order: ['id'], identity: 'id' },
  { name: 'source_cursors', order: ['source_id'] },
  { name: 'connector_state', order: ['source_id', 'key'] },
  { name: 'message_imports', order: ['import_id'], identity: 'import_id' },
  { name: 'message_sends', order: ['channel', 'send_no', 'recipient_hash'] },
  { name: 'message_programmed', order: ['channel', 'send_no', 'recipient_hash'] },
  { name: 'message_scheduled', order: ['channel', 'send_no'] },
];

const PAGE_ROWS = 2_000;

export interface TableCheck {
  table: string;
  rows: number;
  /** SUM(impressions) on both sides, for the tables that have them. */
  impressions?: number;
}

export interface CopyResult {
  tables: TableCheck[];
}

/** A destination that already holds data: copying would mix two stores (exit 2, nothing written). */
export class CopyTargetNotEmptyError extends UsageError {
  override name = 'CopyTargetNotEmptyError';
}

/** The two sides disagree after the copy: the transaction was rolled back. */
export class CopyMismatchError extends Error {
  override name = 'CopyMismatchError';
}

export async function copyStore(from: Store, to: Store, onTable?: (t: TableCheck) => void): Promise<CopyResult> {
  for (const t of TABLES) {
    const row = await to.db.selectFrom(t.name).select(sql<number>`1`.as('one')).limit(1).executeTakeFirst();
    if (row !== undefined && t.name !== 'targets' && t.name !== 'meta') {
      throw new CopyTargetNotEmptyError(`--to ${to.file}: already holds data (table ${t.name}); copy into an empty database or schema`);
    }
  }
  const expected = await checks(from.db);
  await to.db.transaction().execute(async (trx) => {
    for (const t of TABLES) {
      await trx.deleteFrom(t.name).execute();
      for await (const rows of pages(from, t.name, t.order)) {
        await trx.insertInto(t.name).values(rows as never).execute();
      }
      if (t.identity !== undefined && to.engine === 'postgres') {
        // Explicit keys do not move an identity's sequence: the next row must come after them.
        await sql`SELECT setval(pg_get_serial_sequence(${t.name}, ${t.identity}), COALESCE((SELECT MAX(${sql.ref(t.identity)}) FROM ${sql.table(t.name)}), 0) + 1, false)`.execute(trx);
      }
    }
    const copied = await checks(trx);
    const differences = expected
      .map((e, i) => ({ e, c: copied[i]! }))
      .filter(({ e, c }) => e.rows !== c.rows || e.impressions !== c.impressions)
      .map(({ e, c }) => `${e.table}: ${describe(e)} in ${from.file}, ${describe(c)} in ${to.file}`);
    if (differences.length > 0) throw new CopyMismatchError(`the copy does not match its source, nothing was kept:\n  ${differences.join('\n  ')}`);
  });
  for (const t of expected) onTable?.(t);
  return { tables: expected };
}

/** A table's rows in key order, a page at a time: SQLite streams, PostgreSQL reads page by page. */
async function* pages(from: Store, table: keyof Database, order: string[]): AsyncGenerator<Record<string, unknown>[]> {
  let query = from.db.selectFrom(table).selectAll();
  for (const c of order) query = query.orderBy(sql.ref(c));
  if (from.engine === 'sqlite') {
    let page: Record<string, unknown>[] = [];
    for await (const row of query.stream(PAGE_ROWS)) {
      page.push(row as Record<string, unknown>);
      if (page.length === PAGE_ROWS) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
    return;
  }
  for (let offset = 0; ; offset += PAGE_ROWS) {
    const rows = (await query.limit(PAGE_ROWS).offset(offset).execute()) as Record<string, unknown>[];
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE_ROWS) return;
  }
}

function describe(t: TableCheck): string {
  return t.impressions === undefined ? `${t.rows} rows` : `${t.rows} rows, ${t.impressions} impressions`;
}

async function checks(db: Kysely<Database> | Transaction<Database>): Promise<TableCheck[]> {
  const out: TableCheck[] = [];
  for (const t of TABLES) {
    const withImpressions = t.name === 'campaign_days' || t.name === 'geo_days';
    const r = await sql<{ n: number; impressions: number | null }>`
      SELECT COUNT(*) AS n, ${withImpressions ? sql`SUM(impressions)` : sql`NULL`} AS impressions FROM ${sql.table(t.name)}`.execute(db);
    const row = r.rows[0]!;
    out.push(withImpressions ? { table: t.name, rows: Number(row.n), impressions: Number(row.impressions ?? 0) } : { table: t.name, rows: Number(row.n) });
  }
  return out;
}
