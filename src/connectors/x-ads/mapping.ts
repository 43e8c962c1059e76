// X campaigns' days → pauta's CampaignDays: the synchronous campaign total is authoritative; the
// strategy's geography (a GeoSplit, whichever strategy made it) comes along, and the runner adds
// the unattributed remainder as `ZZ`.
import type { IsoDate } from '../../core/dates.ts';
import type { GeoImpressions, GeoPoint } from '../../core/geo.ts';
import type { CampaignDay } from '../../core/records.ts';
import type { GeoStrategy } from './config.ts';
import type { XCampaign } from './payloads.ts';
import type { DailyTotals } from './stats.ts';

/** X promotes posts on a social network: every X campaign is pauta channel `social`. */
export const X_CHANNEL = 'social' as const;

/** A campaign's geographic split per local date: campaign id → local date → rows (merged per place). */
export class GeoSplit {
  private readonly rows = new Map<string, Map<IsoDate, Map<string, GeoImpressions>>>();

  add(campaignId: string, date: IsoDate, place: GeoPoint, impressions: number): void {
    if (impressions === 0) return;
    const byDate = this.rows.get(campaignId) ?? new Map<IsoDate, Map<string, GeoImpressions>>();
    const byPlace = byDate.get(date) ?? new Map<string, GeoImpressions>();
    const key = `${place.country}|${place.region}`;
    const row = byPlace.get(key) ?? { country: place.country, region: place.region, impressions: 0 };
    row.impressions += impressions;
    byPlace.set(key, row);
    byDate.set(date, byPlace);
    this.rows.set(campaignId, byDate);
  }

  get(campaignId: string, date: IsoDate): GeoImpressions[] {
    return [...(this.rows.get(campaignId)?.get(date)?.values() ?? [])];
  }

  dates(campaignId: string): IsoDate[] {
    return [...(this.rows.get(campaignId)?.keys() ?? [])];
  }
}

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
