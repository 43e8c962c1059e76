// Shared pieces of the X Ads tests: fixtures, the source's YAML, a runner with the four OAuth
// credentials in its environment, and builders for X's response envelopes.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { xAdsConnector } from '../../src/connectors/x-ads/index.ts';
import type { RunnerDeps } from '../../src/ingest/runner.ts';
import type { Store } from '../../src/store/store.ts';
import { configWith, openTestStore, testRunner } from '../helpers/app.ts';

export const ADS_HOST = 'https://ads-api.x.com';
export const TON_HOST = 'https://ton.twimg.com';
export const LA = '18ce54d4x5t';
export const MADRID = 'gq180y';
export const US_VALUE = '96683cc9126741d1';
export const CA_VALUE = '3376992a082d67c7';

export const ENV = {
  X_ADS_CONSUMER_KEY: 'test-consumer-key',
  X_ADS_CONSUMER_SECRET: 'test-consumer-secret',
  X_ADS_ACCESS_TOKEN: '1450000000000000000-test-access-token',
  X_ADS_ACCESS_TOKEN_SECRET: 'test-access-token-secret',
};

export const registry = new Map([[xAdsConnector.platform, xAdsConnector]]);

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/x-ads/${name}`, import.meta.url), 'utf8')) as T;
}

export function gzipFixture(name: string): Buffer {
  return gzipSync(readFileSync(new URL(`../fixtures/x-ads/${name}`, import.meta.url)));
}

export interface SourceOptions {
  accounts?: string[];
  strategy?: 'regions' | 'targeting';
  countries?: string[];
  extra?: string;
}

export function sourceYaml(o: SourceOptions = {}): string {
  return `
  - id: x-ads
    platform: x_ads
    account_ids: [${(o.accounts ?? [LA]).map((a) => `"${a}"`).join(', ')}]
    consumer_key_env: X_ADS_CONSUMER_KEY
    consumer_secret_env: X_ADS_CONSUMER_SECRET
    access_token_env: X_ADS_ACCESS_TOKEN
    access_token_secret_env: X_ADS_ACCESS_TOKEN_SECRET
    geo:
      strategy: ${o.strategy ?? 'regions'}
      countries: [${(o.countries ?? ['US']).join(', ')}]
${o.extra ?? ''}`;
}

export interface Harness {
  store: Store;
  waits: number[];
  run(from: string, to: string): ReturnType<ReturnType<typeof testRunner>['runSource']>;
}

/** A runner over a fresh database whose clock is fixed and whose waits are recorded, not slept. */
export async function harness(o: SourceOptions = {}, deps: Partial<RunnerDeps> = {}): Promise<Harness> {
  const config = configWith(sourceYaml(o), registry);
  const store = await openTestStore();
  const waits: number[] = [];
  const runner = testRunner(config, registry, store, {
    env: ENV,
    now: () => new Date('2021-11-20T12:00:00Z'),
    sleep: async (ms) => void waits.push(ms),
    ...deps,
  });
  let n = 0;
  return {
    store,
    waits,
    run: (from, to) => runner.runSource(config.sources[0]!, { kind: 'backfill', from, to }, `r${++n}`, 'backfill'),
  };
}

/** Collects the URL of every request a scope answers. */
export function recordUrls(scope: nock.Scope, into: URL[]): nock.Scope {
  return scope.on('request', (req: { url: string }) => void into.push(new URL(req.url)));
}

export function xAds() {
  return nock(ADS_HOST);
}

/** GET accounts/:id, campaigns (one page) and the country targeting lookups most tests start with. */
export function accountAndCampaigns(account = LA, campaigns = 'campaign-single.json') {
  return xAds()
    .get(`/12/accounts/${account}`)
    .reply(200, fixture(account === LA ? 'account-los-angeles.json' : 'account-madrid.json'))
    .get(`/12/accounts/${account}/campaigns`)
    .query({ with_deleted: 'true', count: '1000' })
    .reply(200, fixture(campaigns));
}

export function countryLookup(cc: string) {
  return xAds()
    .get('/12/targeting_criteria/locations')
    .query({ location_type: 'COUNTRIES', country_code: cc, count: '1000' })
    .reply(200, fixture(`locations-countries-${cc.toLowerCase()}.json`));
}

export interface EntitySeries {
  id: string;
  impressions: (number | null)[] | null;
  clicks?: (number | null)[] | null;
  segments?: { name: string; value: string | null; impressions: (number | null)[] }[];
}

/** A stats body as the sync endpoint (or a job's file) returns it. */
export function statsBody(q: Record<string, string>, days: number, series: EntitySeries[]) {
  return {
    data_type: 'stats',
    time_series_length: days,
    data: series.map((s) => ({
      id: s.id,
      id_data: s.segments
        ? s.segments.map((g) => ({ segment: { segment_name: g.name, segment_value: g.value }, metrics: { impressions: g.impressions, engagements: null, clicks: null } }))
        : [{ segment: null, metrics: { impressions: s.impressions, engagements: null, clicks: s.clicks ?? null, likes: null, retweets: null } }],
    })),
    request: {
      params: {
        ...q,
        entity_ids: (q.entity_ids ?? '').split(','),
        metric_groups: ['ENGAGEMENT'],
        segmentation_type: q.segmentation_type ?? null,
        country: q.country ?? null,
        platform: null,
      },
    },
  };
}

/** The query of a DAY-granularity stats request. */
export function statsQuery(entity: string, ids: string[], start: string, end: string, extra: Record<string, string> = {}) {
  return { entity, entity_ids: ids.join(','), start_time: start, end_time: end, granularity: 'DAY', metric_groups: 'ENGAGEMENT', placement: 'ALL_ON_TWITTER', ...extra };
}

/** A job object as POST/GET stats/jobs return it. */
export function jobObject(id: string, status: string, q: Record<string, string>, accountId = LA) {
  return {
    start_time: q.start_time,
    segmentation_type: q.segmentation_type ?? null,
    url: status === 'SUCCESS' ? `${TON_HOST}/advertiser-api-async-analytics/stats_job_${id}.json.gz` : null,
    id_str: id,
    entity_ids: (q.entity_ids ?? '').split(','),
    end_time: q.end_time,
    country: q.country ?? null,
    placement: q.placement,
    // The rounded number X's JSON gives; clients must use id_str.
    id: Number(id),
    expires_at: status === 'SUCCESS' ? '2021-11-22T12:00:00Z' : null,
    account_id: accountId,
    status,
    granularity: 'DAY',
    entity: q.entity,
    created_at: '2021-11-20T12:00:00Z',
    platform: null,
    updated_at: '2021-11-20T12:00:00Z',
    metric_groups: ['ENGAGEMENT'],
  };
}

export async function storedDays(store: Store) {
  return store.db.selectFrom('campaign_days').select(['account_id', 'campaign_id', 'date', 'impressions', 'clicks', 'geo_method']).orderBy('account_id').orderBy('campaign_id').orderBy('date').execute();
}

export async function storedGeo(store: Store, date?: string) {
  let q = store.db.selectFrom('geo_days').select(['campaign_id', 'date', 'country', 'region', 'impressions']);
  if (date) q = q.where('date', '=', date);
  return q.orderBy('campaign_id').orderBy('date').orderBy('country').orderBy('region').execute();
}
