// End to end over loopback HTTP: the real Runner drives the X Ads connector (twitter-api-v2,
// OAuth 1.0a signatures, async jobs, gzip downloads) against the sandbox, and what lands in
// SQLite must equal the simulated world exactly, per campaign-day and per place.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { TwitterApi, ApiResponseError } from 'twitter-api-v2';
import http from 'node:http';
import { xAdsConnector } from '../../src/connectors/x-ads/index.ts';
import { startSandboxServer, type RunningSandbox } from '../../src/sandbox/http.ts';
import { SIM_PERIOD, simCampaigns, simDays } from '../../src/sandbox/world.ts';
import { X_SANDBOX_CREDENTIALS, xAdsDemoSource, xAdsSandbox } from '../../src/sandbox/x-ads.ts';
import type { Store } from '../../src/store/store.ts';
import { registerCheckCommand } from '../../src/cli/check-command.ts';
import { TARGETS_YAML, configWith, openTestStore, tempDir, testRunner } from '../helpers/app.ts';

const registry = new Map([[xAdsConnector.platform, xAdsConnector]]);

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandboxServer([xAdsSandbox]);
});
afterAll(async () => {
  await sandbox?.close();
});

function sourceYaml(source: Record<string, unknown>): string {
  return stringify([source]).replace(/^/gm, '  ');
}

async function groundTruthMatches(store: Store, geoMethod: string): Promise<void> {
  const days = await store.db.selectFrom('campaign_days').select(['campaign_id', 'date', 'impressions', 'geo_method']).orderBy('date').execute();
  const geo = await store.db.selectFrom('geo_days').select(['campaign_id', 'date', 'country', 'region', 'impressions']).execute();
  const campaigns = simCampaigns('x_ads');
  const expectedDays = campaigns.flatMap((c) => simDays(c, SIM_PERIOD.from, SIM_PERIOD.to).map((d) => ({ campaign_id: c.campaignId, date: d.date, impressions: d.impressions, geo_method: geoMethod })));
  expect(days).toEqual(expectedDays);
  const key = (r: { campaign_id: string; date: string; country: string; region: string }) => `${r.campaign_id}|${r.date}|${r.country}|${r.region}`;
  const expectedGeo = new Map(
    campaigns.flatMap((c) => simDays(c, SIM_PERIOD.from, SIM_PERIOD.to).flatMap((d) => d.geo.map((g) => [key({ campaign_id: c.campaignId, date: d.date, ...g }), g.impressions] as const))),
  );
  expect(new Map(geo.map((r) => [key(r), r.impressions]))).toEqual(expectedGeo);
}

