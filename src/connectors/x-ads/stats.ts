// X's stats for one account over one window. A stats payload (a synchronous response or a job's
// downloaded file: the same schema) is read into dated values: bucket i is the range's first
// local date plus i days, and `null` (a whole metric or one bucket) means 0. Synchronous stats
// take ≤ 7 days and ≤ 20 entities per request, one placement each, and no segmentation; they are
// summed over the configured placements.
// https://docs.x.com/x-ads-api/analytics
// https://docs.x.com/x-ads-api/analytics#synchronous-analytics
import type { DateWindow, IsoDate } from '../../core/dates.ts';
import { PayloadError } from '../../core/errors.ts';
import type { ConnectorContext } from '../types.ts';
import { MAX_ENTITY_IDS, chunk, type StatsEntity, type XAdsClient } from './client.ts';
import type { XAdsSourceConfig } from './config.ts';
import type { JobSlots } from './jobs.ts';
import type { XStats } from './payloads.ts';
import { bucketDate, splitForApi, type StatsRange } from './time-windows.ts';

export const MAX_SYNC_DAYS = 7;

/** One account over one window: what the geography strategies and the totals read, and what they read it with. */
export interface AccountWindow {
  client: XAdsClient;
  ctx: ConnectorContext;
  cfg: XAdsSourceConfig;
  accountId: string;
  /** The account's time zone: the days of the window are its days. */
  zone: string;
  window: DateWindow;
  /** The selected campaigns of the account. */
  campaignIds: readonly string[];
  /** The session's async-job slots, shared by the windows fetched at once. */
  jobSlots?: JobSlots | undefined;
}

export interface StatsSegment {
  name: string | null;
  value: string | null;
}

export interface StatsValue {
  entityId: string;
  /** null for unsegmented stats. */
  segment: StatsSegment | null;
  date: IsoDate;
  impressions: number;
  clicks: number;
}

function series(values: readonly (number | null)[] | null | undefined, length: number, what: string): number[] {
  if (values === null || values === undefined) return new Array<number>(length).fill(0);
  if (values.length !== length) {
    throw new PayloadError(`${what}: ${values.length} buckets where time_series_length is ${length}`);
  }
  return values.map((v) => v ?? 0);
}

/** Every non-zero (entity, segment, date) of a DAY-granularity payload for `range`. */
export function readStats(stats: XStats, range: StatsRange, what: string): StatsValue[] {
  if (stats.time_series_length !== range.days) {
    throw new PayloadError(`${what}: time_series_length is ${stats.time_series_length} for the ${range.days} days ${range.from}..${range.to}`);
  }
  const out: StatsValue[] = [];
  for (const entity of stats.data) {
    for (const datum of entity.id_data) {
      const impressions = series(datum.metrics.impressions, range.days, `${what}, ${entity.id} impressions`);
      const clicks = series(datum.metrics.clicks, range.days, `${what}, ${entity.id} clicks`);
      const segment = datum.segment ? { name: datum.segment.segment_name ?? null, value: datum.segment.segment_value ?? null } : null;
      for (let i = 0; i < range.days; i++) {
        if (impressions[i] === 0 && clicks[i] === 0) continue;
        out.push({ entityId: entity.id, segment, date: bucketDate(range.from, i), impressions: impressions[i]!, clicks: clicks[i]! });
      }
    }
  }
  return out;
}

export interface DailyTotal {
  impressions: number;
  clicks: number;
}

/** entity id → local date → totals, for every non-zero day. */
export type DailyTotals = Map<string, Map<IsoDate, DailyTotal>>;

/** Synchronous daily totals of these entities (the account's campaigns, or line items) over the window. */
export async function syncDailyTotals(aw: AccountWindow, entity: StatsEntity, entityIds: readonly string[]): Promise<DailyTotals> {
  const { client, accountId } = aw;
  const out: DailyTotals = new Map();
  for (const range of splitForApi(aw.window, aw.zone, MAX_SYNC_DAYS)) {
    for (const placement of aw.cfg.placements) {
      for (const group of chunk(entityIds, MAX_ENTITY_IDS)) {
        const stats = await client.syncStats(accountId, { entity, entityIds: group, range, placement });
        for (const v of readStats(stats, range, `X Ads stats of ${accountId} (${entity}, ${placement}, ${range.from}..${range.to})`)) {
          if (!group.includes(v.entityId)) continue;
          const byDate = out.get(v.entityId) ?? new Map<IsoDate, DailyTotal>();
          const t = byDate.get(v.date) ?? { impressions: 0, clicks: 0 };
          t.impressions += v.impressions;
          t.clicks += v.clicks;
          byDate.set(v.date, t);
          out.set(v.entityId, byDate);
        }
      }
    }
  }
  return out;
}
