// The window commit on SQLite through better-sqlite3 prepared statements, prepared once per
// connection and reused for every row: the same statements and the same one transaction as the
// generic commit in store.ts (which any kysely dialect can run), at the speed of raw inserts.
// Building a kysely query per chunk of rows cost about half the throughput.
import type SQLite from 'better-sqlite3';
import type { StoredDay } from '../core/records.ts';
import { redact } from '../core/redact.ts';
import { LeaseLostError, type WindowCommit } from './store.ts';

export interface CommitStatements {
  readonly transaction: (c: WindowCommit) => number;
}

export function prepareCommit(sqlite: SQLite.Database): CommitStatements {
  const deleteGeo = sqlite.prepare('DELETE FROM geo_days WHERE source_id = ? AND account_id = ? AND date >= ? AND date <= ?');
  const deleteDays = sqlite.prepare('DELETE FROM campaign_days WHERE source_id = ? AND account_id = ? AND date >= ? AND date <= ?');
  const upsertCampaign = sqlite.prepare(`
    INSERT INTO campaigns (source_id, account_id, campaign_id, platform, campaign_name, channel, target_id, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (source_id, account_id, campaign_id) DO UPDATE SET
      platform = excluded.platform, campaign_name = excluded.campaign_name, channel = excluded.channel,
      target_id = excluded.target_id, updated_at = excluded.updated_at
  `);
  const insertDay = sqlite.prepare(`
    INSERT INTO campaign_days (source_id, account_id, campaign_id, date, impressions, clicks, video_views, cost_micros, geo_method, run_id, fetched_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  `);
  const insertGeo = sqlite.prepare(`
    INSERT INTO geo_days (source_id, account_id, campaign_id, date, country, region, impressions) VALUES (?, ?, ?, ?, ?, ?, ?)
  `);
  const insertRun = sqlite.prepare(`
    INSERT INTO ingest_run_log (run_id, source_id, trigger, window_from, window_to, status, rows, error, started_at, finished_at)
    VALUES (?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?)
  `);
  // The cursor only moves forward (docs/ARCHITECTURE.md, invariant 8).
  const moveCursor = sqlite.prepare(`
    INSERT INTO source_cursors (source_id, cursor_date, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (source_id) DO UPDATE SET cursor_date = excluded.cursor_date, updated_at = excluded.updated_at
    WHERE source_cursors.cursor_date < excluded.cursor_date
  `);

  // Fencing, as in the generic commit: the window is written only while its lease is held.
  const holdLease = sqlite.prepare('UPDATE leases SET expires_at = expires_at WHERE source_id = ? AND holder = ? AND expires_at > ?');

  const commit = (c: WindowCommit): number => {
    const { sourceId, window } = c;
    if (c.lease !== undefined && holdLease.run(sourceId, c.lease.holder, c.lease.now).changes !== 1) {
      throw new LeaseLostError(sourceId, c.lease.holder);
    }
    for (const accountId of c.accounts) {
      deleteGeo.run(sourceId, accountId, window.from, window.to);
      deleteDays.run(sourceId, accountId, window.from, window.to);
    }
    const campaigns = new Map<string, StoredDay>();
    for (const d of c.days) campaigns.set(`${d.accountId}|${d.campaignId}`, d);
    for (const d of campaigns.values()) {
      const target = c.targetOf({ sourceId, platform: d.platform, channel: d.channel, campaignId: d.campaignId, campaignName: d.campaignName });
      upsertCampaign.run(sourceId, d.accountId, d.campaignId, d.platform, d.campaignName, d.channel, target, c.finishedAt);
    }
    let rows = 0;
    for (const d of c.days) {
      insertDay.run(sourceId, d.accountId, d.campaignId, d.date, d.impressions, d.clicks ?? null, d.videoViews ?? null, d.costMicros ?? null, d.geoMethod, c.runId, c.finishedAt);
    }
    for (const d of c.days) {
      for (const g of d.geo) insertGeo.run(sourceId, d.accountId, d.campaignId, d.date, g.country, g.region, g.impressions);
      rows += d.geo.length;
    }
    insertRun.run(c.runId, sourceId, c.trigger, window.from, window.to, rows, c.note === undefined ? null : redact(c.note), c.startedAt, c.finishedAt);
    if (c.cursor !== undefined) moveCursor.run(sourceId, c.cursor, c.finishedAt);
    return rows;
  };
  // IMMEDIATE: the write lock is waited for (within the busy timeout) before the first statement.
  return { transaction: sqlite.transaction(commit).immediate };
}
