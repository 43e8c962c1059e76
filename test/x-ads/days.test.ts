// The account's days: every stats request starts and ends on a local midnight of the account's
// zone (23- and 25-hour days included), and bucket i of a metric array is the local start date
// plus i days. https://docs.x.com/x-ads-api/fundamentals/timezones
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { DateTime } from 'luxon';
import type { Store } from '../../src/store/store.ts';
import {
  LA, MADRID, TON_HOST, US_VALUE, accountAndCampaigns, countryLookup, fixture, gzipFixture, harness, recordUrls, statsBody, statsQuery, storedDays, storedGeo, xAds,
} from './helpers.ts';

let store: Store | undefined;
const seen: URL[] = [];
beforeEach(() => {
  nock.disableNetConnect();
  seen.length = 0;
});
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store?.close();
  store = undefined;
});

function isLocalMidnight(instant: string, zone: string): boolean {
  const t = DateTime.fromISO(instant, { zone });
  return t.equals(t.startOf('day'));
}

describe('X Ads days in America/Los_Angeles across the end of DST (2021-11-07)', () => {
  it('asks for local-midnight ranges and puts every bucket on its local date', async () => {
    const scopes = [
      accountAndCampaigns(),
      countryLookup('US'),
      // One REGIONS job covers the 14 days; its file comes from ton.twimg.com without auth.
      xAds()
        .post('/12/stats/jobs/accounts/18ce54d4x5t')
        .query(statsQuery('CAMPAIGN', ['f2qqv'], '2021-11-01T07:00:00Z', '2021-11-15T08:00:00Z', { segmentation_type: 'REGIONS', country: US_VALUE }))
        .reply(200, fixture('job-created.json'))
        .get('/12/stats/jobs/accounts/18ce54d4x5t')
        .query({ job_ids: '1458000000000000001', count: '1000' })
        .reply(200, fixture('job-success.json')),
      nock(TON_HOST, { badheaders: ['authorization'] })
        .get('/advertiser-api-async-analytics/stats_job_1458000000000000001.json.gz')
        .reply(200, gzipFixture('job-result-us-regions.json'), { 'content-type': 'application/octet-stream' }),
      // Sync totals: ≤ 7 days and ≤ 168 hours each, so the 25-hour Sunday splits the weeks.
      xAds()
        .get('/12/stats/accounts/18ce54d4x5t')
        .query(statsQuery('CAMPAIGN', ['f2qqv'], '2021-11-01T07:00:00Z', '2021-11-07T07:00:00Z'))
        .reply(200, fixture('stats-la-2021-11-01.json'))
        .get('/12/stats/accounts/18ce54d4x5t')
        .query(statsQuery('CAMPAIGN', ['f2qqv'], '2021-11-07T07:00:00Z', '2021-11-13T08:00:00Z'))
        .reply(200, fixture('stats-la-2021-11-07.json'))
        .get('/12/stats/accounts/18ce54d4x5t')
        .query(statsQuery('CAMPAIGN', ['f2qqv'], '2021-11-13T08:00:00Z', '2021-11-15T08:00:00Z'))
        .reply(200, fixture('stats-la-2021-11-13.json')),
    ];
    for (const s of scopes) recordUrls(s, seen);
    const h = await harness();
    store = h.store;
    const result = await h.run('2021-11-01', '2021-11-14');
    expect(result.error).toBeUndefined();
    expect(result.windows).toEqual([{ from: '2021-11-01', to: '2021-11-14' }]);
    for (const s of scopes) s.done();

    const ranged = seen.filter((u) => u.searchParams.has('start_time'));
    expect(ranged.map((u) => `${u.pathname} ${u.searchParams.get('start_time')} ${u.searchParams.get('end_time')}`)).toEqual([
      '/12/stats/jobs/accounts/18ce54d4x5t 2021-11-01T07:00:00Z 2021-11-15T08:00:00Z',
      '/12/stats/accounts/18ce54d4x5t 2021-11-01T07:00:00Z 2021-11-07T07:00:00Z',
      '/12/stats/accounts/18ce54d4x5t 2021-11-07T07:00:00Z 2021-11-13T08:00:00Z',
      '/12/stats/accounts/18ce54d4x5t 2021-11-13T08:00:00Z 2021-11-15T08:00:00Z',
    ]);
    for (const url of ranged) {
      expect(isLocalMidnight(url.searchParams.get('start_time')!, 'America/Los_Angeles')).toBe(true);
      expect(isLocalMidnight(url.searchParams.get('end_time')!, 'America/Los_Angeles')).toBe(true);
      expect(url.searchParams.get('start_time')).not.toMatch(/\.\d{3}/);
    }

    const days = await storedDays(h.store);
    // Bucket i is Nov 1 + i: impressions 500 + day of month, whichever request carried it.
    expect(days.map((d) => [d.date, d.impressions])).toEqual(
      Array.from({ length: 14 }, (_, i) => [`2021-11-${String(i + 1).padStart(2, '0')}`, 501 + i]),
    );
    expect(days.every((d) => d.geo_method === 'regions' && d.account_id === LA && d.campaign_id === 'f2qqv')).toBe(true);
    // A null click bucket is 0.
    expect(days.find((d) => d.date === '2021-11-02')!.clicks).toBe(0);

    // The DST Sunday and the days around it: California = day of month, Texas 20, Guam (no ISO
    // 3166-2 code pauta knows) kept in the US at country level on odd days, the rest unplaced.
    expect(await storedGeo(h.store, '2021-11-07')).toEqual([
      { campaign_id: 'f2qqv', date: '2021-11-07', country: 'US', region: '', impressions: 1 },
      { campaign_id: 'f2qqv', date: '2021-11-07', country: 'US', region: 'US-CA', impressions: 7 },
      { campaign_id: 'f2qqv', date: '2021-11-07', country: 'US', region: 'US-TX', impressions: 20 },
      { campaign_id: 'f2qqv', date: '2021-11-07', country: 'ZZ', region: '', impressions: 507 - 28 },
    ]);
    expect(await storedGeo(h.store, '2021-11-08')).toEqual([
      { campaign_id: 'f2qqv', date: '2021-11-08', country: 'US', region: 'US-CA', impressions: 8 },
      { campaign_id: 'f2qqv', date: '2021-11-08', country: 'US', region: 'US-TX', impressions: 20 },
      { campaign_id: 'f2qqv', date: '2021-11-08', country: 'ZZ', region: '', impressions: 508 - 28 },
    ]);
    expect((await storedGeo(h.store, '2021-11-14')).find((g) => g.region === 'US-CA')!.impressions).toBe(14);
  });
});

