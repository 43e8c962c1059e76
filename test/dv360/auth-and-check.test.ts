// Credentials (service-account key file, OAuth refresh token), the endpoint override for every
// host the connector talks to, and `pauta check`.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { dv360Connector } from '../../src/connectors/dv360/index.ts';
import type { Dv360Config } from '../../src/connectors/dv360/config.ts';
import { silentLogger } from '../../src/core/log.ts';
import { makeContext } from '../../src/ingest/runner.ts';
import type { Store } from '../../src/store/store.ts';
import { configWith, openTestStore, tempDir, testRunner } from '../helpers/app.ts';
import { API, ENV, STORAGE, SIGNED_PATH, TOKEN_HOST, dv360Config, fixture, fixtureJson, mockToken, registry } from './bid-manager-mock.ts';

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

function serviceAccountKeyFile(): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const file = path.join(tempDir(), 'dv360-key.json');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'service_account',
      project_id: 'pauta-reports',
      private_key_id: 'a1b2c3d4e5f6',
      private_key: privateKey,
      client_email: 'pauta-dv360@pauta-reports.iam.gserviceaccount.com',
      client_id: '112233445566778899',
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
  );
  return file;
}

describe('dv360 credentials and endpoints', () => {
  it('a service-account key file signs a JWT grant sent to the overridden token endpoint; the API goes to the overridden root', async () => {
    const SANDBOX = 'http://dv360-sandbox.internal:8080';
    const config = configWith(
      `
  - id: dv360
    platform: dv360
    credentials: { service_account_key_file_env: DV360_KEY_FILE }
    advertisers: [{ id: "4455667", time_zone: America/Chicago }]
    endpoint: { api: "${SANDBOX}", token: "${SANDBOX}/oauth/token" }
`,
      registry,
    );
    const token = nock(SANDBOX)
      .post('/oauth/token', (body: Record<string, string>) => body.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && body.assertion?.split('.').length === 3)
      .reply(200, fixtureJson('token.json'));
    const api = nock(SANDBOX, { reqheaders: { authorization: 'Bearer ya29.a0AfB_test-access-token' } })
      .post('/v2/queries')
      .reply(200, fixtureJson('query-created.json'))
      .post('/v2/queries/1234567:run')
      .query({ synchronous: 'false' })
      .reply(200, fixtureJson('report-queued.json'))
      .get('/v2/queries/1234567/reports/7654321')
      .reply(200, fixtureJson('report-done.json'));
    const download = nock(STORAGE, { badheaders: ['authorization'] }).get((uri) => uri === SIGNED_PATH).reply(200, fixture('report-empty.csv'));

    const runner = testRunner(config, registry, store, {
      now: () => new Date('2022-02-01T12:00:00Z'),
      env: { DV360_KEY_FILE: serviceAccountKeyFile() },
    });
    const [result] = await runner.runAll({ kind: 'backfill', from: '2021-09-01', to: '2021-09-02' }, 'r1', 'backfill');
    token.done();
    api.done();
    download.done();
    expect(result).toMatchObject({ status: 'ok' });
  });

  it('a missing key file fails the source with the variable and the path, not a stack of library errors', async () => {
    const config = configWith(
      `
  - id: dv360
    platform: dv360
    credentials: { service_account_key_file_env: DV360_KEY_FILE }
    advertisers: [{ id: "4455667", time_zone: America/Chicago }]
`,
      registry,
    );
    const runner = testRunner(config, registry, store, { now: () => new Date('2022-02-01T12:00:00Z'), env: { DV360_KEY_FILE: '/nonexistent/key.json' } });
    const [result] = await runner.runAll({ kind: 'backfill', from: '2021-09-01', to: '2021-09-02' }, 'r1', 'backfill');
    expect(result!.status).toBe('failed');
    expect(result!.error).toContain('/nonexistent/key.json (from DV360_KEY_FILE) cannot be read: ENOENT');
  });

  it('the config takes variable names, never secrets, and either advertisers or a partner', () => {
    expect(() =>
      configWith(
        `
  - id: dv360
    platform: dv360
    credentials: { client_id_env: DV360_CLIENT_ID, client_secret_env: "GOCSPX-abc123", refresh_token_env: DV360_REFRESH_TOKEN }
    advertisers: [{ id: 4455667, time_zone: America/Chicago }]
`,
        registry,
      ),
    ).toThrow(/sources\[0\]\.credentials/);
    expect(() =>
      configWith(
        `
  - id: dv360
    platform: dv360
    credentials: { client_id_env: DV360_CLIENT_ID, client_secret_env: DV360_CLIENT_SECRET, refresh_token_env: DV360_REFRESH_TOKEN }
    advertisers: [{ id: 4455667, time_zone: America/Chicago }]
    partner: { id: 2100001, time_zone: America/Chicago }
`,
        registry,
      ),
    ).toThrow(/either advertisers .* or partner/);
    // Unquoted numeric ids are kept as digit strings.
    const cfg = dv360Config().sources[0] as Dv360Config;
    expect(cfg.advertisers).toEqual([{ id: '4455667', time_zone: 'America/Chicago' }]);
    expect(cfg.report_timeout_minutes).toBe(180);
  });
});

describe('pauta check for dv360', () => {
  function checkContext(config = dv360Config('      - { id: "7788990", time_zone: America/Chicago }')) {
    const cfg = config.sources[0] as Dv360Config;
    const ctx = makeContext(cfg, { store, log: silentLogger(), env: ENV, sleep: async () => undefined, now: () => new Date('2022-02-01T12:00:00Z') }, silentLogger());
    return { cfg, ctx };
  }

  it('verifies the credentials and access to each advertiser with a probe query it deletes again', async () => {
    const { cfg, ctx } = checkContext();
    const token = mockToken();
    const api = nock(API)
      .post('/v2/queries', (b: { params: { filters: unknown } }) => JSON.stringify(b.params.filters) === '[{"type":"FILTER_ADVERTISER","value":"4455667"}]')
      .reply(200, { ...fixtureJson('query-created.json'), queryId: '999001' })
      .delete('/v2/queries/999001')
      .reply(200, {})
      .post('/v2/queries', (b: { params: { filters: unknown } }) => JSON.stringify(b.params.filters) === '[{"type":"FILTER_ADVERTISER","value":"7788990"}]')
      .reply(403, { error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' } });
    const session = dv360Connector.open(cfg, ctx);
    const result = await session.check();
    await session.close();
    token.done();
    api.done();
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([
      { ok: true, subject: 'credentials', detail: expect.stringContaining('access token') },
      { ok: true, subject: 'saved query', detail: 'none yet: the first run creates it' },
      { ok: true, subject: 'advertiser 4455667', detail: expect.any(String) },
      { ok: false, subject: 'advertiser 7788990', detail: expect.stringContaining('PERMISSION_DENIED The caller does not have permission') },
    ]);
  });

  it('reports a revoked refresh token on the credentials line and stops there', async () => {
    const { cfg, ctx } = checkContext();
    const token = nock(TOKEN_HOST).post('/token').reply(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    const session = dv360Connector.open(cfg, ctx);
    const result = await session.check();
    await session.close();
    token.done();
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([{ ok: false, subject: 'credentials', detail: expect.stringContaining('invalid_grant') }]);
    expect(result.lines[0]!.detail).not.toContain(ENV.DV360_REFRESH_TOKEN);
  });
});
