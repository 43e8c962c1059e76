// ISO 3166 everywhere; the trap: CA is Canada, US-CA is California.
import { describe, expect, it } from 'vitest';
import { geoBucket } from '../src/indicators/impressions.ts';
import { reconcileGeo, toCountryCode, toRegionCode } from '../src/core/geo.ts';
import { configWith } from './helpers/app.ts';

describe('geography', () => {
  it('keeps Canada and California apart', () => {
    expect(toCountryCode('CA')).toBe('CA');
    expect(toCountryCode('Canada')).toBe('CA');
    expect(toRegionCode('US', 'California')).toBe('US-CA');
    expect(toRegionCode('US', 'US-CA')).toBe('US-CA');
    // A Canadian province named like a US state code is not California.
    expect(toRegionCode('CA', 'California')).toBe('');
    expect(toRegionCode('CA', 'US-CA')).toBe('');
    expect(toRegionCode('CA', 'Ontario')).toBe('CA-ON');
  });

  it('maps platform spellings and unknowns', () => {
    expect(toCountryCode('UK')).toBe('GB');
    expect(toCountryCode('Unknown')).toBe('ZZ');
    expect(toCountryCode('')).toBe('ZZ');
    expect(toRegionCode('US', 'Unknown')).toBe('');
    expect(toRegionCode('ES', 'Comunidad de Madrid')).toBe('ES-MD');
    expect(toRegionCode('US', 'Texas')).toBe('US-TX');
    expect(toRegionCode('US', 'Illinois')).toBe('US-IL');
    expect(() => toCountryCode('United Stat')).toThrow(/not an ISO 3166-1 country/);
  });

  it('reconciles geo rows with the total through an explicit ZZ remainder', () => {
    expect(
      reconcileGeo(100, [
        { country: 'US', region: 'US-CA', impressions: 40 },
        { country: 'US', region: 'US-CA', impressions: 10 },
        { country: 'CA', region: 'CA-ON', impressions: 30 },
        { country: 'US', region: 'US-TX', impressions: 0 },
      ]),
    ).toEqual([
      { country: 'CA', region: 'CA-ON', impressions: 30 },
      { country: 'US', region: 'US-CA', impressions: 50 },
      { country: 'ZZ', region: '', impressions: 20 },
    ]);
    expect(reconcileGeo(5, [])).toEqual([{ country: 'ZZ', region: '', impressions: 5 }]);
    expect(() => reconcileGeo(5, [{ country: 'US', region: '', impressions: 6 }])).toThrow(/above the campaign total/);
  });

  it('buckets report geography: focus regions, rest of country, other countries, unknown', () => {
    const cfg = configWith('  []', new Map());
    const programmatic = cfg.targets[0]!;
    const social = cfg.targets[1]!;
    expect(geoBucket('US', 'US-CA', programmatic).key).toBe('US-CA');
    expect(geoBucket('US', 'US-NY', programmatic).key).toBe('US-rest');
    expect(geoBucket('US', '', programmatic).key).toBe('US-rest');
    expect(geoBucket('CA', 'CA-ON', programmatic).key).toBe('other');
    expect(geoBucket('CA', 'CA-ON', social).key).toBe('CA');
    expect(geoBucket('ZZ', '', social).key).toBe('ZZ');
  });
});