describe('X Ads against the sandbox', () => {
  it('backfills Sept–Dec 2021 with REGIONS jobs and stores the world exactly, DST included', async () => {
    const demo = xAdsDemoSource(sandbox.baseUrl);
    const config = configWith(sourceYaml(demo.source), registry);
    const store = await openTestStore();
    try {
      sandbox.ctx.faults.arm('x_ads.job_slow', 2);
      sandbox.ctx.faults.arm('x_ads.rate_limit', 1);
      // The real clock: the sandbox's x-rate-limit-reset is real time (the runner's sleep is not).
      const waits: number[] = [];
      const [r] = await testRunner(config, registry, store, { env: demo.env, sleep: async (ms) => void waits.push(ms) }).runAll(
        { kind: 'backfill', from: SIM_PERIOD.from, to: SIM_PERIOD.to },
        'r1',
        'backfill',
      );
      expect(r!.error).toBeUndefined();
      // The 429 waited for the reset (~60 s), not a blind backoff.
      expect(waits.some((ms) => ms > 55_000 && ms <= 62_000)).toBe(true);
      expect(r).toMatchObject({ status: 'ok', windowsDone: 3 });
      await groundTruthMatches(store, 'regions');
      // California and Canada are different places.
      const places = await store.db.selectFrom('geo_days').select(['country', 'region']).distinct().orderBy('country').orderBy('region').execute();
      expect(places).toContainEqual({ country: 'US', region: 'US-CA' });
      expect(places).toContainEqual({ country: 'CA', region: 'CA-ON' });
      expect(places.some((p) => p.region === 'CA')).toBe(false);
      // Downloads carry no credentials.
      const downloads = sandbox.ctx.requests.filter((q) => q.url.pathname.startsWith('/downloads/'));
      expect(downloads.length).toBeGreaterThan(0);
      expect(downloads.every((q) => q.headers.authorization === undefined)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('gives the same geography through each line item’s targeted location', async () => {
    const demo = xAdsDemoSource(sandbox.baseUrl);
    const source = { ...demo.source, id: 'x-ads-targeting', geo: { strategy: 'targeting', countries: ['US', 'CA', 'ES'] } };
    const config = configWith(sourceYaml(source), registry);
    const store = await openTestStore();
    try {
      const [r] = await testRunner(config, registry, store, { env: demo.env }).runAll(
        { kind: 'backfill', from: SIM_PERIOD.from, to: SIM_PERIOD.to },
        'r1',
        'backfill',
      );
      expect(r!.error).toBeUndefined();
      await groundTruthMatches(store, 'targeting');
    } finally {
      await store.close();
    }
  });

  it('an API without REGIONS fails the source, names the targeting strategy and stores nothing', async () => {
    const demo = xAdsDemoSource(sandbox.baseUrl);
    const config = configWith(sourceYaml(demo.source), registry);
    const store = await openTestStore();
    try {
      sandbox.ctx.faults.arm('x_ads.regions_unavailable', 1);
      const [r] = await testRunner(config, registry, store, { env: demo.env }).runAll({ kind: 'backfill', from: '2021-11-01', to: '2021-11-14' }, 'r1', 'backfill');
      expect(r!.status).toBe('failed');
      expect(r!.error).toContain('set geo.strategy: targeting');
      expect(await store.db.selectFrom('geo_days').selectAll().execute()).toEqual([]);
      expect(await store.db.selectFrom('campaign_days').selectAll().execute()).toEqual([]);
    } finally {
      sandbox.ctx.faults.clear();
      await store.close();
    }
  });

  it('rejects, as X does, a DAY range that does not start at the account’s local midnight', async () => {
    const client = new TwitterApi(
      { appKey: X_SANDBOX_CREDENTIALS.consumerKey, appSecret: X_SANDBOX_CREDENTIALS.consumerSecret, accessToken: X_SANDBOX_CREDENTIALS.accessToken, accessSecret: X_SANDBOX_CREDENTIALS.accessSecret },
      { httpAgent: new http.Agent() },
    );
    // Midnight UTC is 17:00 the day before in Los Angeles.
    const error = await client.ads
      .get('stats/accounts/18ce54d4x5t', {
        entity: 'CAMPAIGN', entity_ids: 'f2qqv', start_time: '2021-11-01T00:00:00Z', end_time: '2021-11-02T00:00:00Z',
        granularity: 'DAY', metric_groups: 'ENGAGEMENT', placement: 'ALL_ON_TWITTER',
      }, { prefix: `${sandbox.baseUrl}/12/` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiResponseError);
    const e = error as ApiResponseError;
    expect(e.code).toBe(400);
    expect(e.data).toMatchObject({
      errors: [{ code: 'INVALID_TIME_WINDOW', parameter: 'start_time' }],
      request: { params: { start_time: '2021-11-01T00:00:00Z' } },
    });
  });

  it('refuses a request whose OAuth 1.0a signature was made with another secret', async () => {
    const client = new TwitterApi(
      { appKey: X_SANDBOX_CREDENTIALS.consumerKey, appSecret: 'not-the-secret', accessToken: X_SANDBOX_CREDENTIALS.accessToken, accessSecret: X_SANDBOX_CREDENTIALS.accessSecret },
      { httpAgent: new http.Agent() },
    );
    const error = (await client.ads.get('accounts/18ce54d4x5t', {}, { prefix: `${sandbox.baseUrl}/12/` }).catch((e: unknown) => e)) as ApiResponseError;
    expect(error.code).toBe(401);
    expect(error.data).toMatchObject({ errors: [{ code: 'UNAUTHORIZED_ACCESS' }] });
  });

  it('pauta check prints each account’s name and time zone', async () => {
    const demo = xAdsDemoSource(sandbox.baseUrl);
    const dir = tempDir();
    const file = path.join(dir, 'pauta.yaml');
    writeFileSync(file, `sources:\n${sourceYaml(demo.source)}\n${TARGETS_YAML}`);
    for (const [k, v] of Object.entries(demo.env)) vi.stubEnv(k, v);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const program = new Command('pauta').option('--config <file>').option('--db <file>').option('--log-level <level>').exitOverride();
      registerCheckCommand(program);
      await program.parseAsync(['node', 'pauta', 'check', '--config', file, '--db', path.join(dir, 'p.sqlite'), '--log-level', 'silent']);
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      process.exitCode = undefined;
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    }
    const text = out.join('');
    expect(text).toContain('source x-ads (x_ads): ok');
    expect(text).toContain('✓ account 18ce54d4x5t: Consulados en X (sandbox), time zone America/Los_Angeles');
    expect(text).not.toContain(demo.env.PAUTA_SANDBOX_X_CONSUMER_SECRET!);
  });
});