describe('X Ads days in Europe/Madrid across the end of summer time (2021-10-31)', () => {
  it('asks for Madrid midnights, the 25-hour Sunday alone', async () => {
    const week = (entity: string, id: string) => statsQuery(entity, [id], '2021-10-24T22:00:00Z', '2021-10-30T22:00:00Z');
    const sunday = (entity: string, id: string) => statsQuery(entity, [id], '2021-10-30T22:00:00Z', '2021-10-31T23:00:00Z');
    const totals = xAds()
      .get('/12/stats/accounts/gq180y')
      .query(week('CAMPAIGN', 'h7z2k'))
      .reply(200, statsBody(week('CAMPAIGN', 'h7z2k'), 6, [{ id: 'h7z2k', impressions: [25, 26, 27, 28, 29, 30] }]))
      .get('/12/stats/accounts/gq180y')
      .query(sunday('CAMPAIGN', 'h7z2k'))
      .reply(200, statsBody(sunday('CAMPAIGN', 'h7z2k'), 1, [{ id: 'h7z2k', impressions: [31] }]));
    const lineItems = xAds()
      .get('/12/accounts/gq180y/line_items')
      .query({ with_deleted: 'true', campaign_ids: 'h7z2k', count: '1000' })
      .reply(200, fixture('line-items-madrid.json'))
      .get('/12/accounts/gq180y/targeting_criteria')
      .query({ line_item_ids: 'lm101,lm102', count: '1000' })
      .reply(200, fixture('targeting-criteria-madrid.json'))
      .get('/12/targeting_criteria/locations')
      .query({ location_type: 'REGIONS', country_code: 'ES', count: '1000' })
      .reply(200, fixture('locations-regions-es.json'))
      // lm101 targets Madrid; lm102 targets Madrid and Catalonia, both in Spain: Spain, no region.
      .get('/12/stats/accounts/gq180y')
      .query(week('LINE_ITEM', 'lm101,lm102'))
      .reply(200, statsBody(week('LINE_ITEM', 'lm101,lm102'), 6, [{ id: 'lm101', impressions: [10, 11, 12, 13, 14, 15] }, { id: 'lm102', impressions: [5, 5, 5, 5, 5, 5] }]))
      .get('/12/stats/accounts/gq180y')
      .query(sunday('LINE_ITEM', 'lm101,lm102'))
      .reply(200, statsBody(sunday('LINE_ITEM', 'lm101,lm102'), 1, [{ id: 'lm101', impressions: [16] }, { id: 'lm102', impressions: [9] }]));
    const scopes = [accountAndCampaigns(MADRID, 'campaign-madrid.json'), countryLookup('ES'), lineItems, totals];
    const h = await harness({ accounts: [MADRID], strategy: 'targeting', countries: ['ES'] });
    store = h.store;
    const result = await h.run('2021-10-25', '2021-10-31');
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect((await storedDays(h.store)).map((d) => [d.date, d.impressions, d.geo_method])).toEqual(
      [25, 26, 27, 28, 29, 30, 31].map((n) => [`2021-10-${n}`, n, 'targeting']),
    );
    expect(await storedGeo(h.store, '2021-10-31')).toEqual([
      { campaign_id: 'h7z2k', date: '2021-10-31', country: 'ES', region: '', impressions: 9 },
      { campaign_id: 'h7z2k', date: '2021-10-31', country: 'ES', region: 'ES-MD', impressions: 16 },
      { campaign_id: 'h7z2k', date: '2021-10-31', country: 'ZZ', region: '', impressions: 6 },
    ]);
  });
});
