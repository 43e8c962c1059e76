// End to end over loopback HTTP: the DV360 connector, through the real Runner, against the
// sandbox's Bid Manager v2 — stored totals and geography must equal the simulated world exactly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dv360Connector } from '../../src/connectors/dv360/index.ts';
import { googleOAuthSandbox, SANDBOX_ACCESS_TOKEN } from '../../src/sandbox/google-oauth.ts';
import { dv360DemoSource, dv360Sandbox } from '../../src/sandbox/dv360.ts';
import { startSandboxServer, type RunningSandbox } from '../../src/sandbox/http.ts';
import { SIM_PERIOD, simCampaigns, simDays } from '../../src/sandbox/world.ts';
import type { Store } from '../../src/store/store.ts';
import { configWith, openTestStore, testRunner } from '../helpers/app.ts';

const registry = new Map([[dv360Connector.platform, dv360Connector]]);
const AFTER_2021 = () => new Date('2022-02-01T12:00:00Z');

let sandbox: RunningSandbox;
let store: Store;

beforeAll(async () => {
  sandbox = await startSandboxServer([googleOAuthSandbox, dv360Sandbox]);
});
afterAll(async () => {
  await sandbox.close();
});
afterEach(async () => {
  sandbox.ctx.faults.clear();
  await store?.close();
  sandbox.ctx.requests.length = 0;
});

function demoSetup(overrides: Record<string, unknown> = {}) {
  const demo = dv360DemoSource(sandbox.baseUrl);
  const yaml = stringify([{ ...demo.source, ...overrides }]).replace(/^/gm, '  ');
  return { config: configWith(yaml, registry), env: demo.env };
}

/** The world's ground truth for a range: per line item per day, and per (country, region). */
function groundTruth(from: string, to: string) {
  const days = new Map<string, number>();
  const geo = new Map<string, number>();
  for (const c of simCampaigns('dv360')) {
    for (const d of simDays(c, from, to)) {
      days.set(`${c.campaignId}|${d.date}`, d.impressions);
      for (const g of d.geo) geo.set(`${c.campaignId}|${d.date}|${g.country}|${g.region}`, g.impressions);
    }
  }
  return { days, geo };
}

async function stored(store: Store) {
  const days = await store.db.selectFrom('campaign_days').select(['campaign_id', 'date', 'impressions']).execute();
  const geo = await store.db.selectFrom('geo_days').select(['campaign_id', 'date', 'country', 'region', 'impressions']).execute();
  return {
    days: new Map(days.map((d) => [`${d.campaign_id}|${d.date}`, d.impressions])),
    geo: new Map(geo.map((g) => [`${g.campaign_id}|${g.date}|${g.country}|${g.region}`, g.impressions])),
  };
}

