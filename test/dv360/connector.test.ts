// The DV360 connector against Bid Manager v2 as documented: create the saved query, run it with
// CUSTOM_DATES, poll reports.get, download the signed CSV, store line-item days with geography.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { sql } from 'kysely';
import type { Store } from '../../src/store/store.ts';
import { openTestStore } from '../helpers/app.ts';
import {
  API,
  backfill,
  dv360Config,
  fixture,
  fixtureJson,
  mockCreate,
  mockDownload,
  mockPolls,
  mockRun,
  mockToken,
} from './bid-manager-mock.ts';

let store: Store;

beforeEach(async () => {
  nock.disableNetConnect();
  store = await openTestStore();
});
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store.close();
});

async function days() {
  return store.db
    .selectFrom('campaign_days')
    .innerJoin('campaigns', (j) => j.onRef('campaigns.campaign_id', '=', 'campaign_days.campaign_id').onRef('campaigns.source_id', '=', 'campaign_days.source_id'))
    .select(['campaign_days.account_id', 'campaign_days.campaign_id', 'campaign_name', 'channel', 'date', 'impressions', 'clicks', 'geo_method'])
    .orderBy('date')
    .orderBy('campaign_days.campaign_id')
    .execute();
}

async function geo(campaignId: string, date: string) {
  const rows = await sql<{ country: string; region: string; impressions: number }>`
    SELECT country, region, impressions FROM impressions_daily
    WHERE campaign_id = ${campaignId} AND date = ${date} ORDER BY country, region`.execute(store.db);
  return rows.rows;
}

/** The whole happy path: token, create, run, one poll DONE, download of `csv`. */
function happyPath(csv: string, polls = ['report-done.json']) {
  const api = nock(API);
  mockCreate(api);
  mockRun(api);
  mockPolls(api, polls);
  return [mockToken(), api, mockDownload(csv)];
}

