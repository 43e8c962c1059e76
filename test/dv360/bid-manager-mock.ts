// nock for Bid Manager v2 and the hosts around it (Google's token endpoint, the signed report
// download), answering with the documented shapes in test/fixtures/dv360/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { dv360Connector } from '../../src/connectors/dv360/index.ts';
import type { Store } from '../../src/store/store.ts';
import { configWith, testRunner } from '../helpers/app.ts';

export const API = 'https://doubleclickbidmanager.googleapis.com';
export const TOKEN_HOST = 'https://oauth2.googleapis.com';
export const STORAGE = 'https://storage.googleapis.com';
/** The signed URL of report-done.json, path and query exactly as the API gives them. */
export const SIGNED_PATH =
  '/dv360-reports-prod/1234567/pauta-dv360_7654321.csv?GoogleAccessId=reports@dv360-prod.iam.gserviceaccount.com&Expires=1631282607&Signature=Jq3v+Kc0/Wf8sLr+Vd2/aQ==';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/dv360');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixture(name)) as T;
}

export const registry = new Map([[dv360Connector.platform, dv360Connector]]);

export const ENV = {
  DV360_CLIENT_ID: '123456789012-abcdef.apps.googleusercontent.com',
  DV360_CLIENT_SECRET: 'GOCSPX-test-client-secret',
  DV360_REFRESH_TOKEN: '1//0g-test-refresh-token',
};

export function sourceYaml(extra = ''): string {
  return `
  - id: dv360
    platform: dv360
    credentials:
      client_id_env: DV360_CLIENT_ID
      client_secret_env: DV360_CLIENT_SECRET
      refresh_token_env: DV360_REFRESH_TOKEN
    advertisers:
      - { id: "4455667", time_zone: America/Chicago }
${extra}`;
}

export function dv360Config(extra = '') {
  return configWith(sourceYaml(extra), registry);
}

/** The refresh-token grant at Google's token endpoint. */
export function mockToken(): nock.Scope {
  return nock(TOKEN_HOST)
    .post('/token', (body: Record<string, string>) => body.grant_type === 'refresh_token' && body.refresh_token === ENV.DV360_REFRESH_TOKEN)
    .reply(200, fixtureJson('token.json'));
}

const customDates = (from: [number, number, number], to: [number, number, number]) => ({
  range: 'CUSTOM_DATES',
  customStartDate: { year: from[0], month: from[1], day: from[2] },
  customEndDate: { year: to[0], month: to[1], day: to[2] },
});

export const SEPT_1_2 = customDates([2021, 9, 1], [2021, 9, 2]);

/** queries.create with the connector's v2 query (checked field by field) → query-created.json. */
export function mockCreate(api: nock.Scope, queryId = '1234567'): nock.Scope {
  return api
    .post('/v2/queries', (body: { metadata: { format: string; dataRange: { range: string } }; params: { type: string; groupBys: string[]; metrics: string[]; filters: unknown[] }; schedule: { frequency: string } }) =>
      body.metadata.format === 'CSV' &&
      body.metadata.dataRange.range === 'CUSTOM_DATES' &&
      body.params.type === 'STANDARD' &&
      ['FILTER_DATE', 'FILTER_LINE_ITEM', 'FILTER_LINE_ITEM_TYPE', 'FILTER_COUNTRY', 'FILTER_REGION_NAME'].every((g) => body.params.groupBys.includes(g)) &&
      body.params.metrics.includes('METRIC_IMPRESSIONS') &&
      JSON.stringify(body.params.filters) === JSON.stringify([{ type: 'FILTER_ADVERTISER', value: '4455667' }]) &&
      body.schedule.frequency === 'ONE_TIME',
    )
    .reply(200, { ...fixtureJson('query-created.json'), queryId });
}

/** queries.run (asynchronous) over the window → the report in QUEUED. */
export function mockRun(api: nock.Scope, queryId = '1234567', dataRange: Record<string, unknown> = SEPT_1_2): nock.Scope {
  return api
    .post(`/v2/queries/${queryId}:run`, (body: unknown) => JSON.stringify(body) === JSON.stringify({ dataRange }))
    .query({ synchronous: 'false' })
    .reply(200, () => {
      const report = fixtureJson<{ key: { queryId: string } }>('report-queued.json');
      report.key.queryId = queryId;
      return report;
    });
}

/** reports.get answering each fixture in turn (report-running.json, report-done.json, ...). */
export function mockPolls(api: nock.Scope, states: string[], queryId = '1234567'): nock.Scope {
  for (const name of states) {
    api.get(`/v2/queries/${queryId}/reports/7654321`).reply(200, () => {
      const report = fixtureJson<{ key: { queryId: string } }>(name);
      report.key.queryId = queryId;
      return report;
    });
  }
  return api;
}

/** The signed download: exact path and signature, and no Authorization header. */
export function mockDownload(csv: string): nock.Scope {
  return nock(STORAGE, { badheaders: ['authorization'] })
    .get((uri) => uri === SIGNED_PATH)
    .reply(200, csv, { 'content-type': 'text/csv' });
}

export interface RunOutcome {
  sleeps: number[];
}

/** Backfills a window through the real Runner, with waits recorded instead of waited. */
export async function backfill(store: Store, from: string, to: string, config = dv360Config()) {
  const sleeps: number[] = [];
  const runner = testRunner(config, registry, store, {
    now: () => new Date('2022-02-01T12:00:00Z'),
    env: ENV,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const [result] = await runner.runAll({ kind: 'backfill', from, to }, 'r1', 'backfill');
  return { result: result!, sleeps };
}
