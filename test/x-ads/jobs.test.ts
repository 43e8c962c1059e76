// REGIONS async jobs and the limits around them: cursor pagination of campaigns, ≤ 20 entity ids
// per job, polling until SUCCESS, 429 / 503 / TOO_MANY_JOBS waits through the runner's policy,
// REGIONS rejected, jobs that never finish, and retries that reuse finished jobs.
// https://docs.x.com/x-ads-api/analytics#asynchronous-analytics
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import type { Store } from '../../src/store/store.ts';
import {
  LA, TON_HOST, US_VALUE, accountAndCampaigns, countryLookup, fixture, harness, jobObject, statsBody, statsQuery, storedDays, storedGeo, xAds,
} from './helpers.ts';

// Nov 15–16, 2021 in Los Angeles (PST): 08:00 UTC midnights.
const FROM = '2021-11-15';
const TO = '2021-11-16';
const START = '2021-11-15T08:00:00Z';
const END = '2021-11-17T08:00:00Z';
const NOW_EPOCH = Date.parse('2021-11-20T12:00:00Z') / 1000;

const jobQuery = (ids: string[]) => statsQuery('CAMPAIGN', ids, START, END, { segmentation_type: 'REGIONS', country: US_VALUE });
const created = (id: string, ids: string[]) => ({ request: { params: { ...jobQuery(ids), entity_ids: ids } }, data: jobObject(id, 'PROCESSING', jobQuery(ids)) });
const listed = (...jobs: [string, string, string[]][]) => ({
  request: { params: { job_ids: jobs.map(([id]) => Number(id)) } },
  next_cursor: null,
  data: jobs.map(([id, status, ids]) => jobObject(id, status, jobQuery(ids))),
});
const regionsFile = (ids: string[]) =>
  gzipSync(JSON.stringify(statsBody(jobQuery(ids), 2, ids.map((id) => ({ id, impressions: null, segments: [{ name: 'California', value: 'fbd6d2f5a4e4a15e', impressions: [3, 4] }] })))));
const totals = (ids: string[], impressions: (number | null)[] = [100, 200]) =>
  statsBody(statsQuery('CAMPAIGN', ids, START, END), 2, ids.map((id) => ({ id, impressions })));
const download = (id: string, ids: string[]) =>
  nock(TON_HOST).get(`/advertiser-api-async-analytics/stats_job_${id}.json.gz`).reply(200, regionsFile(ids), { 'content-type': 'application/octet-stream' });

function campaignsPage(n: number) {
  const template = fixture('campaign-single.json').data[0];
  return {
    request: { params: { account_id: LA, with_deleted: true, count: 1000 } },
    next_cursor: null,
    data: Array.from({ length: n }, (_, i) => ({ ...template, id: `c${String(i + 1).padStart(2, '0')}`, name: `Campaña ${i + 1}` })),
  };
}

let store: Store | undefined;
beforeEach(() => nock.disableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store?.close();
  store = undefined;
});

