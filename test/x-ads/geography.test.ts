// Where impressions happened, by either strategy: REGIONS segments mapped within their country,
// or each line item's single targeted location. Canada (`CA`) and California (`US-CA`) are never
// confused; `null` in a metric array is 0.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { placeOf } from '../../src/connectors/x-ads/targeting.ts';
import type { Store } from '../../src/store/store.ts';
import {
  CA_VALUE, LA, TON_HOST, US_VALUE, accountAndCampaigns, countryLookup, fixture, harness, jobObject, statsBody, statsQuery, storedDays, storedGeo, xAds,
} from './helpers.ts';

const FROM = '2021-11-15';
const TO = '2021-11-16';
const START = '2021-11-15T08:00:00Z';
const END = '2021-11-17T08:00:00Z';

let store: Store | undefined;
beforeEach(() => nock.disableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store?.close();
  store = undefined;
});

const totals = (ids: string[], impressions: (number | null)[] | null, clicks: (number | null)[] | null = null) =>
  statsBody(statsQuery('CAMPAIGN', ids, START, END), 2, ids.map((id) => ({ id, impressions, clicks })));

function lineItem(id: string, name: string) {
  const template = fixture('line-items-madrid.json').data[0];
  return { ...template, id, name, campaign_id: 'f2qqv', currency: 'USD' };
}

function location(lineItemId: string, id: string, value: string, name: string, locationType: string) {
  return {
    line_item_id: lineItemId, name, id, location_type: locationType, operator_type: 'EQ', created_at: '2021-09-01T16:00:00Z',
    targeting_value: value, updated_at: '2021-09-01T16:00:00Z', deleted: false, targeting_type: 'LOCATION',
  };
}