describe('dv360 against the sandbox', () => {
  it('backfills Sept–Dec 2021 and stores exactly the world: per line item per day and per country/region', async () => {
    const { config, env } = demoSetup();
    store = await openTestStore();
    const runner = testRunner(config, registry, store, { now: AFTER_2021, env });
    const [result] = await runner.runAll({ kind: 'backfill', from: SIM_PERIOD.from, to: SIM_PERIOD.to }, 'r1', 'backfill');
    expect(result).toMatchObject({ status: 'ok', windowsDone: 4 });

    const truth = groundTruth(SIM_PERIOD.from, SIM_PERIOD.to);
    const got = await stored(store);
    expect(got.days.size).toBe(truth.days.size);
    expect(got.days).toEqual(truth.days);
    expect(got.geo).toEqual(truth.geo);

    const campaigns = await store.db.selectFrom('campaigns').select(['campaign_id', 'campaign_name', 'channel', 'target_id']).orderBy('campaign_id').execute();
    expect(campaigns).toEqual([
      { campaign_id: '5100001', campaign_name: 'Display, programática "Exterior", CA-TX-IL', channel: 'display', target_id: 'programmatic' },
      { campaign_id: '5100002', campaign_name: 'YouTube & partners — Norteamérica', channel: 'youtube', target_id: 'social' },
    ]);
    // One saved query for the whole backfill, run once per window.
    const creates = sandbox.ctx.requests.filter((r) => r.method === 'POST' && r.url.pathname === '/v2/queries');
    const runs = sandbox.ctx.requests.filter((r) => r.url.pathname.endsWith(':run'));
    expect(creates).toHaveLength(1);
    expect(runs).toHaveLength(4);
  });

  it('rides out a rate limit, a slow report and a deleted saved query with the same numbers', async () => {
    const { config, env } = demoSetup();
    store = await openTestStore();
    const runner = testRunner(config, registry, store, { now: AFTER_2021, env });
    await runner.runAll({ kind: 'backfill', from: '2021-10-01', to: '2021-10-10' }, 'r1', 'backfill');
    sandbox.ctx.faults.arm('dv360.rate_limit', 2);
    sandbox.ctx.faults.arm('dv360.slow_report');
    sandbox.ctx.faults.arm('dv360.query_deleted');
    const [result] = await runner.runAll({ kind: 'backfill', from: '2021-10-01', to: '2021-10-10' }, 'r2', 'backfill');
    expect(result).toMatchObject({ status: 'ok' });
    for (const fault of ['dv360.rate_limit', 'dv360.slow_report', 'dv360.query_deleted']) expect(sandbox.ctx.faults.take(fault)).toBe(false);
    // The deleted query was created again: two creates over both runs.
    expect(sandbox.ctx.requests.filter((r) => r.method === 'POST' && r.url.pathname === '/v2/queries')).toHaveLength(2);
    const truth = groundTruth('2021-10-01', '2021-10-10');
    const got = await stored(store);
    expect(got.days).toEqual(truth.days);
    expect(got.geo).toEqual(truth.geo);
  });

  it('a range before the campaigns is the documented empty report: an ok, empty window', async () => {
    const { config, env } = demoSetup();
    store = await openTestStore();
    const [result] = await testRunner(config, registry, store, { now: AFTER_2021, env }).runAll(
      { kind: 'backfill', from: '2021-08-01', to: '2021-08-05' },
      'r1',
      'backfill',
    );
    expect(result).toMatchObject({ status: 'ok', rows: 0 });
    const download = sandbox.ctx.requests.find((r) => r.url.pathname.startsWith('/downloads/dv360/'));
    expect(download).toBeDefined();
    expect(await (await fetch(new URL(download!.url.pathname + download!.url.search, sandbox.baseUrl))).text()).toBe('No data returned by the reporting service.\n');
  });

  it('a report that fails every time it is run fails the window with a clear message and stores nothing', async () => {
    const { config, env } = demoSetup();
    store = await openTestStore();
    // Each of the window's three attempts runs the query again; each report FAILS.
    sandbox.ctx.faults.arm('dv360.report_failed', 3);
    const runner = testRunner(config, registry, store, { now: AFTER_2021, env });
    const [result] = await runner.runAll({ kind: 'backfill', from: '2021-11-01', to: '2021-11-03' }, 'r1', 'backfill');
    expect(result!.status).toBe('failed');
    expect(result!.error).toMatch(/report \d+ \(query \d+, 2021-11-01\.\.2021-11-03\) FAILED/);
    expect(await store.db.selectFrom('campaign_days').selectAll().execute()).toEqual([]);
  });

  it('a partner source reads the same line items under the partner account', async () => {
    const { config, env } = demoSetup({ advertisers: undefined, partner: { id: '2100001', time_zone: 'America/Chicago' } });
    store = await openTestStore();
    const [result] = await testRunner(config, registry, store, { now: AFTER_2021, env }).runAll(
      { kind: 'backfill', from: '2021-12-01', to: '2021-12-07' },
      'r1',
      'backfill',
    );
    expect(result).toMatchObject({ status: 'ok' });
    const rows = await store.db.selectFrom('campaign_days').select(['account_id', 'campaign_id', 'date', 'impressions']).execute();
    expect(new Set(rows.map((r) => r.account_id))).toEqual(new Set(['2100001']));
    expect(new Map(rows.map((r) => [`${r.campaign_id}|${r.date}`, r.impressions]))).toEqual(groundTruth('2021-12-01', '2021-12-07').days);
  });

  it('rejects v1.1 names with Google’s error shape, like the real API', async () => {
    const res = await fetch(`${sandbox.baseUrl}/v2/queries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_ACCESS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        metadata: { title: 'v1.1 style', dataRange: { range: 'PREVIOUS_DAY' }, format: 'CSV' },
        params: { type: 'TYPE_GENERAL', groupBys: ['FILTER_DATE'], metrics: ['METRIC_IMPRESSIONS'], filters: [{ type: 'FILTER_ADVERTISER', value: '4455667' }] },
        schedule: { frequency: 'ONE_TIME' },
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 400, message: expect.stringContaining('TYPE_GENERAL'), status: 'INVALID_ARGUMENT' },
    });
  });

  it('serves the report only from the signed URL exactly as given and without an Authorization header', async () => {
    const auth = { authorization: `Bearer ${SANDBOX_ACCESS_TOKEN}`, 'content-type': 'application/json' };
    const created = (await (
      await fetch(`${sandbox.baseUrl}/v2/queries`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          metadata: { title: 't', dataRange: { range: 'CUSTOM_DATES', customStartDate: { year: 2021, month: 9, day: 1 }, customEndDate: { year: 2021, month: 9, day: 1 } }, format: 'CSV' },
          params: { type: 'STANDARD', groupBys: ['FILTER_DATE', 'FILTER_LINE_ITEM'], metrics: ['METRIC_IMPRESSIONS'], filters: [{ type: 'FILTER_ADVERTISER', value: '4455667' }] },
          schedule: { frequency: 'ONE_TIME' },
        }),
      })
    ).json()) as { queryId: string };
    const report = (await (await fetch(`${sandbox.baseUrl}/v2/queries/${created.queryId}:run?synchronous=false`, { method: 'POST', headers: auth, body: '{}' })).json()) as {
      key: { reportId: string };
    };
    let url = '';
    for (let i = 0; i < 3 && !url; i++) {
      const r = (await (await fetch(`${sandbox.baseUrl}/v2/queries/${created.queryId}/reports/${report.key.reportId}`, { headers: auth })).json()) as {
        metadata: { googleCloudStoragePath?: string };
      };
      url = r.metadata.googleCloudStoragePath ?? '';
    }
    expect(url).toMatch(/Signature=[^&]*\+[^&]*\/[^&]*$/);
    expect((await fetch(url, { headers: { authorization: `Bearer ${SANDBOX_ACCESS_TOKEN}` } })).status).toBe(400);
    const reEncoded = url.replace(/Signature=(.*)$/, (_m, s: string) => `Signature=${encodeURIComponent(s)}`);
    expect((await fetch(reEncoded)).status).toBe(403);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text.split('\n')[0]).toBe('Date,Line Item ID,Impressions');
    expect(text).toContain('2021/09/01,5100001,');
  });
});
