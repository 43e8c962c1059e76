// Synchronous stats over a window: ≤ 7 days and ≤ 20 entities per request, one placement each,
// summed over the configured placements. No segmentation on this endpoint.
// https://docs.x.com/x-ads-api/analytics#synchronous-analytics
import type { DateWindow, IsoDate } from '../../core/dates.ts';
import { MAX_ENTITY_IDS, chunk, type StatsEntity, type XAdsClient } from './client.ts';
import { readStats } from './stats.ts';
import { splitForApi } from './time-windows.ts';

export const MAX_SYNC_DAYS = 7;

export interface DailyTotal {
  impressions: number;
  clicks: number;
}

/** entity id → local date → totals, for every non-zero day. */
export type DailyTotals = Map<string, Map<IsoDate, DailyTotal>>;

export async function syncDailyTotals(
  client: XAdsClient,
  accountId: string,
  entity: StatsEntity,
  entityIds: readonly string[],
  window: DateWindow,
  zone: string,
  placements: readonly string[],
): Promise<DailyTotals> {
  const out: DailyTotals = new Map();
  for (const range of splitForApi(window, zone, MAX_SYNC_DAYS)) {
    for (const placement of placements) {
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
