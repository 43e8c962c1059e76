// Geography by targeting: a line item's impressions are attributed to the place its included
// locations pin down. One location (a configured country or one of its regions): there. Several
// locations all inside one configured country (California and Texas; the US and California): that
// country, region ''. Locations in several countries, none, or one pauta cannot place (a city, a
// metro, another country): the remainder (ZZ). Targeting is read as it is now: a line item whose
// targeting changed mid-flight is attributed to its current locations.
// https://docs.x.com/x-ads-api/campaign-management/reference#targeting-criteria
import type { GeoPoint } from '../../core/geo.ts';
import { LocationIndex } from './locations.ts';
import { GeoSplit } from './mapping.ts';
import type { XTargetingCriterion } from './payloads.ts';
import { syncDailyTotals, type AccountWindow } from './stats.ts';

/** Included locations of a line item (excluded ones have operator NE). */
function includedLocations(criteria: readonly XTargetingCriterion[]): string[] {
  return [
    ...new Set(
      criteria
        .filter((c) => c.targeting_type === 'LOCATION' && c.deleted !== true && (c.operator_type ?? 'EQ') === 'EQ')
        .map((c) => c.targeting_value),
    ),
  ];
}

/** Where a line item's included locations place its impressions, or undefined for the remainder. */
export function placeOf(locations: readonly string[], index: Pick<LocationIndex, 'resolve'>): GeoPoint | undefined {
  const places = locations.map((value) => index.resolve(value));
  if (places.length === 0 || places.some((p) => p === undefined)) return undefined;
  if (places.length === 1) return places[0];
  const countries = new Set(places.map((p) => p!.country));
  return countries.size === 1 ? { country: places[0]!.country, region: '' } : undefined;
}

export async function targetingGeo(aw: AccountWindow): Promise<GeoSplit> {
  const { client, ctx, cfg, accountId, campaignIds } = aw;
  const selected = new Set(campaignIds);
  const lineItems = (await client.lineItems(accountId, campaignIds)).filter((li) => selected.has(li.campaign_id));
  const split = new GeoSplit();
  if (lineItems.length === 0) return split;
  const criteria = await client.targetingCriteria(accountId, lineItems.map((li) => li.id));
  const index = await LocationIndex.load(client, ctx.state, cfg.geo.countries);

  const placed = new Map<string, { campaignId: string; place: GeoPoint }>();
  const remainder: string[] = [];
  for (const li of lineItems) {
    const place = placeOf(includedLocations(criteria.filter((c) => c.line_item_id === li.id)), index);
    if (place) placed.set(li.id, { campaignId: li.campaign_id, place });
    else remainder.push(li.id);
  }
  ctx.log.debug({ placed: placed.size, remainder }, 'X Ads line items by targeted location');
  if (placed.size === 0) return split;

  const totals = await syncDailyTotals(aw, 'LINE_ITEM', [...placed.keys()]);
  for (const [lineItemId, byDate] of totals) {
    const li = placed.get(lineItemId);
    if (!li) continue;
    for (const [date, t] of byDate) split.add(li.campaignId, date, li.place, t.impressions);
  }
  return split;
}
