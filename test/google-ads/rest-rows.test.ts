// searchStream over REST, read as google-ads-api reads it: the body's messages one at a time, and
// each row with snake_case keys, enum names as their v25 numbers and int64 strings as numbers.
// https://developers.google.com/google-ads/api/rest/design/json-mappings
import { enums } from 'google-ads-api/enums';
import { describe, expect, it } from 'vitest';
import { restRow, snakeCase } from '../../src/connectors/google-ads/rest-rows.ts';
import { arrayElements } from '../../src/connectors/google-ads/stream-elements.ts';

async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function elements(text: string, size: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of arrayElements(chunks(text, size))) out.push(e);
  return out;
}

describe('searchStream rows over REST', () => {
  it('converts keys, enums and int64 as the library does, and leaves dates, strings and booleans alone', () => {
    const row = restRow({
      campaign: { resourceName: 'customers/1/campaigns/16000101', id: '16000101', name: 'Otoño "Display"', advertisingChannelType: 'DISPLAY' },
      segments: { date: '2021-09-01', geoTargetRegion: 'geoTargetConstants/21137' },
      metrics: { impressions: '12345', costMicros: '6780000' },
      userLocationView: { countryCriterionId: '2840', targetingLocation: true },
    });
    expect(row).toEqual({
      campaign: { resource_name: 'customers/1/campaigns/16000101', id: 16000101, name: 'Otoño "Display"', advertising_channel_type: enums.AdvertisingChannelType.DISPLAY },
      segments: { date: '2021-09-01', geo_target_region: 'geoTargetConstants/21137' },
      metrics: { impressions: 12345, cost_micros: 6780000 },
      user_location_view: { country_criterion_id: 2840, targeting_location: true },
    });
    expect(enums.AdvertisingChannelType.DISPLAY).toBe(3);
    expect(restRow({ geographicView: { locationType: 'LOCATION_OF_PRESENCE' } })).toEqual({ geographic_view: { location_type: 3 } });
    expect(restRow({ customer: { id: '1234567890', manager: false, status: 'ENABLED', timeZone: 'America/Mexico_City' } })).toEqual({
      customer: { id: 1234567890, manager: false, status: enums.CustomerStatus.ENABLED, time_zone: 'America/Mexico_City' },
    });
    expect(snakeCase('geoTargetConstant')).toBe('geo_target_constant');
  });

  it('reads the messages of the array one by one, whatever the chunk boundaries', async () => {
    const body = JSON.stringify([
      { results: [{ campaign: { id: '1', name: 'a]{"}' } }], fieldMask: 'campaign.id,campaign.name', requestId: 'r1' },
      { results: [{ campaign: { id: '2', name: 'b\\"' } }, { campaign: { id: '3', name: '' } }], requestId: 'r1' },
    ], null, 1);
    for (const size of [1, 3, 7, 64, body.length]) {
      const got = (await elements(body, size)) as { results: { campaign: { id: string } }[] }[];
      expect(got.map((e) => e.results.map((r) => r.campaign.id))).toEqual([['1'], ['2', '3']]);
    }
    expect(await elements('[]', 1)).toEqual([]);
  });
});
