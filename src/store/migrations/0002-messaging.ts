import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoKey } from './portable.ts';

// SMS and e-mail progress. A message is stored as a keyed hash of its recipient, never the
// phone number or address (README.md "Messaging"); its natural key makes re-imports idempotent.
export const messaging: Migration = {
  async up(db: Kysely<any>) {
    // Facts about the database as a whole, e.g. `simulated` (the demo's data) and the
    // fingerprint of the messaging key.
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('message_imports')
      .addColumn('import_id', 'integer', autoKey(db))
      .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel IN ('sms', 'email')`))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('delivery', 'programmed')`))
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('file_sha256', 'text', (c) => c.notNull())
      .addColumn('encoding', 'text', (c) => c.notNull())
      .addColumn('rows', 'integer', (c) => c.notNull())
      .addColumn('messages', 'integer', (c) => c.notNull())
      .addColumn('new_messages', 'integer', (c) => c.notNull())
      .addColumn('updated_messages', 'integer', (c) => c.notNull())
      .addColumn('imported_at', 'text', (c) => c.notNull())
      .execute();

    // One row per (channel, send, recipient): the latest known outcome and the day it was sent.
    await db.schema
      .createTable('message_sends')
      .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel IN ('sms', 'email')`))
      .addColumn('send_no', 'integer', (c) => c.notNull().check(sql`send_no >= 1`))
      .addColumn('recipient_hash', 'text', (c) => c.notNull())
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('sent', 'delivered', 'failed')`))
      .addColumn('import_id', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_sends_pk', ['channel', 'send_no', 'recipient_hash'])
      .execute();
    await db.schema.createIndex('message_sends_date').on('message_sends').columns(['channel', 'send_no', 'date']).execute();

    // The programmed list: who was meant to receive each send (its count is the scheduled total
    // when the config gives none).
    await db.schema
      .createTable('message_programmed')
      .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel IN ('sms', 'email')`))
      .addColumn('send_no', 'integer', (c) => c.notNull().check(sql`send_no >= 1`))
      .addColumn('recipient_hash', 'text', (c) => c.notNull())
      .addColumn('import_id', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_programmed_pk', ['channel', 'send_no', 'recipient_hash'])
      .execute();

    // Scheduled totals from the config, mirrored on every report and import.
    await db.schema
      .createTable('message_scheduled')
      .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel IN ('sms', 'email')`))
      .addColumn('send_no', 'integer', (c) => c.notNull().check(sql`send_no >= 1`))
      .addColumn('scheduled', 'integer', (c) => c.notNull().check(sql`scheduled >= 0`))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_scheduled_pk', ['channel', 'send_no'])
      .execute();

    // The analysts' contract (README.md "The database"): names and columns stay stable.
    await sql`
      CREATE VIEW messaging_daily AS
      SELECT channel, send_no AS send, date, COUNT(*) AS sent,
             COUNT(*) FILTER (WHERE status = 'delivered') AS delivered, COUNT(*) FILTER (WHERE status = 'failed') AS failed
      FROM message_sends
      GROUP BY channel, send_no, date
    `.execute(db);

    await sql`
      CREATE VIEW indicator_messaging AS
      WITH sends AS (
        SELECT channel, send_no FROM message_scheduled
        UNION SELECT channel, send_no FROM message_programmed
        UNION SELECT channel, send_no FROM message_sends
      ),
      counts AS (
        SELECT channel, send_no, COUNT(*) AS sent, COUNT(*) FILTER (WHERE status = 'delivered') AS delivered,
               COUNT(*) FILTER (WHERE status = 'failed') AS failed, MIN(date) AS first_date, MAX(date) AS last_date
        FROM message_sends GROUP BY channel, send_no
      ),
      programmed AS (
        SELECT channel, send_no, COUNT(*) AS n FROM message_programmed GROUP BY channel, send_no
      ),
      per_send AS (
        SELECT s.channel, s.send_no,
               COALESCE(ms.scheduled, p.n) AS scheduled,
               CASE WHEN ms.scheduled IS NOT NULL THEN 'config' WHEN p.n IS NOT NULL THEN 'list' END AS scheduled_from,
               COALESCE(c.sent, 0) AS sent, COALESCE(c.delivered, 0) AS delivered,
               COALESCE(c.failed, 0) AS failed, c.first_date, c.last_date
        FROM sends s
        LEFT JOIN message_scheduled ms ON ms.channel = s.channel AND ms.send_no = s.send_no
        LEFT JOIN programmed p ON p.channel = s.channel AND p.send_no = s.send_no
        LEFT JOIN counts c ON c.channel = s.channel AND c.send_no = s.send_no
      ),
      with_total AS (
        SELECT channel, CAST(send_no AS TEXT) AS send, scheduled, scheduled_from, sent, delivered,
               failed, first_date, last_date
        FROM per_send
        UNION ALL
        SELECT channel, 'total',
               CASE WHEN COUNT(scheduled) = COUNT(*) THEN CAST(SUM(scheduled) AS BIGINT) END,
               CASE WHEN COUNT(DISTINCT scheduled_from) = 1 AND COUNT(scheduled) = COUNT(*) THEN MAX(scheduled_from) END,
               CAST(SUM(sent) AS BIGINT), CAST(SUM(delivered) AS BIGINT), CAST(SUM(failed) AS BIGINT),
               MIN(first_date), MAX(last_date)
        FROM per_send GROUP BY channel
      )
      SELECT channel, send, scheduled, scheduled_from, sent, delivered, failed,
             sent - delivered - failed AS pending,
             CASE WHEN scheduled > 0 THEN ROUND(sent * 100.0 / scheduled, 2) END AS pct,
             CASE WHEN sent > 0 THEN ROUND(delivered * 100.0 / sent, 2) END AS delivered_pct,
             first_date, last_date AS as_of
      FROM with_total
      ORDER BY CASE channel WHEN 'sms' THEN 0 ELSE 1 END, send
    `.execute(db);
  },
};
