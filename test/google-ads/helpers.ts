// Shared setup for the Google Ads tests: the source as it would be configured, its credentials,
// recorded searchStream bodies, and nock interceptors on the two hosts the connector talks to.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { parseConfig, type PautaConfig } from '../../src/config/load.ts';
import { googleAdsConnector } from '../../src/connectors/google-ads/index.ts';
import type { Connector } from '../../src/connectors/types.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import type { Store } from '../../src/store/store.ts';
import { openTestStore, testRunner } from '../helpers/app.ts';

export const ADS_HOST = 'https://googleads.googleapis.com';
export const TOKEN_HOST = 'https://oauth2.googleapis.com';
export const SEARCH_STREAM = (customerId: string) => `/v25/customers/${customerId}/googleAds:searchStream`;

export const MANAGER_ID = '9998887776';
export const CUSTOMER_US = '1234567890';
export const CUSTOMER_ES = '2345678901';
export const DISPLAY_CAMPAIGN = '16000101';
export const VIDEO_CAMPAIGN = '16000102';

export const ENV = {
  GOOGLE_ADS_DEVELOPER_TOKEN: 'test-developer-token-abc123',
  GOOGLE_ADS_CLIENT_ID: '123456789012-test.apps.googleusercontent.com',
  GOOGLE_ADS_CLIENT_SECRET: 'GOCSPX-test-client-secret',
  GOOGLE_ADS_REFRESH_TOKEN: '1//0test-refresh-token',
};
export const ACCESS_TOKEN = 'ya29.test-access-token';

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/google-ads', name), 'utf8'));
}

export const registry = new Map<string, Connector<any>>([['google_ads', googleAdsConnector]]);

/** The source entry; `extra` adds or overrides keys (YAML lines indented by four spaces). */
export function sourceYaml(extra = '', customerIds: string[] = [CUSTOMER_US]): string {
  return `
  - id: google-ads
    platform: google_ads
    developer_token_env: GOOGLE_ADS_DEVELOPER_TOKEN
    client_id_env: GOOGLE_ADS_CLIENT_ID
    client_secret_env: GOOGLE_ADS_CLIENT_SECRET
    refresh_token_env: GOOGLE_ADS_REFRESH_TOKEN
    customer_ids: [${customerIds.map((c) => `"${c}"`).join(', ')}]
${extra}`;
}

/** The plan's targets as config/pauta.yaml writes them for Google Ads. */
const TARGETS = `
targets:
  - id: programmatic
    name: Campaña en Programmatic
    projected: 517242
    period: { start: 2021-09-01, end: 2021-12-31 }
    countries: [US]
    focus_regions: [US-CA, US-TX, US-IL]
    include:
      - { platform: google_ads, channel: display }
  - id: social
    name: Campañas en YouTube y Twitter
    projected: 262963
    period: { start: 2021-09-01, end: 2021-12-31 }
    countries: [US, CA, ES]
    include:
      - { platform: google_ads, channel: youtube }
`;

export function configFor(source: string): PautaConfig {
  return parseConfig(`sources:${source}\n${TARGETS}`, 'test.yaml', registry);
}

export async function setup(source: string, now: () => Date) {
  const config = configFor(source);
  const store: Store = await openTestStore();
  await store.syncTargets(targetAssignment(config.targets));
  const sleeps: number[] = [];
  const runner = testRunner(config, registry, store, { now, env: ENV, sleep: async (ms) => void sleeps.push(ms) });
  return { config, store, runner, sleeps };
}

export function mockToken(): nock.Scope {
  return nock(TOKEN_HOST)
    .post('/token', (body: Record<string, string>) => body.grant_type === 'refresh_token' && body.refresh_token === ENV.GOOGLE_ADS_REFRESH_TOKEN && body.client_id === ENV.GOOGLE_ADS_CLIENT_ID)
    .reply(200, { access_token: ACCESS_TOKEN, expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/adwords' });
}

/** The resource a GAQL statement reads (`FROM campaign`). */
export function fromClause(query: string): string | undefined {
  return /\bFROM\s+([a-z_]+)/i.exec(query)?.[1];
}

export interface SearchOptions {
  /** The manager the request must go through (default MANAGER_ID); null: no header at all. */
  loginCustomerId?: string | null;
  /** Also require the query to match this. */
  query?: RegExp;
  /** Every query sent, for assertions. */
  seen?: string[];
}

/** Interceptor for one searchStream on `resource`, with the headers every call must carry. */
export function searchStream(customerId: string, resource: string, options: SearchOptions = {}): nock.Interceptor {
  const login = options.loginCustomerId === undefined ? MANAGER_ID : options.loginCustomerId;
  const reqheaders: Record<string, string> = {
    'developer-token': ENV.GOOGLE_ADS_DEVELOPER_TOKEN,
    authorization: `Bearer ${ACCESS_TOKEN}`,
  };
  if (login !== null) reqheaders['login-customer-id'] = login;
  const scope = nock(ADS_HOST, { reqheaders, ...(login === null ? { badheaders: ['login-customer-id'] } : {}) });
  return scope.post(SEARCH_STREAM(customerId), (body: { query?: string }) => {
    if (typeof body.query !== 'string' || fromClause(body.query) !== resource) return false;
    if (options.query && !options.query.test(body.query)) return false;
    options.seen?.push(body.query);
    return true;
  });
}

export const MCC_LINE = `    login_customer_id: "${MANAGER_ID.replace(/(\d{3})(\d{3})(\d{4})/, '$1-$2-$3')}"\n`;

/** The interceptors of one ordinary window for CUSTOMER_US: customer, totals, geography, geo ids. */
export function mockCustomerWindow(options: { geoView?: 'user_location_view' | 'geographic_view'; customer?: boolean; geoTargets?: boolean } = {}): nock.Scope[] {
  const scopes: nock.Scope[] = [];
  if (options.customer !== false) scopes.push(searchStream(CUSTOMER_US, 'customer').reply(200, fixture('customer-1234567890.json') as object));
  scopes.push(searchStream(CUSTOMER_US, 'campaign').reply(200, fixture('campaign-days.json') as object));
  const view = options.geoView ?? 'user_location_view';
  scopes.push(
    searchStream(CUSTOMER_US, view).reply(200, fixture(view === 'user_location_view' ? 'user-location-view.json' : 'geographic-view.json') as object),
  );
  if (options.geoTargets !== false) {
    scopes.push(searchStream(CUSTOMER_US, 'geo_target_constant').reply(200, fixture('geo-target-constants.json') as object));
  }
  return scopes;
}
