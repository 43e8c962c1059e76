import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoKey, bigCount } from './portable.ts';

// Natural keys everywhere, so re-running a window is an upsert, never a duplicate.
export const initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('targets')
      .addColumn('target_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('projected', bigCount(db), (c) => c.notNull())
      .addColumn('period_start', 'text', (c) => c.notNull())
      .addColumn('period_end', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('accounts')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('currency', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('accounts_pk', ['source_id', 'account_id'])
      .execute();

    await db.schema
      .createTable('campaigns')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('campaign_name', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaigns_pk', ['source_id', 'account_id', 'campaign_id'])
      .execute();

    await db.schema
      .createTable('campaign_days')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('impressions', bigCount(db), (c) => c.notNull().check(sql`impressions >= 0`))
      .addColumn('clicks', bigCount(db))
      .addColumn('video_views', bigCount(db))
      .addColumn('cost_micros', bigCount(db))
      .addColumn('geo_method', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_days_pk', ['source_id', 'account_id', 'campaign_id', 'date'])
      .execute();
    await db.schema.createIndex('campaign_days_date').on('campaign_days').column('date').execute();

    await db.schema
      .createTable('geo_days')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('region', 'text', (c) => c.notNull())
      .addColumn('impressions', bigCount(db), (c) => c.notNull())
      .addPrimaryKeyConstraint('geo_days_pk', ['source_id', 'account_id', 'campaign_id', 'date', 'country', 'region'])
      .execute();
    await db.schema.createIndex('geo_days_date').on('geo_days').column('date').execute();

    await db.schema
      .createTable('ingest_run_log')
      .addColumn('id', 'integer', autoKey(db))
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('window_from', 'text')
      .addColumn('window_to', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('rows', bigCount(db), (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ingest_run_log_source').on('ingest_run_log').columns(['source_id', 'id']).execute();

    await db.schema
      .createTable('source_cursors')
      .addColumn('source_id', 'text', (c) => c.primaryKey())
      .addColumn('cursor_date', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('leases')
      .addColumn('source_id', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('acquired_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('connector_state')
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value_json', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('connector_state_pk', ['source_id', 'key'])
      .execute();

    // The analysts' contract (README.md "The database"): names and columns stay stable.
    await sql`
      CREATE VIEW impressions_daily AS
      SELECT g.date, c.platform, g.source_id, g.account_id, g.campaign_id, c.campaign_name,
             c.channel, c.target_id, g.country, g.region, g.impressions, d.geo_method, d.fetched_at
      FROM geo_days g
      JOIN campaign_days d USING (source_id, account_id, campaign_id, date)
      JOIN campaigns c USING (source_id, account_id, campaign_id)
    `.execute(db);

    await sql`
      CREATE VIEW indicator_impressions AS
      WITH per_target AS (
        SELECT t.target_id, t.name AS target_name, t.projected, t.period_start, t.period_end,
               t.position,
               CAST(COALESCE(SUM(d.impressions), 0) AS BIGINT) AS achieved, MAX(d.date) AS as_of
        FROM targets t
        LEFT JOIN campaigns c ON c.target_id = t.target_id
        LEFT JOIN campaign_days d
          ON d.source_id = c.source_id AND d.account_id = c.account_id
         AND d.campaign_id = c.campaign_id AND d.date BETWEEN t.period_start AND t.period_end
        GROUP BY t.target_id
      )
      SELECT target_id, target_name, projected, achieved,
             ROUND(achieved * 100.0 / projected, 2) AS pct, period_start, period_end, as_of
      FROM (
        SELECT * FROM per_target
        UNION ALL
        SELECT 'total', 'Total', CAST(SUM(projected) AS BIGINT), MIN(period_start), MAX(period_end),
               1000000, CAST(SUM(achieved) AS BIGINT), MAX(as_of)
        FROM per_target
      ) AS with_total
      ORDER BY position
    `.execute(db);

    await sql`
      CREATE VIEW ingest_runs AS
      SELECT run_id, source_id, window_from, window_to, status, rows, error, started_at,
             finished_at, trigger
      FROM ingest_run_log
    `.execute(db);
  },
};
