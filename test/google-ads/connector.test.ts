// The Google Ads connector against recorded searchStream bodies (nock on googleads.googleapis.com
// and oauth2.googleapis.com), through the real runner and a real SQLite file.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import { sql } from 'kysely';
import type { GoogleAdsSourceConfig } from '../../src/connectors/google-ads/config.ts';
import { googleAdsConnector } from '../../src/connectors/google-ads/index.ts';
import { silentLogger } from '../../src/core/log.ts';
import { makeContext } from '../../src/ingest/runner.ts';
import type { Store } from '../../src/store/store.ts';
import {
  CUSTOMER_ES,
  CUSTOMER_US,
  DISPLAY_CAMPAIGN,
  ENV,
  MANAGER_ID,
  MCC_LINE,
  TOKEN_HOST,
  VIDEO_CAMPAIGN,
  fixture,
  mockCustomerWindow,
  mockToken,
  searchStream,
  setup,
  sourceYaml,
} from './helpers.ts';

const SEPT_10 = () => new Date('2021-09-10T12:00:00Z');
const backfill = (from: string, to: string) => ({ kind: 'backfill' as const, from, to });

let store: Store | undefined;
beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  await store?.close();
  store = undefined;
});
afterAll(() => nock.enableNetConnect());

async function place(s: Store, campaignId: string, date: string) {
  const rows = await sql<{ country: string; region: string; impressions: number }>`
    SELECT country, region, impressions FROM impressions_daily
    WHERE campaign_id = ${campaignId} AND date = ${date} ORDER BY country, region`.execute(s.db);
  return rows.rows;
}

async function totals(s: Store) {
  const rows = await s.db
    .selectFrom('campaign_days')
    .select(['account_id', 'campaign_id', 'date', 'impressions', 'clicks', 'video_views', 'cost_micros', 'geo_method'])
    .orderBy('campaign_id')
    .orderBy('date')
    .execute();
  return rows;
}

async function indicator(s: Store) {
  const rows = await sql<{ target_id: string; achieved: number }>`SELECT target_id, achieved FROM indicator_impressions`.execute(s.db);
  return Object.fromEntries(rows.rows.map((r) => [r.target_id, r.achieved]));
}

