// X campaigns' days → pauta's CampaignDays: the synchronous campaign total is authoritative; the
// strategy's geography comes along (the runner adds the unattributed remainder as `ZZ`).
import type { CampaignDay } from '../../core/records.ts';
import type { GeoStrategy } from './config.ts';
import type { GeoSplit } from './geo-split.ts';
import type { XCampaign } from './payloads.ts';
import type { DailyTotals } from './sync-stats.ts';

/** X promotes posts on a social network: every X campaign is pauta channel `social`. */
export const X_CHANNEL = 'social' as const;

export function toCampaignDays(
  accountId: string,
  campaigns: readonly XCampaign[],
  totals: DailyTotals,
  geo: GeoSplit,
  geoMethod: GeoStrategy,
): CampaignDay[] {
  const out: CampaignDay[] = [];
  for (const c of campaigns) {
    const byDate = totals.get(c.id);
    // A day with geography but no total is still yielded, so the runner's reconciliation fails
    // the window loudly instead of dropping impressions.
    const dates = new Set([...(byDate?.keys() ?? []), ...geo.dates(c.id)]);
    for (const date of [...dates].sort()) {
      const t = byDate?.get(date) ?? { impressions: 0, clicks: 0 };
      if (t.impressions === 0 && geo.get(c.id, date).length === 0) continue;
      out.push({
        date,
        accountId,
        campaignId: c.id,
        campaignName: c.name,
        channel: X_CHANNEL,
        impressions: t.impressions,
        clicks: t.clicks,
        geo: geo.get(c.id, date),
        geoMethod,
      });
    }
  }
  return out;
}
