// Geography by targeting: a line item that targets exactly one location (a configured country or
// one of its regions) has all its impressions attributed there; a line item with several
// locations, none, or one pauta cannot place (a city, a metro, another country) goes to the
// remainder. Targeting is read as it is now: a line item whose targeting changed mid-flight is
// attributed to its current location.
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
    const locations = includedLocations(criteria.filter((c) => c.line_item_id === li.id));
    const place = locations.length === 1 ? index.resolve(locations[0]!) : undefined;
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
