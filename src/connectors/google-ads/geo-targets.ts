// Geo target constants are Google's ids for places: `user_location_view.country_criterion_id`
// 2840 is the United States, `segments.geo_target_region` `geoTargetConstants/21137` California.
// pauta resolves every id it meets through the API (`FROM geo_target_constant`, which gives the
// ISO country code and the English name) and keeps the answers in the connector state, so an id
// costs one lookup ever and no table of ids is hard-coded.
// https://developers.google.com/google-ads/api/data/geotargets
import { PayloadError } from '../../core/errors.ts';
import { toCountryCode, toRegionCode, type GeoImpressions } from '../../core/geo.ts';
import { z } from 'zod';
import { stateKey, type ConnectorState } from '../state.ts';
import { geoTargetSchema, parseCellKey, type GeoCounts, type GeoTarget } from './mapping.ts';

/** Connector state: every geo target constant resolved so far, by id. */
const GEO_TARGET_CONSTANTS = stateKey('geo_target_constants', z.record(z.string(), geoTargetSchema));

/** GAQL IN lists have a limit (FILTER_HAS_TOO_MANY_VALUES); a few hundred ids is well inside it. */
const LOOKUP_BATCH = 500;

export type GeoTargetLookup = (ids: string[]) => Promise<GeoTarget[]>;

export class GeoTargetDirectory {
  private changed = false;

  private constructor(
    private readonly targets: Map<string, GeoTarget>,
    private readonly state: ConnectorState,
  ) {}

  static async load(state: ConnectorState): Promise<GeoTargetDirectory> {
    const saved = (await state.get(GEO_TARGET_CONSTANTS)) ?? {};
    return new GeoTargetDirectory(new Map(Object.entries(saved)), state);
  }

  get size(): number {
    return this.targets.size;
  }

  /** Looks up the ids not known yet, in batches, and saves what Google returned; returns the ids it did not. */
  async resolve(ids: Iterable<string>, lookup: GeoTargetLookup): Promise<string[]> {
    const missing = [...new Set(ids)].filter((id) => !this.targets.has(id)).sort();
    for (let i = 0; i < missing.length; i += LOOKUP_BATCH) {
      for (const target of await lookup(missing.slice(i, i + LOOKUP_BATCH))) {
        this.targets.set(target.id, target);
        this.changed = true;
      }
    }
    if (this.changed) {
      // Windows fetched at once resolve ids side by side: keep what another one saved meanwhile.
      for (const [id, target] of Object.entries((await this.state.get(GEO_TARGET_CONSTANTS)) ?? {})) {
        if (!this.targets.has(id)) this.targets.set(id, target);
      }
      await this.state.set(GEO_TARGET_CONSTANTS, Object.fromEntries([...this.targets].sort(([a], [b]) => a.localeCompare(b))));
      this.changed = false;
    }
    return missing.filter((id) => !this.targets.has(id));
  }

  /**
   * Criterion-id counts → ISO 3166 points. A row without a known country is left to the `ZZ`
   * remainder; a region that is unknown, or not in that country, leaves the row country-only.
   */
  place(counts: GeoCounts): GeoImpressions[] {
    const geo: GeoImpressions[] = [];
    for (const [key, impressions] of counts) {
      const { countryId, regionId } = parseCellKey(key);
      if (countryId === undefined) continue;
      const country = this.targets.get(countryId);
      if (!country?.countryCode) continue;
      let countryCode: string;
      try {
        countryCode = toCountryCode(country.countryCode);
      } catch (e) {
        throw new PayloadError(`geo target constant ${countryId}: ${(e as Error).message}`);
      }
      const region = regionId === undefined ? undefined : this.targets.get(regionId);
      const regionCode =
        region && region.countryCode === country.countryCode
          ? toRegionCode(countryCode, region.name) || toRegionCode(countryCode, region.canonicalName)
          : '';
      geo.push({ country: countryCode, region: regionCode, impressions });
    }
    return geo;
  }
}
