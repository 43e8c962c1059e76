// X names places by opaque targeting values (United States is 96683cc9126741d1). pauta looks
// them up with GET targeting_criteria/locations for the configured countries, never hard-codes
// them, and caches them in the source's connector state: they do not change.
// https://docs.x.com/x-ads-api/campaign-management/reference#get-targeting-criteria-locations
import { z } from 'zod';
import { stateKeyFamily, type ConnectorState } from '../state.ts';
import { FatalError } from '../../core/errors.ts';
import { toRegionCode, type GeoPoint } from '../../core/geo.ts';
import type { XAdsClient } from './client.ts';

/** Connector state: a country's targeting value. */
const countryTargetingValue = stateKeyFamily((countryCode: string) => `targeting:countries:${countryCode}`, z.string().min(1));
/** Connector state: every region of a country as [targeting value, name]. */
const countryRegions = stateKeyFamily((countryCode: string) => `targeting:regions:${countryCode}`, z.array(z.tuple([z.string(), z.string()])));

/** The targeting value of each country (what `country` of a REGIONS job takes). */
export async function countryTargetingValues(
  client: XAdsClient,
  state: ConnectorState,
  countries: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const cc of countries) {
    let value = await state.get(countryTargetingValue(cc));
    if (value === undefined) {
      const found = (await client.locations('COUNTRIES', cc)).filter(
        (l) => l.location_type === 'COUNTRIES' && (l.country_code ?? '').toUpperCase() === cc,
      );
      const values = [...new Set(found.map((l) => l.targeting_value))];
      if (values.length !== 1) {
        throw new FatalError(
          `X Ads has ${values.length === 0 ? 'no' : `${values.length} different`} country targeting value(s) for ${cc} (targeting_criteria/locations?location_type=COUNTRIES&country_code=${cc})`,
        );
      }
      value = values[0]!;
      await state.set(countryTargetingValue(cc), value);
    }
    out.set(cc, value);
  }
  return out;
}

/** Every region of a country as [targeting value, name]. */
async function regionTable(client: XAdsClient, state: ConnectorState, cc: string): Promise<[string, string][]> {
  const cached = await state.get(countryRegions(cc));
  if (cached !== undefined) return cached;
  const table = (await client.locations('REGIONS', cc))
    .filter((l) => (l.country_code ?? '').toUpperCase() === cc)
    .map((l): [string, string] => [l.targeting_value, l.name]);
  await state.set(countryRegions(cc), table);
  return table;
}

/** Maps LOCATION targeting values of the configured countries (and their regions) to ISO 3166. */
export class LocationIndex {
  private constructor(private readonly byValue: ReadonlyMap<string, GeoPoint>) {}

  static async load(client: XAdsClient, state: ConnectorState, countries: readonly string[]): Promise<LocationIndex> {
    const byValue = new Map<string, GeoPoint>();
    for (const [cc, value] of await countryTargetingValues(client, state, countries)) {
      byValue.set(value, { country: cc, region: '' });
      for (const [regionValue, name] of await regionTable(client, state, cc)) {
        // A region whose name pauta cannot map is still inside its country.
        byValue.set(regionValue, { country: cc, region: toRegionCode(cc, name) });
      }
    }
    return new LocationIndex(byValue);
  }

  /** ISO place of a targeting value, or undefined when it is a city, a metro or another country. */
  resolve(targetingValue: string): GeoPoint | undefined {
    return this.byValue.get(targetingValue);
  }
}