describe('X Ads campaigns and REGIONS jobs', () => {
  it('follows next_cursor across two pages of campaigns, deleted ones included', async () => {
    const ids = ['f2qqv', 'f3k9z'];
    const scopes = [
      xAds()
        .get(`/12/accounts/${LA}`).reply(200, fixture('account-los-angeles.json'))
        .get(`/12/accounts/${LA}/campaigns`).query({ with_deleted: 'true', count: '1000' }).reply(200, fixture('campaigns-page-1.json'))
        .get(`/12/accounts/${LA}/campaigns`).query({ with_deleted: 'true', count: '1000', cursor: 'c-3yvu1pzhd3i7' }).reply(200, fixture('campaigns-page-2.json'))
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(200, created('1458000000000000101', ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: '1458000000000000101', count: '1000' }).reply(200, listed(['1458000000000000101', 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids)),
      countryLookup('US'),
      download('1458000000000000101', ids),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    const days = await storedDays(h.store);
    expect(days.map((d) => `${d.campaign_id} ${d.date} ${d.impressions}`)).toEqual([
      'f2qqv 2021-11-15 100', 'f2qqv 2021-11-16 200', 'f3k9z 2021-11-15 100', 'f3k9z 2021-11-16 200',
    ]);
    const names = await h.store.db.selectFrom('campaigns').select(['campaign_id', 'campaign_name', 'channel']).orderBy('campaign_id').execute();
    expect(names).toEqual([
      { campaign_id: 'f2qqv', campaign_name: 'Promoted — Voto desde el exterior', channel: 'social' },
      { campaign_id: 'f3k9z', campaign_name: 'Registro consular — terminada y eliminada', channel: 'social' },
    ]);
  });

  it('reads every page of GET stats/jobs before a job counts as gone: the one waited for is on the second', async () => {
    const all = campaignsPage(25).data.map((c: { id: string }) => c.id);
    const first = all.slice(0, 20);
    const rest = all.slice(20);
    const page1 = { ...listed(['1458000000000000201', 'SUCCESS', first]), next_cursor: 'c-1' };
    const scopes = [
      xAds()
        .get(`/12/accounts/${LA}`).reply(200, fixture('account-los-angeles.json'))
        .get(`/12/accounts/${LA}/campaigns`).query({ with_deleted: 'true', count: '1000' }).reply(200, campaignsPage(25))
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(first)).reply(200, created('1458000000000000201', first))
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(rest)).reply(200, created('1458000000000000202', rest))
        // Filtered by both ids, the answer still comes one job per page.
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: '1458000000000000201,1458000000000000202', count: '1000' }).reply(200, page1)
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: '1458000000000000201,1458000000000000202', count: '1000', cursor: 'c-1' })
        .reply(200, listed(['1458000000000000202', 'SUCCESS', rest]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', first, START, END)).reply(200, totals(first))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', rest, START, END)).reply(200, totals(rest)),
      countryLookup('US'),
      download('1458000000000000201', first),
      download('1458000000000000202', rest),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(await storedDays(h.store)).toHaveLength(50);
  });

  it('splits 25 campaigns into jobs (and sync requests) of at most 20 entity ids', async () => {
    const all = campaignsPage(25).data.map((c: { id: string }) => c.id);
    const first = all.slice(0, 20);
    const rest = all.slice(20);
    const scopes = [
      xAds()
        .get(`/12/accounts/${LA}`).reply(200, fixture('account-los-angeles.json'))
        .get(`/12/accounts/${LA}/campaigns`).query({ with_deleted: 'true', count: '1000' }).reply(200, campaignsPage(25))
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(first)).reply(200, created('1458000000000000201', first))
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(rest)).reply(200, created('1458000000000000202', rest))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: '1458000000000000201,1458000000000000202', count: '1000' })
        .reply(200, listed(['1458000000000000201', 'SUCCESS', first], ['1458000000000000202', 'SUCCESS', rest]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', first, START, END)).reply(200, totals(first))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', rest, START, END)).reply(200, totals(rest)),
      countryLookup('US'),
      download('1458000000000000201', first),
      download('1458000000000000202', rest),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(first).toHaveLength(20);
    expect(rest).toHaveLength(5);
    expect(await storedDays(h.store)).toHaveLength(50);
    const geo = await storedGeo(h.store, '2021-11-16');
    expect(geo.filter((g) => g.region === 'US-CA')).toHaveLength(25);
    expect(geo.filter((g) => g.region === 'US-CA').every((g) => g.impressions === 4)).toBe(true);
  });

  it('polls a job that is PROCESSING twice, waiting longer each time, then downloads it', async () => {
    const ids = ['f2qqv'];
    const id = '1458000000000000301';
    const scopes = [
      accountAndCampaigns()
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(200, created(id, ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'PROCESSING', ids]))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'PROCESSING', ids]))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids)),
      countryLookup('US'),
      download(id, ids),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(h.waits).toEqual([5_000, 7_500, 11_250]);
    expect(await storedGeo(h.store, '2021-11-15')).toEqual([
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'US', region: 'US-CA', impressions: 3 },
      { campaign_id: 'f2qqv', date: '2021-11-15', country: 'ZZ', region: '', impressions: 97 },
    ]);
  });

  it('waits until x-rate-limit-reset after a 429, then goes on', async () => {
    const ids = ['f2qqv'];
    const id = '1458000000000000401';
    const scopes = [
      xAds()
        .get(`/12/accounts/${LA}`)
        .reply(429, fixture('error-rate-limit.json'), { 'x-rate-limit-limit': '250', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(NOW_EPOCH + 300) }),
      accountAndCampaigns()
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(200, created(id, ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids)),
      countryLookup('US'),
      download(id, ids),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    // Reset is 300 s after the runner's clock; one second of margin.
    expect(h.waits).toEqual([301_000, 5_000]);
    expect(await storedDays(h.store)).toHaveLength(2);
  });

  it('honours Retry-After on a 503', async () => {
    const ids = ['f2qqv'];
    const id = '1458000000000000501';
    const scopes = [
      accountAndCampaigns()
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(200, created(id, ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(503, fixture('error-unavailable.json'), { 'retry-after': '7' })
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids)),
      countryLookup('US'),
      download(id, ids),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(h.waits).toEqual([5_000, 7_000]);
  });

  it('waits for the account’s running jobs after TOO_MANY_JOBS, then creates the job', async () => {
    const ids = ['f2qqv'];
    const id = '1458000000000000601';
    const scopes = [
      accountAndCampaigns()
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(400, fixture('error-too-many-jobs.json'))
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(200, created(id, ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids)),
      countryLookup('US'),
      download(id, ids),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(h.waits).toEqual([60_000, 5_000]);
  });

  it('fails the source with a message naming the targeting strategy when X rejects REGIONS', async () => {
    const scopes = [
      accountAndCampaigns().post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(['f2qqv'])).reply(400, fixture('error-regions-rejected.json')),
      countryLookup('US'),
    ];
    const h = await harness();
    store = h.store;
    const result = await h.run(FROM, TO);
    for (const s of scopes) s.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain('segmentation_type=REGIONS');
    expect(result.error).toContain('geo.strategy: targeting');
    expect(result.error).toContain('got REGIONS for segmentation_type');
    // Not retried (a 400 is final), and nothing stored: no wrong geography.
    expect(h.waits).toEqual([]);
    expect(await storedDays(h.store)).toEqual([]);
    expect(await storedGeo(h.store)).toEqual([]);
  });

  it('gives up on a job that never finishes, with a clear error, and remembers it', async () => {
    const ids = ['f2qqv'];
    const id = '1458000000000000701';
    const scopes = [
      accountAndCampaigns()
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(200, created(id, ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).times(5).reply(200, listed([id, 'PROCESSING', ids])),
      countryLookup('US'),
    ];
    const h = await harness({ extra: '    jobs: { timeout_minutes: 1 }\n' });
    store = h.store;
    const result = await h.run(FROM, TO);
    for (const s of scopes) s.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain(`X Ads async job(s) ${id} still not done after 1 min (jobs.timeout_minutes)`);
    expect(h.waits.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(await h.store.connectorState('x-ads').get(`jobs:${LA}:${FROM}:${TO}`)).toEqual([{ key: expect.any(String), id }]);
  });

  it('reuses a finished job when the window runs again, instead of creating it anew', async () => {
    const ids = ['f2qqv'];
    const id = '1458000000000000801';
    // First attempt: the job finishes, then the totals are refused (401) and the window fails.
    const first = [
      accountAndCampaigns()
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).once().reply(200, created(id, ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(401, fixture('error-unauthorized.json')),
      countryLookup('US'),
      download(id, ids),
    ];
    const h = await harness();
    store = h.store;
    const r1 = await h.run(FROM, TO);
    for (const s of first) s.done();
    expect(r1.status).toBe('failed');
    expect(r1.error).toContain('UNAUTHORIZED_ACCESS');
    expect(r1.error).toContain('OAuth 1.0a credentials');

    // Second attempt: no POST (nock would refuse it), no country lookup (cached): the job's status, its file, the totals.
    const second = [
      accountAndCampaigns()
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids)),
      download(id, ids),
    ];
    const r2 = await h.run(FROM, TO);
    expect(r2.error).toBeUndefined();
    for (const s of second) s.done();
    expect(await storedDays(h.store)).toHaveLength(2);
    // Spent: a later run of these dates creates fresh jobs (numbers may have been restated).
    expect(await h.store.connectorState('x-ads').get(`jobs:${LA}:${FROM}:${TO}`)).toBeUndefined();
  });

  it('sends every request to the endpoint override: X’s sandbox host, and a download host', async () => {
    const ids = ['f2qqv'];
    const id = '1458000000000000901';
    const sandboxHost = 'https://ads-api-sandbox.twitter.com';
    const scopes = [
      nock(sandboxHost)
        .get(`/12/accounts/${LA}`).reply(200, fixture('account-los-angeles.json'))
        .get(`/12/accounts/${LA}/campaigns`).query({ with_deleted: 'true', count: '1000' }).reply(200, fixture('campaign-single.json'))
        .get('/12/targeting_criteria/locations').query({ location_type: 'COUNTRIES', country_code: 'US', count: '1000' }).reply(200, fixture('locations-countries-us.json'))
        .post(`/12/stats/jobs/accounts/${LA}`).query(jobQuery(ids)).reply(200, created(id, ids))
        .get(`/12/stats/jobs/accounts/${LA}`).query({ job_ids: id, count: '1000' }).reply(200, listed([id, 'SUCCESS', ids]))
        .get(`/12/stats/accounts/${LA}`).query(statsQuery('CAMPAIGN', ids, START, END)).reply(200, totals(ids)),
      // The job's url names ton.twimg.com; the same path is fetched from the override.
      nock('https://files.pauta.test', { badheaders: ['authorization'] })
        .get(`/advertiser-api-async-analytics/stats_job_${id}.json.gz`).reply(200, regionsFile(ids)),
    ];
    const h = await harness({
      extra: `    endpoint: { ads_api: "${sandboxHost}/12/", download: "https://files.pauta.test/" }\n`,
    });
    store = h.store;
    const result = await h.run(FROM, TO);
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    expect(await storedDays(h.store)).toHaveLength(2);
  });
});
