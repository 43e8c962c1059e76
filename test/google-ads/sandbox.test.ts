// The connector against the Google Ads sandbox over loopback HTTP, through the real runner:
// Sept–Dec 2021 backfilled, then every stored number compared with the simulated world.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { googleAdsConnector } from '../../src/connectors/google-ads/index.ts';
import type { Connector } from '../../src/connectors/types.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { SANDBOX_ACCESS_TOKEN, googleOAuthSandbox } from '../../src/sandbox/google-oauth.ts';
import { SANDBOX_DEVELOPER_TOKEN, SANDBOX_MANAGER_ID, googleAdsDemoSource, googleAdsSandbox } from '../../src/sandbox/google-ads.ts';
import { startSandboxServer, type RunningSandbox } from '../../src/sandbox/http.ts';
import { SIM_PERIOD, simCampaigns, simDays } from '../../src/sandbox/world.ts';
import type { Store } from '../../src/store/store.ts';
import { TARGETS_YAML, openTestStore, testRunner } from '../helpers/app.ts';

const registry = new Map<string, Connector<any>>([['google_ads', googleAdsConnector]]);
const AFTER_PERIOD = () => new Date('2022-01-15T12:00:00Z');

let sandbox: RunningSandbox;
let store: Store;
let demo: ReturnType<typeof googleAdsDemoSource>;
let sleeps: number[];

beforeAll(async () => {
  sandbox = await startSandboxServer([googleOAuthSandbox, googleAdsSandbox]);
  demo = googleAdsDemoSource(sandbox.baseUrl);
  const config = parseConfig(`${stringify({ sources: [demo.source] })}\n${TARGETS_YAML}`, 'demo.yaml', registry);
  store = await openTestStore();
  await store.syncTargets(targetAssignment(config.targets));
  sleeps = [];
  // One of each retryable failure on the way, as a real account would meet them.
  sandbox.ctx.faults.arm('google_ads.temporarily_exhausted', 1);
  sandbox.ctx.faults.arm('google_ads.mid_stream_error', 1);
  const runner = testRunner(config, registry, store, { now: AFTER_PERIOD, env: demo.env, sleep: async (ms) => void sleeps.push(ms) });
  const [result] = await runner.runAll({ kind: 'backfill', ...SIM_PERIOD }, 'sandbox', 'backfill');
  expect(result).toMatchObject({ status: 'ok', windowsDone: 4 });
});

afterAll(async () => {
  await store?.close();
  await sandbox?.close();
});