describe('Google Ads: Display and YouTube campaigns by day and place', () => {
  it('maps DISPLAY to the programmatic target and VIDEO to social, with the campaign totals as the platform gave them', async () => {
    const scopes = [mockToken(), ...mockCustomerWindow()];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    expect(result).toMatchObject({ status: 'ok', windowsDone: 1 });
    for (const s of scopes) s.done();

    const campaigns = await store.db.selectFrom('campaigns').select(['campaign_id', 'channel', 'target_id', 'campaign_name']).orderBy('campaign_id').execute();
    expect(campaigns).toEqual([
      { campaign_id: DISPLAY_CAMPAIGN, channel: 'display', target_id: 'programmatic', campaign_name: 'Programmatic Display — EE.UU. (CA, TX, IL)' },
      { campaign_id: VIDEO_CAMPAIGN, channel: 'youtube', target_id: 'social', campaign_name: 'YouTube — Registro consular, Norteamérica' },
    ]);
    expect(await totals(store)).toEqual([
      { account_id: CUSTOMER_US, campaign_id: DISPLAY_CAMPAIGN, date: '2021-09-01', impressions: 2500, clicks: 11, video_views: 0, cost_micros: 3750000, geo_method: 'user_location_view' },
      { account_id: CUSTOMER_US, campaign_id: DISPLAY_CAMPAIGN, date: '2021-09-02', impressions: 2600, clicks: 9, video_views: 0, cost_micros: 3900000, geo_method: 'user_location_view' },
      { account_id: CUSTOMER_US, campaign_id: DISPLAY_CAMPAIGN, date: '2021-09-03', impressions: 2400, clicks: 12, video_views: 0, cost_micros: 3600000, geo_method: 'user_location_view' },
      { account_id: CUSTOMER_US, campaign_id: VIDEO_CAMPAIGN, date: '2021-09-01', impressions: 1200, clicks: 4, video_views: 310, cost_micros: 2100000, geo_method: 'user_location_view' },
      { account_id: CUSTOMER_US, campaign_id: VIDEO_CAMPAIGN, date: '2021-09-03', impressions: 1100, clicks: 3, video_views: 280, cost_micros: 1950000, geo_method: 'user_location_view' },
    ]);
    expect(await indicator(store)).toEqual({ programmatic: 7500, social: 2300, total: 9800 });
    const account = await store.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    expect(account).toMatchObject({ account_id: CUSTOMER_US, time_zone: 'America/Los_Angeles', currency: 'USD', name: 'Campañas Exterior' });
  });

  it('adds up user_location_view rows split by targeting_location, places regions through geo target constants, and leaves the rest in ZZ', async () => {
    const scopes = [mockToken(), ...mockCustomerWindow()];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    // California came as 850 (targeted) + 50 (not targeted); Canada's Ontario is CA-ON, not California.
    expect(await place(store, DISPLAY_CAMPAIGN, '2021-09-01')).toEqual([
      { country: 'CA', region: 'CA-ON', impressions: 30 },
      { country: 'US', region: '', impressions: 100 },
      { country: 'US', region: 'US-AZ', impressions: 150 },
      { country: 'US', region: 'US-CA', impressions: 900 },
      { country: 'US', region: 'US-IL', impressions: 420 },
      { country: 'US', region: 'US-TX', impressions: 660 },
      { country: 'ZZ', region: '', impressions: 240 },
    ]);
    expect(await place(store, VIDEO_CAMPAIGN, '2021-09-03')).toEqual([
      { country: 'CA', region: '', impressions: 300 },
      { country: 'ES', region: '', impressions: 100 },
      { country: 'US', region: 'US-TX', impressions: 200 },
      { country: 'ZZ', region: '', impressions: 500 },
    ]);
    // The ids were resolved from the API and kept for the next runs.
    const cached = (await store.connectorState('google-ads').get('geo_target_constants')) as Record<string, { countryCode: string; name: string }> | undefined;
    expect(cached?.['21137']).toMatchObject({ countryCode: 'US', name: 'California' });
    expect(Object.keys(cached ?? {}).sort()).toEqual(['20121', '20827', '21136', '21137', '21147', '21176', '2124', '2724', '2840']);
  });

  it('counts a region outside CA/TX/IL (Arizona) for the US and not for those states', async () => {
    const scopes = [mockToken(), ...mockCustomerWindow()];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    const rows = await sql<{ place: string; impressions: number }>`
      SELECT CASE WHEN region IN ('US-CA', 'US-TX', 'US-IL') THEN region
                  WHEN country = 'US' THEN 'US (rest)' ELSE country END AS place,
             SUM(impressions) AS impressions
      FROM impressions_daily WHERE target_id = 'programmatic' GROUP BY place ORDER BY place`.execute(store.db);
    expect(rows.rows).toEqual([
      { place: 'CA', impressions: 30 },
      { place: 'US (rest)', impressions: 100 + 150 + 120 },
      { place: 'US-CA', impressions: 900 + 1000 + 880 },
      { place: 'US-IL', impressions: 420 + 450 + 400 },
      { place: 'US-TX', impressions: 660 + 700 + 610 },
      { place: 'ZZ', impressions: 240 + 330 + 510 },
    ]);
    const us = await sql<{ n: number }>`SELECT SUM(impressions) AS n FROM impressions_daily WHERE country = 'US' AND target_id = 'programmatic'`.execute(store.db);
    expect(us.rows[0]!.n).toBe(2260 - 30 + 2270 + 1890);
  });

  it('reads geographic_view with both location types on the same day and keeps only the chosen one', async () => {
    for (const [locationType, expected] of [
      ['LOCATION_OF_PRESENCE', [
        { country: 'CA', region: 'CA-ON', impressions: 30 },
        { country: 'US', region: '', impressions: 100 },
        { country: 'US', region: 'US-AZ', impressions: 150 },
        { country: 'US', region: 'US-CA', impressions: 900 },
        { country: 'US', region: 'US-IL', impressions: 420 },
        { country: 'US', region: 'US-TX', impressions: 660 },
        { country: 'ZZ', region: '', impressions: 240 },
      ]],
      ['AREA_OF_INTEREST', [
        { country: 'US', region: 'US-CA', impressions: 1500 },
        { country: 'US', region: 'US-IL', impressions: 250 },
        { country: 'US', region: 'US-TX', impressions: 700 },
        { country: 'ZZ', region: '', impressions: 50 },
      ]],
    ] as const) {
      const scopes = [mockToken(), ...mockCustomerWindow({ geoView: 'geographic_view' })];
      const ctx = await setup(sourceYaml(`${MCC_LINE}    geo: { view: geographic_view, location_type: ${locationType} }\n`), SEPT_10);
      store = ctx.store;
      const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
      expect(result!.status).toBe('ok');
      for (const s of scopes) s.done();
      expect(await place(store, DISPLAY_CAMPAIGN, '2021-09-01')).toEqual(expected);
      const perDay = await sql<{ n: number; total: number }>`
        SELECT (SELECT SUM(impressions) FROM impressions_daily) AS n, (SELECT SUM(impressions) FROM campaign_days) AS total`.execute(store.db);
      expect(perDay.rows[0]!.n).toBe(perDay.rows[0]!.total);
      const method = await store.db.selectFrom('campaign_days').select('geo_method').distinct().execute();
      expect(method).toEqual([{ geo_method: `geographic_view:${locationType.toLowerCase()}` }]);
      await store.close();
      store = undefined;
      nock.cleanAll();
    }
  });

  it('stores nothing for a zero-impression day the API leaves out, and the totals still add up', async () => {
    const scopes = [mockToken(), ...mockCustomerWindow()];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    const video = await store.db.selectFrom('campaign_days').select(['date', 'impressions']).where('campaign_id', '=', VIDEO_CAMPAIGN).orderBy('date').execute();
    expect(video).toEqual([
      { date: '2021-09-01', impressions: 1200 },
      { date: '2021-09-03', impressions: 1100 },
    ]);
    const sums = await sql<{ date: string; n: number }>`SELECT date, SUM(impressions) AS n FROM impressions_daily GROUP BY date ORDER BY date`.execute(store.db);
    expect(sums.rows).toEqual([
      { date: '2021-09-01', n: 3700 },
      { date: '2021-09-02', n: 2600 },
      { date: '2021-09-03', n: 3500 },
    ]);
  });

  it('overwrites a restated day on the next run’s lookback re-pull', async () => {
    // 15:00 UTC on Sept 4 is 08:00 in Los Angeles: the last complete day there is Sept 3.
    const now = () => new Date('2021-09-04T15:00:00Z');
    const first = [mockToken(), ...mockCustomerWindow()];
    const ctx = await setup(sourceYaml(MCC_LINE), now);
    store = ctx.store;
    await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of first) s.done();
    expect(await store.getCursor('google-ads')).toBe('2021-09-03');

    // The same source runs again: a new run signs in and reads the customer again; geo ids come from the database.
    const seen: string[] = [];
    const second = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_US, 'campaign', { seen }).reply(200, fixture('campaign-days-restated.json') as object),
      searchStream(CUSTOMER_US, 'user_location_view').reply(200, fixture('user-location-view.json') as object),
    ];
    const [result] = await ctx.runner.runAll({ kind: 'scheduled' }, 'r2', 'schedule');
    expect(result).toMatchObject({ status: 'ok', windows: [{ from: '2021-08-28', to: '2021-09-03' }] });
    for (const s of second) s.done();
    expect(seen[0]).toContain("segments.date BETWEEN '2021-08-28' AND '2021-09-03'");
    const day = await store.db.selectFrom('campaign_days').select('impressions').where('campaign_id', '=', DISPLAY_CAMPAIGN).where('date', '=', '2021-09-02').executeTakeFirstOrThrow();
    expect(day.impressions).toBe(2450);
    const geo = await place(store, DISPLAY_CAMPAIGN, '2021-09-02');
    expect(geo.reduce((s, g) => s + g.impressions, 0)).toBe(2450);
    expect(geo.find((g) => g.country === 'ZZ')?.impressions).toBe(2450 - 2270);
    expect(await indicator(store)).toMatchObject({ programmatic: 7350 });
  });

  it('sends the manager account as login-customer-id (digits only), and no such header without one', async () => {
    // With a manager: every mocked request above already requires the header; here, a source without one.
    const scopes = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer', { loginCustomerId: null }).reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_US, 'campaign', { loginCustomerId: null }).reply(200, fixture('campaign-days.json') as object),
      searchStream(CUSTOMER_US, 'user_location_view', { loginCustomerId: null }).reply(200, fixture('user-location-view.json') as object),
      searchStream(CUSTOMER_US, 'geo_target_constant', { loginCustomerId: null }).reply(200, fixture('geo-target-constants.json') as object),
    ];
    const ctx = await setup(sourceYaml(), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    expect(result!.status).toBe('ok');
    for (const s of scopes) s.done();
  });

  it('stops the source on daily quota exhaustion (RESOURCE_EXHAUSTED): no retry, a clear failed run, nothing stored', async () => {
    let campaignCalls = 0;
    const scopes = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_US, 'campaign').reply(() => {
        campaignCalls += 1;
        return [429, fixture('error-quota-exhausted.json') as object];
      }),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE), () => new Date('2021-11-05T12:00:00Z'));
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-10-31'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(campaignCalls).toBe(1);
    expect(ctx.sleeps).toEqual([]);
    expect(result).toMatchObject({ status: 'failed', windowsDone: 0 });
    expect(result!.windows).toHaveLength(2);
    expect(result!.error).toContain('source google-ads, window 2021-09-01..2021-10-01 quota exhausted');
    expect(result!.error).toContain('quota_error RESOURCE_EXHAUSTED');
    expect(result!.error).toContain('request id gW5x3yZ8Ab0Cd2Ef4H6i7J');
    const runs = await store.db.selectFrom('ingest_run_log').select(['status', 'window_from', 'window_to']).execute();
    expect(runs).toEqual([{ status: 'failed', window_from: '2021-09-01', window_to: '2021-10-01' }]);
    expect(await store.db.selectFrom('campaign_days').selectAll().execute()).toEqual([]);
    expect(await store.getCursor('google-ads')).toBeUndefined();
  });

  it('waits the "Retry in N seconds" of RESOURCE_TEMPORARILY_EXHAUSTED, retries, then stores the window', async () => {
    const scopes = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_US, 'campaign').reply(429, fixture('error-temporarily-exhausted.json') as object),
      ...mockCustomerWindow({ customer: false }),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('ok');
    expect(ctx.sleeps).toEqual([7000]);
    expect(await indicator(store)).toMatchObject({ total: 9800 });
  });

  it('retries a window whose stream failed after HTTP 200, never keeping the partial rows', async () => {
    const scopes = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      // Two campaign rows, then {"error": INTERNAL_ERROR}: google-ads-api alone would end quietly here.
      searchStream(CUSTOMER_US, 'campaign').reply(200, fixture('campaign-days-internal-error-mid-stream.json') as object),
      ...mockCustomerWindow({ customer: false }),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('ok');
    expect(ctx.sleeps).toHaveLength(1);
    expect((await totals(store)).map((t) => t.impressions)).toEqual([2500, 2600, 2400, 1200, 1100]);
  });

  it('fails the window when the error after HTTP 200 is not retryable', async () => {
    const body = fixture('campaign-days-internal-error-mid-stream.json') as [object, { error: { details: [{ errors: [{ errorCode: object }] }] } }];
    body[1].error.details[0].errors[0].errorCode = { quotaError: 'RESOURCE_EXHAUSTED' };
    const scopes = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_US, 'campaign').reply(200, body),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('failed');
    expect(result!.error).toContain('quota exhausted');
    expect(await store.db.selectFrom('campaign_days').selectAll().execute()).toEqual([]);
  });

  it('skips a customer that is not enabled (CUSTOMER_NOT_ENABLED) and reads the other', async () => {
    const scopes = [
      mockToken(),
      ...mockCustomerWindow(),
      searchStream(CUSTOMER_ES, 'customer').reply(403, fixture('error-customer-not-enabled.json') as object),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE, [CUSTOMER_US, CUSTOMER_ES]), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('ok');
    const accounts = await store.db.selectFrom('campaign_days').select('account_id').distinct().execute();
    expect(accounts).toEqual([{ account_id: CUSTOMER_US }]);
    expect(await indicator(store)).toMatchObject({ total: 9800 });
    const log = await store.db.selectFrom('ingest_run_log').select(['status', 'error']).executeTakeFirstOrThrow();
    expect(log.status).toBe('ok');
    expect(log.error).toContain(`account ${CUSTOMER_ES} skipped: customer ${CUSTOMER_ES} is not enabled`);
  });

  it('skips a customer whose report query says CUSTOMER_NOT_ENABLED, keeping what was stored for it', async () => {
    const es = (resource: string) => searchStream(CUSTOMER_ES, resource);
    const scopes = [
      mockToken(),
      ...mockCustomerWindow(),
      es('customer').reply(200, fixture('customer-2345678901.json') as object),
      es('campaign').reply(403, fixture('error-customer-not-enabled.json') as object),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE, [CUSTOMER_US, CUSTOMER_ES]), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('ok');
    const log = await store.db.selectFrom('ingest_run_log').select('error').executeTakeFirstOrThrow();
    expect(log.error).toContain(`account ${CUSTOMER_ES} skipped`);
  });

  it('fails the window naming the field when a row has no metrics', async () => {
    const scopes = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_US, 'campaign').reply(200, fixture('campaign-days-missing-metrics.json') as object),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('failed');
    expect(ctx.sleeps).toEqual([]);
    expect(result!.error).toContain('source google-ads, window 2021-09-01..2021-09-03 failed');
    expect(result!.error).toContain(`customer ${CUSTOMER_US}, campaign totals row 4: metrics.impressions:`);
    expect(await store.db.selectFrom('campaign_days').selectAll().execute()).toEqual([]);
  });

  it('keeps a campaign name pattern out of GAQL: only ids, dates and enum names are ever sent', async () => {
    const seen: string[] = [];
    const scopes = [
      mockToken(),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_US, 'campaign', { seen }).reply(200, fixture('campaign-days.json') as object),
      searchStream(CUSTOMER_US, 'user_location_view', { seen }).reply(200, fixture('user-location-view.json') as object),
      searchStream(CUSTOMER_US, 'geo_target_constant', { seen }).reply(200, fixture('geo-target-constants.json') as object),
    ];
    const pattern = `youtube' OR campaign.id > 0 OR campaign.name = 'x`;
    const ctx = await setup(sourceYaml(`${MCC_LINE}    campaigns: { name_pattern: "${pattern}|registro" }\n`), SEPT_10);
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('ok');
    for (const q of seen) {
      expect(q).not.toContain('youtube');
      expect(q).not.toContain('campaign.name =');
    }
    expect(seen[0]).toBe(
      'SELECT campaign.id, campaign.name, campaign.advertising_channel_type, segments.date, metrics.impressions, metrics.clicks, ' +
        "metrics.cost_micros, metrics.video_trueview_views FROM campaign WHERE segments.date BETWEEN '2021-09-01' AND '2021-09-03' " +
        "AND campaign.advertising_channel_type IN ('DISPLAY', 'VIDEO')",
    );
    // Only the YouTube campaign matched; the display campaign's geo rows were set aside.
    const stored = await store.db.selectFrom('campaign_days').select('campaign_id').distinct().execute();
    expect(stored).toEqual([{ campaign_id: VIDEO_CAMPAIGN }]);
    expect(await indicator(store)).toEqual({ programmatic: 0, social: 2300, total: 2300 });
  });

  it('names the credential to fix when the refresh token, the developer token or the access path is refused', async () => {
    nock(TOKEN_HOST).post('/token').reply(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    let ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    let [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    expect(result!.status).toBe('failed');
    expect(result!.error).toContain('refresh token in GOOGLE_ADS_REFRESH_TOKEN was refused (invalid_grant');
    expect(result!.error).not.toContain(ENV.GOOGLE_ADS_REFRESH_TOKEN);
    await store.close();

    mockToken();
    searchStream(CUSTOMER_US, 'customer').reply(401, fixture('error-developer-token-invalid.json') as object);
    ctx = await setup(sourceYaml(MCC_LINE), SEPT_10);
    store = ctx.store;
    [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    expect(result!.error).toContain('developer token in GOOGLE_ADS_DEVELOPER_TOKEN was refused (authentication_error DEVELOPER_TOKEN_INVALID');
    await store.close();

    mockToken();
    searchStream(CUSTOMER_US, 'customer', { loginCustomerId: null }).reply(403, fixture('error-user-permission-denied.json') as object);
    ctx = await setup(sourceYaml(), SEPT_10);
    store = ctx.store;
    [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    expect(result!.error).toContain('refresh token in GOOGLE_ADS_REFRESH_TOKEN has no direct access to this customer');
    expect(result!.error).toContain('set login_customer_id');
    expect(ctx.sleeps).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('does not query days beyond the 37 months Google keeps, and keeps what was stored', async () => {
    const scopes = [mockToken(), searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object)];
    const ctx = await setup(sourceYaml(MCC_LINE), () => new Date('2025-06-01T12:00:00Z'));
    store = ctx.store;
    const [result] = await ctx.runner.runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    for (const s of scopes) s.done();
    expect(result!.status).toBe('ok');
    const log = await store.db.selectFrom('ingest_run_log').select('error').executeTakeFirstOrThrow();
    expect(log.error).toContain('keeps daily metrics for 37 months: days before 2022-05-01 cannot be queried');
  });
});

describe('pauta check for Google Ads', () => {
  it('reports each customer’s time zone and currency, the manager, and a customer that is not enabled', async () => {
    const scopes = [
      mockToken(),
      searchStream(MANAGER_ID, 'customer').reply(200, [
        { results: [{ customer: { resourceName: `customers/${MANAGER_ID}`, id: MANAGER_ID, descriptiveName: 'Agencia MCC', currencyCode: 'USD', timeZone: 'America/Mexico_City', manager: true, status: 'ENABLED' } }], fieldMask: 'customer.id', requestId: 'm1' },
      ]),
      searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object),
      searchStream(CUSTOMER_ES, 'customer').reply(403, fixture('error-customer-not-enabled.json') as object),
    ];
    const ctx = await setup(sourceYaml(MCC_LINE, [CUSTOMER_US, CUSTOMER_ES]), SEPT_10);
    store = ctx.store;
    const cfg = ctx.config.sources[0] as GoogleAdsSourceConfig;
    const connectorCtx = makeContext(cfg, { store, log: silentLogger(), env: ENV, sleep: async () => undefined, now: SEPT_10 }, silentLogger());
    const session = googleAdsConnector.open(cfg, connectorCtx);
    const check = await session.check();
    await session.close();
    for (const s of scopes) s.done();
    expect(check.ok).toBe(false);
    expect(check.lines).toEqual([
      { ok: true, subject: 'OAuth', detail: 'access token issued for the refresh token in GOOGLE_ADS_REFRESH_TOKEN' },
      { ok: true, subject: `login_customer_id ${MANAGER_ID}`, detail: 'manager account "Agencia MCC"' },
      { ok: true, subject: `customer ${CUSTOMER_US}`, detail: '"Campañas Exterior": time zone America/Los_Angeles, currency USD' },
      { ok: false, subject: `customer ${CUSTOMER_ES}`, detail: expect.stringContaining('is not enabled') },
    ]);
  });
});
