// A campaign's geographic split per local date, as either strategy produces it.
import type { IsoDate } from '../../core/dates.ts';
import type { GeoImpressions, GeoPoint } from '../../core/geo.ts';

/** campaign id → local date → rows (merged per place). */
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
