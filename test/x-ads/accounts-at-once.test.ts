// The accounts of one window are read at once: X's rate limits count a user's requests, not how
// many run together, and the running-job limit is per account. Both accounts create their
// REGIONS job before either is polled, and each account's days are stored in its own zone.
// https://docs.x.com/x-ads-api/analytics#asynchronous-analytics
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import type { Store } from '../../src/store/store.ts';
import {
  LA, MADRID, TON_HOST, US_VALUE, accountAndCampaigns, countryLookup, harness, jobObject, recordUrls, statsBody, statsQuery, storedDays, xAds,
} from './helpers.ts';

let store: Store | undefined;
beforeEach(() => nock.disableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store?.close();
  store = undefined;
});

// Nov 15–16, 2021: midnights at 08:00 UTC in Los Angeles (PST), 23:00 UTC the day before in Madrid (CET).
const RANGES = {
  [LA]: { start: '2021-11-15T08:00:00Z', end: '2021-11-17T08:00:00Z', campaign: 'f2qqv', job: '1458000000000000901' },
  [MADRID]: { start: '2021-11-14T23:00:00Z', end: '2021-11-16T23:00:00Z', campaign: 'h7z2k', job: '1458000000000000902' },
};

function accountScope(account: typeof LA | typeof MADRID) {
  const r = RANGES[account];
  const jobQuery = statsQuery('CAMPAIGN', [r.campaign], r.start, r.end, { segmentation_type: 'REGIONS', country: US_VALUE });
  const listed = (status: string) => ({ request: { params: { job_ids: [Number(r.job)] } }, next_cursor: null, data: [jobObject(r.job, status, jobQuery, account)] });
  const totalsQuery = statsQuery('CAMPAIGN', [r.campaign], r.start, r.end);
  return accountAndCampaigns(account, account === LA ? 'campaign-single.json' : 'campaign-madrid.json')
    .post(`/12/stats/jobs/accounts/${account}`).query(jobQuery).reply(200, { request: { params: jobQuery }, data: jobObject(r.job, 'PROCESSING', jobQuery, account) })
    .get(`/12/stats/jobs/accounts/${account}`).query({ job_ids: r.job, count: '1000' }).reply(200, listed('PROCESSING'))
    .get(`/12/stats/jobs/accounts/${account}`).query({ job_ids: r.job, count: '1000' }).reply(200, listed('SUCCESS'))
    .get(`/12/stats/accounts/${account}`).query(totalsQuery).reply(200, statsBody(totalsQuery, 2, [{ id: r.campaign, impressions: [100, 200] }]));
}

function download(account: typeof LA | typeof MADRID) {
  const r = RANGES[account];
  const q = statsQuery('CAMPAIGN', [r.campaign], r.start, r.end, { segmentation_type: 'REGIONS', country: US_VALUE });
  const file = gzipSync(JSON.stringify(statsBody(q, 2, [{ id: r.campaign, impressions: null, segments: [{ name: 'California', value: 'fbd6d2f5a4e4a15e', impressions: [3, 4] }] }])));
  return nock(TON_HOST).get(`/advertiser-api-async-analytics/stats_job_${r.job}.json.gz`).reply(200, file, { 'content-type': 'application/octet-stream' });
}

describe('X Ads accounts of one window', () => {
  it('create their jobs before either is polled, and each is stored in its own days', async () => {
    const seen: URL[] = [];
    const posted = new Set<string>();
    let bothPosted: () => void = () => undefined;
    const bothCreated = new Promise<void>((resolve) => (bothPosted = resolve));
    const la = recordUrls(accountScope(LA), seen);
    const madrid = recordUrls(accountScope(MADRID), seen);
    for (const scope of [la, madrid]) {
      scope.on('request', (req: { method: string; url: string }) => {
        if (req.method === 'POST') posted.add(new URL(req.url).pathname);
        if (posted.size === 2) bothPosted();
      });
    }
    const scopes = [la, madrid, recordUrls(countryLookup('US'), seen), download(LA), download(MADRID)];
    // A poll's wait lasts until both jobs exist, or 2 s: one account after the other would poll first.
    const waits: number[] = [];
    const h = await harness(
      { accounts: [LA, MADRID] },
      { sleep: (ms) => (waits.push(ms), ms >= 5_000 ? Promise.race([bothCreated, new Promise<void>((r) => setTimeout(r, 2_000))]) : Promise.resolve()) },
    );
    store = h.store;
    const result = await h.run('2021-11-15', '2021-11-16');
    expect(result.error).toBeUndefined();
    for (const s of scopes) s.done();
    const jobRequests = seen.filter((u) => u.pathname.startsWith('/12/stats/jobs/')).map((u) => (u.searchParams.has('job_ids') ? 'poll' : 'create'));
    expect(jobRequests.slice(0, 2)).toEqual(['create', 'create']);
    // The country's targeting value was looked up once for both accounts.
    expect(seen.filter((u) => u.pathname === '/12/targeting_criteria/locations')).toHaveLength(1);
    expect((await storedDays(h.store)).map((d) => [d.account_id, d.date, d.impressions])).toEqual([
      [LA, '2021-11-15', 100],
      [LA, '2021-11-16', 200],
      [MADRID, '2021-11-15', 100],
      [MADRID, '2021-11-16', 200],
    ]);
  });
});
