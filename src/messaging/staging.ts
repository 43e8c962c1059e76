// An import's messages wait in temporary tables while the file streams in: SQLite's temp store is
// a file of its own (deleted when the connection closes; better-sqlite3 builds with
// SQLITE_TEMP_STORE=1), so memory stays flat however large the file, and the user's database is
// written once, by one merge statement, after the whole file has been read. Inside the import's
// transaction, so a failure leaves no trace. One import at a time per connection. On PostgreSQL
// the same statements run on session temporary tables (schema `pg_temp`), in the import's
// transaction on one pooled connection.
import { CompiledQuery, sql, type RawBuilder, type Transaction } from 'kysely';
import { engineOf, type Engine } from '../store/engine.ts';
import type { Database } from '../store/schema.ts';
import { OUTCOME_RANK } from './columns.ts';
import type { ImportKind, RowMessage } from './delivery-report.ts';
import type { MessageChannel } from './recipient.ts';

/** Rows per INSERT: 4 values each, well under SQLite's 32,766 parameters. */
const BATCH_ROWS = 1_000;
const COLUMNS = 4;

export interface StagedMessages {
  /** Unique messages, after merging rows for the same recipient and send. */
  messages: number;
  bySend: { send: number; messages: number }[];
  firstDate: string | null;
  lastDate: string | null;
}

export class ImportStaging {
  private values: (string | number)[] = [];
  private readonly insertBatch: string;
  private readonly engine: Engine;
  /** The temporary schema's name: `temp` in SQLite, `pg_temp` in PostgreSQL. */
  private readonly temp: RawBuilder<unknown>;

  private constructor(private readonly db: Transaction<Database>) {
    this.engine = engineOf(db);
    this.temp = sql.raw(this.engine === 'postgres' ? 'pg_temp' : 'temp');
    this.insertBatch = insertRowsSql(BATCH_ROWS, this.engine);
  }

  static async create(db: Transaction<Database>): Promise<ImportStaging> {
    const staging = new ImportStaging(db);
    await staging.drop();
    // Every row as read, in file order: appending is cheap; duplicates are merged once, by a sort.
    await sql`CREATE TEMP TABLE import_rows (send_no INTEGER NOT NULL, recipient_hash TEXT NOT NULL, date TEXT NOT NULL, rank INTEGER NOT NULL)`.execute(db);
    return staging;
  }

