// `pauta check` for an X Ads source: the four OAuth 1.0a credentials are set and X accepts them,
// account by account (the printed command itself runs against the sandbox in sandbox.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { xAdsConnector } from '../../src/connectors/x-ads/index.ts';
import { xAdsSourceSchema } from '../../src/connectors/x-ads/config.ts';
import { makeContext } from '../../src/ingest/runner.ts';
import { silentLogger } from '../../src/core/log.ts';
import { configWith, openTestStore } from '../helpers/app.ts';
import { ENV, LA, fixture, registry, sourceYaml, xAds } from './helpers.ts';

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function checkWith(env: Record<string, string>) {
  const config = configWith(sourceYaml({ accounts: [LA, 'gq180y'] }), registry);
  const store = await openTestStore();
  try {
    const ctx = makeContext(config.sources[0]!, { store, log: silentLogger(), env }, silentLogger());
    const session = xAdsConnector.open(config.sources[0] as never, ctx);
    try {
      return await session.check();
    } finally {
      await session.close();
    }
  } finally {
    await store.close();
  }
}

describe('pauta check, X Ads', () => {
  it('names the environment variable of a missing credential', async () => {
    nock.disableNetConnect();
    const { X_ADS_ACCESS_TOKEN_SECRET: _missing, ...env } = ENV;
    const result = await checkWith(env);
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([
      { ok: false, subject: 'credentials', detail: 'X Ads: access token secret: environment variable X_ADS_ACCESS_TOKEN_SECRET is not set' },
    ]);
  });

  it('reports each account: one readable, one refused', async () => {
    nock.disableNetConnect();
    const scope = xAds()
      .get(`/12/accounts/${LA}`).reply(200, fixture('account-los-angeles.json'))
      .get('/12/accounts/gq180y').reply(403, { errors: [{ code: 'UNAUTHORIZED_ACCESS', message: 'The authenticating user is not authorized for this account' }], request: { params: { account_id: 'gq180y' } } });
    const result = await checkWith(ENV);
    scope.done();
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([
      { ok: true, subject: 'credentials', detail: 'OAuth 1.0a consumer key/secret and access token/secret are set' },
      { ok: true, subject: `account ${LA}`, detail: 'Consulados en X, time zone America/Los_Angeles' },
      { ok: false, subject: 'account gq180y', detail: 'X Ads account gq180y: HTTP 403 UNAUTHORIZED_ACCESS: The authenticating user is not authorized for this account' },
    ]);
  });
});

describe('backfill --dry-run estimate, X Ads', () => {
  it('counts the synchronous chunks and one REGIONS job per country', () => {
    const base = {
      id: 'x', platform: 'x_ads', account_ids: ['18ce54d4x5t'],
      consumer_key_env: 'A', consumer_secret_env: 'B', access_token_env: 'C', access_token_secret_env: 'D',
    };
    const regions = xAdsSourceSchema.parse({ ...base, geo: { strategy: 'regions', countries: ['US', 'CA', 'ES'] } });
    // 14 days: 3 synchronous chunks (a DST week may split) + account + campaign page + 3 jobs × 4.
    expect(xAdsConnector.estimateRequests!(regions, { from: '2021-11-01', to: '2021-11-14' })).toBe(2 + 3 + 12);
    const targeting = xAdsSourceSchema.parse({ ...base, geo: { strategy: 'targeting', countries: ['US'] } });
    expect(xAdsConnector.estimateRequests!(targeting, { from: '2021-11-01', to: '2021-11-14' })).toBe(2 + 3 + 2 + 3);
  });
});