describe('X Ads geography: Canada is not California', () => {
  it('regions: a US job and a CA job, each segment kept inside its own country', async () => {
    const ids = ['f2qqv'];
    const us = statsQuery('CAMPAIGN', ids, START, END, { segmentation_type: 'REGIONS', country: US_VALUE });
    const ca = statsQuery('CAMPAIGN', ids, START, END, { segmentation_type: 'REGIONS', country: CA_VALUE });
    const file = (q: Record<string, string>, segments: [string, number][]) =>
      gzipSync(JSON.stringify(statsBody(q, 2, [{ id: 'f2qqv', impressions: null, segments: segments.map(([name, n]) => ({ name, value: null, impressions: [n, n] })) }])));
    const scopes = [
      accountAndCampaigns()
        .post(`/12/stats/jobs/accounts/${LA}`).query(us).reply(200, { request: { params: us }, data: jobObject('1458000000000000901', 'PROCESSING', us) })
        .post(`/12/stats/jobs/accounts/${LA}`).query(ca).reply(200, { request: { params: ca }, data: jobObject('1458000000000000902', 'PROCESSING', ca) })
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: '1458000000000000901,1458000000000000902', count: '1000' })
        .reply(200, { request: { params: {} }, next_cursor: null, data: [jobObject('1458000000000000901', 'SUCCESS', us), jobObject('1458000000000000902', 'SUCCESS', ca)] })
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids, [100, 100])),
      countryLookup('US'),
      countryLookup('CA'),
      nock(TON_HOST)
        .get('/advertiser-api-async-analytics/stats_job_1458000000000000901.json.gz').reply(200, file(us, [['California', 30]]))
        .get('/advertiser-api-async-analytics/stats_job_1458000000000000902.json.gz').reply(200, file(ca, [['Ontario', 20], ['Quebec', 10], ['Unknown', 5]])),
    ];
    const h = await harness({ countries: ['US', 'CA'] });
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(await storedGeo(h.store, '2021-11-15')).toEqual([
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'CA', region: '', impressions: 5 },
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'CA', region: 'CA-ON', impressions: 20 },
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'CA', region: 'CA-QC', impressions: 10 },
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'US', region: 'US-CA', impressions: 30 },
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'ZZ', region: '', impressions: 35 },
    ]);
  });

  it('targeting: one line item in Canada, one in California, one in two countries, one worldwide', async () => {
    const lineItems = [lineItem('lca01', 'Canadá'), lineItem('lus02', 'California'), lineItem('lmx03', 'EE.UU. y Canadá'), lineItem('lww04', 'Mundo')];
    const criteria = [
      location('lca01', 'tc01', CA_VALUE, 'Canada', 'COUNTRIES'),
      location('lus02', 'tc02', 'fbd6d2f5a4e4a15e', 'California, US', 'REGIONS'),
      location('lmx03', 'tc03', US_VALUE, 'United States', 'COUNTRIES'),
      location('lmx03', 'tc04', CA_VALUE, 'Canada', 'COUNTRIES'),
    ];
    const lineItemStats = statsQuery('LINE_ITEM', ['lca01', 'lus02'], START, END);
    const scopes = [
      accountAndCampaigns()
        .get(`/12/accounts/${LA}/line_items`).query({ with_deleted: 'true', campaign_ids: 'f2qqv', count: '1000' })
        .reply(200, { request: { params: {} }, next_cursor: null, data: lineItems })
        .get(`/12/accounts/${LA}/targeting_criteria`).query({ line_item_ids: 'lca01,lus02,lmx03,lww04', count: '1000' })
        .reply(200, { request: { params: {} }, next_cursor: null, data: criteria })
        .get('/12/targeting_criteria/locations').query({ location_type: 'REGIONS', country_code: 'US', count: '1000' }).reply(200, fixture('locations-regions-us.json'))
        .get('/12/targeting_criteria/locations').query({ location_type: 'REGIONS', country_code: 'CA', count: '1000' }).reply(200, fixture('locations-regions-ca.json'))
        .get(`/12/stats/accounts/${LA}`).query(lineItemStats)
        .reply(200, statsBody(lineItemStats, 2, [{ id: 'lca01', impressions: [40, null] }, { id: 'lus02', impressions: [25, 26] }]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ['f2qqv'], START, END)).reply(200, totals(['f2qqv'], [100, 100])),
      countryLookup('US'),
      countryLookup('CA'),
    ];
    const h = await harness({ strategy: 'targeting', countries: ['US', 'CA'] });
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(await storedGeo(h.store)).toEqual([
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'CA', region: '', impressions: 40 },
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'US', region: 'US-CA', impressions: 25 },
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'ZZ', region: '', impressions: 35 },
      { campaign_id: 'f2qqv', date: '2021-11-16', country: 'US', region: 'US-CA', impressions: 26 },
      { campaign_id: 'f2qqv', date: '2021-11-16', country: 'ZZ', region: '', impressions: 74 },
    ]);
    expect((await storedDays(h.store)).every((d) => d.geo_method === 'targeting')).toBe(true);
  });
});