describe('dv360 connector (Bid Manager v2)', () => {
  it('reads a report with a totals row and a footer: line-item totals, geography, channels, dates', async () => {
    const scopes = happyPath(fixture('report-2021-09-01.csv'));
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    expect(result).toMatchObject({ status: 'ok', windowsDone: 1 });

    // Neither the totals row (2,465) nor the footer became data.
    expect(await days()).toEqual([
      { account_id: '4455667', campaign_id: '5100001', campaign_name: 'Display, programática "Exterior", CA-TX-IL', channel: 'display', date: '2021-09-01', impressions: 1200, clicks: 4, geo_method: 'report' },
      { account_id: '4455667', campaign_id: '5100002', campaign_name: 'YouTube & partners — Norteamérica', channel: 'youtube', date: '2021-09-01', impressions: 215, clicks: 1, geo_method: 'report' },
      { account_id: '4455667', campaign_id: '5100003', campaign_name: 'Video abierto — pre-roll', channel: 'video', date: '2021-09-01', impressions: 90, clicks: 0, geo_method: 'report' },
      { account_id: '4455667', campaign_id: '5100001', campaign_name: 'Display, programática "Exterior", CA-TX-IL', channel: 'display', date: '2021-09-02', impressions: 960, clicks: 3, geo_method: 'report' },
    ]);
    const total = await sql<{ n: number }>`SELECT SUM(impressions) AS n FROM impressions_daily`.execute(store.db);
    expect(total.rows[0]!.n).toBe(2465);
  });

  it('an Unknown region stays in its country with region "", an Unknown country goes to ZZ', async () => {
    const scopes = happyPath(fixture('report-2021-09-01.csv'));
    await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    expect(await geo('5100001', '2021-09-01')).toEqual([
      { country: 'GB', region: '', impressions: 30 },
      { country: 'US', region: '', impressions: 50 },
      { country: 'US', region: 'US-CA', impressions: 700 },
      { country: 'US', region: 'US-TX', impressions: 400 },
      { country: 'ZZ', region: '', impressions: 20 },
    ]);
    expect(await geo('5100002', '2021-09-01')).toEqual([
      { country: 'CA', region: 'CA-ON', impressions: 120 },
      { country: 'ES', region: 'ES-MD', impressions: 80 },
      { country: 'ZZ', region: '', impressions: 15 },
    ]);
  });

  it('country UK is stored as GB, and an unmapped region name (England) keeps the row in GB', async () => {
    const scopes = happyPath(fixture('report-2021-09-01.csv'));
    await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    const countries = await sql<{ country: string }>`SELECT DISTINCT country FROM geo_days ORDER BY country`.execute(store.db);
    expect(countries.rows.map((r) => r.country)).toEqual(['CA', 'ES', 'GB', 'US', 'ZZ']);
  });

  it('parses dates written 2021/09/01 and a line item name with a quoted comma', async () => {
    const header = fixture('report-2021-09-01.csv').split('\n')[0];
    const csv = `${header}\n2021/09/01,4455667,Programmatic Exterior,America/Chicago,4900001,"IO Exterior, 2021",5100001,"Display, programática ""Exterior"", CA-TX-IL",Display,US,21137,California,10,0\n,,,,,,,,,,,,10,0\n\nReport Time:,2021/09/09 14:03 GMT\n`;
    const scopes = happyPath(csv);
    await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    expect(await days()).toMatchObject([{ date: '2021-09-01', campaign_name: 'Display, programática "Exterior", CA-TX-IL', impressions: 10 }]);
  });

  it('an empty report ("No data returned by the reporting service.") is an empty window', async () => {
    const scopes = happyPath(fixture('report-empty.csv'));
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    expect(result).toMatchObject({ status: 'ok', rows: 0 });
    expect(await days()).toEqual([]);
    expect(await store.getCursor('dv360')).toBe('2021-09-02');
  });

  it('polls a report still RUNNING twice, backing off from 5 s, then reads it', async () => {
    const scopes = happyPath(fixture('report-2021-09-01.csv'), ['report-running.json', 'report-running.json', 'report-done.json']);
    const { result, sleeps } = await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    expect(result.status).toBe('ok');
    // Request spacing (250 ms, for 4 QPS) aside, the waits are the polling backoff.
    expect(sleeps.filter((ms) => ms >= 1_000)).toEqual([5_000, 10_000, 20_000]);
    expect((await days()).length).toBe(4);
  });

  it('a FAILED report is run again (Google documents reports failing now and then), and the window is stored', async () => {
    const api = nock(API);
    mockCreate(api);
    mockRun(api);
    mockPolls(api, ['report-running.json', 'report-failed.json']);
    // The window is fetched again: the saved query is run anew, and this time its report is DONE.
    mockRun(api);
    mockPolls(api, ['report-done.json']);
    const token = mockToken();
    const download = mockDownload(fixture('report-2021-09-01.csv'));
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of [api, token, download]) s.done();
    expect(result).toMatchObject({ status: 'ok', windowsDone: 1 });
    expect((await days()).length).toBe(4);
    const runs = await store.db.selectFrom('ingest_run_log').select(['status', 'window_from', 'error']).orderBy('id').execute();
    expect(runs.map((r) => r.status)).toEqual(['retried', 'ok']);
    expect(runs[0]!.error).toContain('Bid Manager report 7654321 (query 1234567, 2021-09-01..2021-09-02) FAILED');
  });

  it('reuses the saved query, and creates it again when it was deleted', async () => {
    const config = dv360Config();
    const first = happyPath(fixture('report-empty.csv'));
    await backfill(store, '2021-09-01', '2021-09-02', config);
    for (const s of first) s.done();
    expect(await store.connectorState('dv360').get('saved_query')).toMatchObject({ queryId: '1234567' });

    // Someone deleted query 1234567 in the DV360 UI: run answers 404, the query is created anew.
    // (Each run is a session of its own and signs in again.)
    const token = mockToken();
    const api = nock(API)
      .post('/v2/queries/1234567:run')
      .query(true)
      .reply(404, fixtureJson('error-not-found.json'));
    mockCreate(api, '2345678');
    mockRun(api, '2345678');
    mockPolls(api, ['report-done.json'], '2345678');
    const download = mockDownload(fixture('report-2021-09-01.csv'));
    const { result } = await backfill(store, '2021-09-01', '2021-09-02', config);
    api.done();
    token.done();
    download.done();
    expect(result.status).toBe('ok');
    expect(await store.connectorState('dv360').get('saved_query')).toMatchObject({ queryId: '2345678' });
    expect((await days()).length).toBe(4);
  });

  it('a second window runs the same saved query with its own CUSTOM_DATES', async () => {
    const config = dv360Config();
    const scopes = happyPath(fixture('report-empty.csv'));
    await backfill(store, '2021-09-01', '2021-09-02', config);
    for (const s of scopes) s.done();
    const token = mockToken();
    const api = nock(API);
    mockRun(api, '1234567', {
      range: 'CUSTOM_DATES',
      customStartDate: { year: 2021, month: 9, day: 3 },
      customEndDate: { year: 2021, month: 9, day: 3 },
    });
    mockPolls(api, ['report-done.json']);
    const download = mockDownload(fixture('report-empty.csv'));
    const { result } = await backfill(store, '2021-09-03', '2021-09-03', config);
    api.done();
    token.done();
    download.done();
    expect(result.status).toBe('ok');
  });

  it('retries a 429 on create and a 503 on run through the runner, then succeeds', async () => {
    const api = nock(API).post('/v2/queries').reply(429, fixtureJson('error-rate-limit.json'));
    mockCreate(api);
    api.post('/v2/queries/1234567:run').query(true).reply(503, fixtureJson('error-unavailable.json'), { 'Retry-After': '7' });
    mockRun(api);
    mockPolls(api, ['report-done.json']);
    const token = mockToken();
    const download = mockDownload(fixture('report-2021-09-01.csv'));
    const { result, sleeps } = await backfill(store, '2021-09-01', '2021-09-02');
    api.done();
    token.done();
    download.done();
    expect(result.status).toBe('ok');
    expect(sleeps).toContain(7_000); // the 503's Retry-After, honoured exactly
    expect((await days()).length).toBe(4);
  });

  it('a 403 for insufficient scopes is fatal at once and names the scope', async () => {
    const api = nock(API).post('/v2/queries').reply(403, fixtureJson('error-insufficient-scope.json'));
    const token = mockToken();
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    api.done();
    token.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain('https://www.googleapis.com/auth/doubleclickbidmanager');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('the daily quota answer (429 "per day") stops the source without retrying', async () => {
    const api = nock(API).post('/v2/queries').reply(429, fixtureJson('error-daily-quota.json'));
    const token = mockToken();
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    api.done();
    token.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain('quota exhausted');
  });

  it('stops before the request that would pass requests_per_day', async () => {
    const config = dv360Config('    requests_per_day: 10');
    await store.connectorState('dv360').set('bid_manager_requests', { day: '2022-02-01', count: 10 });
    const { result } = await backfill(store, '2021-09-01', '2021-09-02', config);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/quota exhausted: .*10 Bid Manager requests already made on 2022-02-01/);
  });

  it('selects line items by insertion order id and line item name pattern', async () => {
    const config = dv360Config('    insertion_orders: { ids: ["4900001", "4900002"] }\n    line_items: { name_pattern: "^(Display|YouTube)" }');
    const scopes = happyPath(fixture('report-2021-09-01.csv'));
    await backfill(store, '2021-09-01', '2021-09-02', config);
    for (const s of scopes) s.done();
    const ids = (await days()).map((d) => d.campaign_id);
    expect([...new Set(ids)]).toEqual(['5100001', '5100002']);
  });

  it('a report in another time zone than the configured one fails the window, naming both', async () => {
    const csv = fixture('report-2021-09-01.csv').replace(/America\/Chicago/g, 'America/New_York');
    const scopes = happyPath(csv);
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain('advertiser 4455667 reports in America/New_York, but the config says America/Chicago');
  });

  it('a report without an Impressions column fails the window, naming the column', async () => {
    const csv = fixture('report-2021-09-01.csv').replace(',Impressions,', ',Billable Impressions,');
    const scopes = happyPath(csv);
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    for (const s of scopes) s.done();
    expect(result.status).toBe('failed');
    expect(result.error).toContain('missing column "Impressions"');
  });

  it('retries a download whose connection drops mid-file, and stores the whole report once', async () => {
    // Cloud Storage over real loopback HTTP: the first GET sends part of the file and cuts the
    // socket (undici then fails the body with "terminated"), the second sends it whole.
    const csv = fixture('report-2021-09-01.csv');
    let gets = 0;
    const storage: Server = createServer((req, res) => {
      gets += 1;
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(csv)) });
      if (gets === 1) {
        res.write(csv.slice(0, 400));
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end(csv);
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const url = `http://127.0.0.1:${(storage.address() as AddressInfo).port}/dv360-reports-prod/1234567/r.csv?Signature=Jq3v+Kc0/Wf8sLr+Vd2/aQ==`;
      const api = nock(API);
      mockCreate(api);
      mockRun(api);
      api.get('/v2/queries/1234567/reports/7654321').reply(200, () => {
        const report = fixtureJson<{ metadata: { googleCloudStoragePath: string } }>('report-done.json');
        report.metadata.googleCloudStoragePath = url;
        return report;
      });
      const token = mockToken();
      const { result } = await backfill(store, '2021-09-01', '2021-09-02');
      api.done();
      token.done();
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ status: 'ok', windowsDone: 1 });
      expect(gets).toBe(2);
      const total = await sql<{ n: number }>`SELECT SUM(impressions) AS n FROM impressions_daily`.execute(store.db);
      expect(total.rows[0]!.n).toBe(2465);
    } finally {
      await new Promise((resolve) => storage.close(resolve));
    }
  });
});
