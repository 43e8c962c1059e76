// Geography by REGIONS segmentation: one async job per (≤ 45-day range, placement, configured
// country, ≤ 20 campaigns), with the country's targeting value as `country`. Segment names are
// mapped to ISO 3166-2 within that country; a name pauta does not know stays country-level.
// REGIONS availability on the live API is unverified (the docs dropped it in 2026): a rejection
// fails the source with a message naming the `targeting` strategy, and no geography is stored.
// https://docs.x.com/x-ads-api/analytics#segmentation
import { toRegionCode } from '../../core/geo.ts';
import { MAX_ENTITY_IDS, chunk } from './client.ts';
import { jobSpecKey, runJobs, windowJobs, type JobSpec } from './jobs.ts';
import { countryTargetingValues } from './locations.ts';
import { GeoSplit } from './mapping.ts';
import { readStats, type AccountWindow } from './stats.ts';
import { splitForApi } from './time-windows.ts';

/** Segmented async jobs span at most 45 days. */
export const MAX_SEGMENTED_DAYS = 45;

export async function regionsGeo(aw: AccountWindow): Promise<GeoSplit> {
  const { client, ctx, cfg, accountId, zone, window, campaignIds } = aw;
  const countries = await countryTargetingValues(client, ctx.state, cfg.geo.countries);
  const specs: JobSpec[] = [];
  for (const range of splitForApi(window, zone, MAX_SEGMENTED_DAYS)) {
    for (const placement of cfg.placements) {
      for (const [countryCode, country] of countries) {
        for (const group of chunk(campaignIds, MAX_ENTITY_IDS)) {
          const request = { entity: 'CAMPAIGN' as const, entityIds: group, range, placement, segmentationType: 'REGIONS' as const, country };
          specs.push({ key: jobSpecKey(request), request, countryCode });
        }
      }
    }
  }
  const results = await runJobs(client, ctx, specs, {
    accountId,
    stateKey: windowJobs(accountId, window),
    timeoutMs: cfg.jobs.timeout_minutes * 60_000,
    slots: aw.jobSlots,
  });

  const split = new GeoSplit();
  const unmapped = new Set<string>();
  let unsegmented = 0;
  for (const spec of specs) {
    const { range, entityIds } = spec.request;
    const cc = spec.countryCode;
    for (const v of readStats(results.get(spec.key)!, range, `X Ads REGIONS job of ${accountId} (${cc}, ${range.from}..${range.to})`)) {
      if (!entityIds.includes(v.entityId)) continue;
      if (v.segment === null) {
        unsegmented += v.impressions;
        continue;
      }
      const region = toRegionCode(cc, v.segment.name);
      if (region === '' && v.segment.name && !/^unknown$/i.test(v.segment.name)) unmapped.add(`${cc}: ${v.segment.name}`);
      split.add(v.entityId, v.date, { country: cc, region }, v.impressions);
    }
  }
  if (unmapped.size > 0) ctx.log.warn({ regions: [...unmapped] }, 'X Ads region names without an ISO 3166-2 code: kept at country level');
  if (unsegmented > 0) ctx.log.warn({ impressions: unsegmented }, 'X Ads REGIONS job rows without a segment: left unattributed');
  return split;
}