describe('X Ads metric arrays', () => {
  it('reads null buckets and null metrics as 0 and stores no empty day', async () => {
    const ids = ['f2qqv', 'f3k9z'];
    const q = statsQuery('CAMPAIGN', ids, START, END);
    const scopes = [
      xAds()
        .get(`/12/accounts/${LA}`).reply(200, fixture('account-los-angeles.json'))
        .get(`/12/accounts/${LA}/campaigns`).query({ with_deleted: 'true', count: '1000' }).reply(200, {
          request: { params: {} },
          next_cursor: null,
          data: [...fixture('campaigns-page-1.json').data, ...fixture('campaigns-page-2.json').data],
        })
        .get(`/12/accounts/${LA}/line_items`).query({ with_deleted: 'true', campaign_ids: 'f2qqv,f3k9z', count: '1000' })
        .reply(200, { request: { params: {} }, next_cursor: null, data: [] })
        .get(`/12/stats/accounts/${LA}`).query(q).reply(200, statsBody(q, 2, [
          { id: 'f2qqv', impressions: [null, 40], clicks: [null, null] },
          { id: 'f3k9z', impressions: null, clicks: null },
        ])),
    ];
    const h = await harness({ strategy: 'targeting' });
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(await storedDays(h.store)).toEqual([
      { account_id: LA, campaign_id: 'f2qqv', date: '2021-11-16', impressions: 40, clicks: 0, geo_method: 'targeting' },
    ]);
    expect(await storedGeo(h.store)).toEqual([{ campaign_id: 'f2qqv', date: '2021-11-16', country: 'ZZ', region: '', impressions: 40 }]);
  });

  it('fails the window when a metric array does not match time_series_length', async () => {
    const q = statsQuery('CAMPAIGN', ['f2qqv'], START, END);
    const scopes = [
      accountAndCampaigns()
        .get(`/12/accounts/${LA}/line_items`).query({ with_deleted: 'true', campaign_ids: 'f2qqv', count: '1000' })
        .reply(200, { request: { params: {} }, next_cursor: null, data: [] })
        .get(`/12/stats/accounts/${LA}`).query(q).reply(200, { ...statsBody(q, 2, [{ id: 'f2qqv', impressions: [1, 2, 3] }]) }),
    ];
    const h = await harness({ strategy: 'targeting' });
    store = h.store;
    const result = await h.run(FROM, TO);
    for (const s of scopes) s.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain('f2qqv impressions: 3 buckets where time_series_length is 2');
    expect(await storedDays(h.store)).toEqual([]);
  });

  it('fails the window naming the field when a stats answer has no impressions metric at all', async () => {
    // `null` is X's "nothing"; a missing key is another metric group or another schema, never 0.
    const q = statsQuery('CAMPAIGN', ['f2qqv'], START, END);
    const body = statsBody(q, 2, [{ id: 'f2qqv', impressions: [10, 20] }]);
    delete (body.data[0]!.id_data[0]!.metrics as { impressions?: unknown }).impressions;
    const scopes = [
      accountAndCampaigns()
        .get(`/12/accounts/${LA}/line_items`).query({ with_deleted: 'true', campaign_ids: 'f2qqv', count: '1000' })
        .reply(200, { request: { params: {} }, next_cursor: null, data: [] })
        .get(`/12/stats/accounts/${LA}`).query(q).reply(200, body),
    ];
    const h = await harness({ strategy: 'targeting' });
    store = h.store;
    const result = await h.run(FROM, TO);
    for (const s of scopes) s.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain('data[0].id_data[0].metrics.impressions');
    expect(await storedDays(h.store)).toEqual([]);
  });
});

describe('X Ads targeting: which place a line item’s locations pin down', () => {
  const index = {
    resolve: (value: string) =>
      ({
        [US_VALUE]: { country: 'US', region: '' },
        [CA_VALUE]: { country: 'CA', region: '' },
        california: { country: 'US', region: 'US-CA' },
        texas: { country: 'US', region: 'US-TX' },
        ontario: { country: 'CA', region: 'CA-ON' },
      })[value],
  };

  it('one location: that place', () => {
    expect(placeOf(['california'], index)).toEqual({ country: 'US', region: 'US-CA' });
    expect(placeOf([CA_VALUE], index)).toEqual({ country: 'CA', region: '' });
  });

  it('several regions of one country (California and Texas), or the country and a region of it: the country, no region', () => {
    expect(placeOf(['california', 'texas'], index)).toEqual({ country: 'US', region: '' });
    expect(placeOf([US_VALUE, 'texas'], index)).toEqual({ country: 'US', region: '' });
  });

  it('locations in several countries, none, or one pauta cannot place (a city): the remainder', () => {
    expect(placeOf(['california', 'ontario'], index)).toBeUndefined();
    expect(placeOf([US_VALUE, CA_VALUE], index)).toBeUndefined();
    expect(placeOf([], index)).toBeUndefined();
    expect(placeOf(['california', 'a-city-in-california'], index)).toBeUndefined();
  });
});