  add(m: RowMessage): Promise<void> | undefined {
    this.values.push(m.send, m.hash, m.date, OUTCOME_RANK[m.outcome]);
    return this.values.length >= BATCH_ROWS * COLUMNS ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.values.length === 0) return;
    const rows = this.values.length / COLUMNS;
    const text = rows === BATCH_ROWS ? this.insertBatch : insertRowsSql(rows, this.engine);
    const values = this.values;
    this.values = [];
    await this.db.executeQuery(CompiledQuery.raw(text, values));
  }

  /** One row per (send, recipient): the best outcome and the earliest day, as the store keeps them. */
  async merge(): Promise<StagedMessages> {
    await this.flush();
    await sql`
      CREATE TEMP TABLE import_messages (
        send_no INTEGER NOT NULL, recipient_hash TEXT NOT NULL, date TEXT NOT NULL, rank INTEGER NOT NULL,
        PRIMARY KEY (send_no, recipient_hash)
      )${sql.raw(this.engine === 'sqlite' ? ' WITHOUT ROWID' : '')}`.execute(this.db);
    await sql`
      INSERT INTO ${this.temp}.import_messages
      SELECT send_no, recipient_hash, MIN(date), MAX(rank) FROM ${this.temp}.import_rows GROUP BY send_no, recipient_hash`.execute(this.db);
    await sql`DROP TABLE ${this.temp}.import_rows`.execute(this.db);
    const bySend = await sql<{ send: number; messages: number; first: string | null; last: string | null }>`
      SELECT send_no AS send, COUNT(*) AS messages, MIN(NULLIF(date, '')) AS first, MAX(NULLIF(date, '')) AS last
      FROM ${this.temp}.import_messages GROUP BY send_no ORDER BY send_no`.execute(this.db);
    const dates = bySend.rows.flatMap((r) => [r.first, r.last]).filter((d): d is string => d !== null).sort();
    return {
      messages: bySend.rows.reduce((n, r) => n + r.messages, 0),
      bySend: bySend.rows.map((r) => ({ send: r.send, messages: r.messages })),
      firstDate: dates[0] ?? null,
      lastDate: dates.at(-1) ?? null,
    };
  }

  /**
   * Upserts the merged messages into the store. A message already stored keeps its best outcome
   * and earliest day; it counts as updated only when one of them moved. Returns rows inserted and
   * rows changed (inserted or updated).
   */
  async storeInto(kind: ImportKind, channel: MessageChannel, importId: number, nowIso: string): Promise<number> {
    if (kind === 'programmed') {
      const r = await sql`
        INSERT INTO message_programmed (channel, send_no, recipient_hash, import_id)
        SELECT ${channel}, send_no, recipient_hash, ${importId} FROM ${this.temp}.import_messages WHERE true
        ON CONFLICT (channel, send_no, recipient_hash) DO NOTHING`.execute(this.db);
      return Number(r.numAffectedRows ?? 0n);
    }
    const status = (rank: ReturnType<typeof sql>) =>
      sql`CASE ${rank} WHEN ${OUTCOME_RANK.delivered} THEN 'delivered' WHEN ${OUTCOME_RANK.failed} THEN 'failed' ELSE 'sent' END`;
    const rank = (col: string) =>
      sql`CASE ${sql.ref(col)} WHEN 'delivered' THEN ${OUTCOME_RANK.delivered} WHEN 'failed' THEN ${OUTCOME_RANK.failed} ELSE ${OUTCOME_RANK.sent} END`;
    // `WHERE true`: without it SQLite would read ON CONFLICT as part of the SELECT (sqlite.org/lang_upsert.html).
    const r = await sql`
      INSERT INTO message_sends (channel, send_no, recipient_hash, date, status, import_id, updated_at)
      SELECT ${channel}, send_no, recipient_hash, date, ${status(sql.ref('rank'))}, ${importId}, ${nowIso}
      FROM ${this.temp}.import_messages WHERE true
      ON CONFLICT (channel, send_no, recipient_hash) DO UPDATE SET
        status = CASE WHEN ${rank('excluded.status')} > ${rank('message_sends.status')} THEN excluded.status ELSE message_sends.status END,
        date = ${sql.raw(this.engine === 'postgres' ? 'LEAST' : 'MIN')}(message_sends.date, excluded.date),
        import_id = excluded.import_id,
        updated_at = excluded.updated_at
      WHERE ${rank('excluded.status')} > ${rank('message_sends.status')} OR excluded.date < message_sends.date`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }

  async drop(): Promise<void> {
    await sql`DROP TABLE IF EXISTS ${this.temp}.import_rows`.execute(this.db);
    await sql`DROP TABLE IF EXISTS ${this.temp}.import_messages`.execute(this.db);
  }
}

function insertRowsSql(rows: number, engine: Engine): string {
  // Placeholders: SQLite's `?`, PostgreSQL's numbered `$1`.
  const tuples = Array.from({ length: rows }, (_, r) =>
    engine === 'postgres' ? `($${r * COLUMNS + 1}, $${r * COLUMNS + 2}, $${r * COLUMNS + 3}, $${r * COLUMNS + 4})` : '(?, ?, ?, ?)',
  );
  const table = engine === 'postgres' ? 'pg_temp.import_rows' : 'temp.import_rows';
  return `INSERT INTO ${table} (send_no, recipient_hash, date, rank) VALUES ${tuples.join(', ')}`;
}