describe('Google Ads against the sandbox', () => {
  it('stores every campaign-day total exactly as the world has it (dark days absent)', async () => {
    const stored = await store.db.selectFrom('campaign_days').select(['account_id', 'campaign_id', 'date', 'impressions', 'clicks']).execute();
    const byKey = new Map(stored.map((r) => [`${r.campaign_id}|${r.date}`, r]));
    let expected = 0;
    for (const c of simCampaigns('google_ads')) {
      for (const day of simDays(c, SIM_PERIOD.from, SIM_PERIOD.to)) {
        expected += 1;
        expect(byKey.get(`${c.campaignId}|${day.date}`)).toEqual({ account_id: c.accountId, campaign_id: c.campaignId, date: day.date, impressions: day.impressions, clicks: day.clicks });
      }
      for (const dark of c.darkDays ?? []) expect(byKey.has(`${c.campaignId}|${dark}`)).toBe(false);
    }
    expect(stored).toHaveLength(expected);
  });

  it('stores every country and region split exactly as the world has it, the unplaced remainder included', async () => {
    const geo = await store.db.selectFrom('geo_days').select(['campaign_id', 'date', 'country', 'region', 'impressions']).execute();
    const byKey = new Map(geo.map((g) => [`${g.campaign_id}|${g.date}|${g.country}|${g.region}`, g.impressions]));
    let cells = 0;
    for (const c of simCampaigns('google_ads')) {
      for (const day of simDays(c, SIM_PERIOD.from, SIM_PERIOD.to)) {
        for (const g of day.geo) {
          cells += 1;
          expect([c.campaignId, day.date, g.country, g.region, byKey.get(`${c.campaignId}|${day.date}|${g.country}|${g.region}`)]).toEqual([c.campaignId, day.date, g.country, g.region, g.impressions]);
        }
      }
    }
    expect(geo).toHaveLength(cells);
  });

  it('maps the world’s channels and puts the days in each account’s zone', async () => {
    const campaigns = await store.db.selectFrom('campaigns').select(['campaign_id', 'channel', 'target_id']).orderBy('campaign_id').execute();
    expect(campaigns).toEqual(simCampaigns('google_ads').map((c) => ({ campaign_id: c.campaignId, channel: c.channel, target_id: c.channel === 'display' ? 'programmatic' : 'social' })));
    const accounts = await store.db.selectFrom('accounts').select(['account_id', 'time_zone', 'currency']).orderBy('account_id').execute();
    expect(accounts).toEqual([
      { account_id: '1234567890', time_zone: 'America/Los_Angeles', currency: 'USD' },
      { account_id: '2345678901', time_zone: 'Europe/Madrid', currency: 'EUR' },
    ]);
    // The temporarily-exhausted fault was waited out as asked ("Retry in 1 seconds"), the mid-stream error retried.
    expect(sleeps[0]).toBe(1000);
    expect(sleeps).toHaveLength(2);
  });

  it('answers a query the real API would reject with the real error shape', async () => {
    const post = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${sandbox.baseUrl}/v25/customers/1234567890/googleAds:searchStream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${SANDBOX_ACCESS_TOKEN}`,
          'developer-token': SANDBOX_DEVELOPER_TOKEN,
          'login-customer-id': SANDBOX_MANAGER_ID,
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify({ query }),
      });

    // A field renamed in v22.
    let res = await post("SELECT campaign.id, metrics.video_views FROM campaign WHERE segments.date BETWEEN '2021-09-01' AND '2021-09-02'");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([
      {
        error: {
          code: 400,
          message: 'Request contains an invalid argument.',
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure',
              errors: [{ errorCode: { queryError: 'UNRECOGNIZED_FIELD' }, message: "Unrecognized field in the query: 'metrics.video_views'." }],
              requestId: expect.any(String),
            },
          ],
        },
      },
    ]);
    // segments.date without a finite range.
    res = await post('SELECT campaign.id, segments.date, metrics.impressions FROM campaign');
    expect(((await res.json()) as [{ error: { details: [{ errors: [{ errorCode: object }] }] } }])[0].error.details[0].errors[0].errorCode).toEqual({
      queryError: 'EXPECTED_FILTERS_ON_DATE_RANGE',
    });
    // A segment the resource cannot take, and a client account without its manager.
    res = await post("SELECT campaign.id, segments.geo_target_region, metrics.impressions FROM campaign WHERE segments.date = '2021-09-01'");
    expect(JSON.stringify(await res.json())).toContain('PROHIBITED_SEGMENT_IN_SELECT_OR_WHERE_CLAUSE');
    res = await post('SELECT customer.id FROM customer', { 'login-customer-id': '1234567890' });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toContain('"authorizationError":"USER_PERMISSION_DENIED"');
    res = await post('SELECT customer.id FROM customer', { 'developer-token': 'not-the-token' });
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).toContain('"authenticationError":"DEVELOPER_TOKEN_INVALID"');
  });
});

describe('Google Ads against the sandbox, geography from geographic_view', () => {
  it('keeps the physical-presence rows of a view that also answers areas of interest, and matches the world', async () => {
    const source = { ...demo.source, id: 'google-ads-geographic', geo: { view: 'geographic_view', location_type: 'LOCATION_OF_PRESENCE' } };
    const config = parseConfig(`${stringify({ sources: [source] })}\n${TARGETS_YAML}`, 'demo.yaml', registry);
    const own = await openTestStore();
    try {
      const runner = testRunner(config, registry, own, { now: AFTER_PERIOD, env: demo.env });
      const october = { from: '2021-10-01', to: '2021-10-31' };
      const [result] = await runner.runAll({ kind: 'backfill', ...october }, 'geographic', 'backfill');
      expect(result).toMatchObject({ status: 'ok', windowsDone: 1 });
      const geo = await own.db.selectFrom('geo_days').select(['campaign_id', 'date', 'country', 'region', 'impressions']).execute();
      const expected = simCampaigns('google_ads').flatMap((c) =>
        simDays(c, october.from, october.to).flatMap((d) => d.geo.map((g) => ({ campaign_id: c.campaignId, date: d.date, country: g.country, region: g.region, impressions: g.impressions }))),
      );
      const order = (r: { campaign_id: string; date: string; country: string; region: string }) => `${r.campaign_id}|${r.date}|${r.country}|${r.region}`;
      expect(geo.sort((a, b) => order(a).localeCompare(order(b)))).toEqual(expected.sort((a, b) => order(a).localeCompare(order(b))));
      const methods = await own.db.selectFrom('campaign_days').select('geo_method').distinct().execute();
      expect(methods).toEqual([{ geo_method: 'geographic_view:location_of_presence' }]);
    } finally {
      await own.close();
    }
  });
});
