// A source that read nothing from an account (retention, a disabled account) still ends "ok", but
// its summary line says which windows were not read, so "0 row(s)" is not taken for no traffic.
import { afterEach, describe, expect, it } from 'vitest';
import { summarize } from '../../src/cli/ingest-commands.ts';
import type { Store } from '../../src/store/store.ts';
import { configWith, openTestStore, testRunner } from '../helpers/app.ts';
import { fakeConnector, steadyCampaign, type FakePlatform } from '../helpers/fake-connector.ts';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('backfill summary', () => {
  it('names the account windows a source skipped', async () => {
    const fake: FakePlatform = { days: () => [steadyCampaign('c1', 5)], windows: [] };
    const connector = fakeConnector(fake);
    const registry = new Map([[connector.platform, connector]]);
    const config = configWith(
      `
  - id: fake
    platform: test_fake
    accounts:
      - { id: "111", time_zone: America/Los_Angeles }
      - { id: "222", time_zone: Europe/Madrid }
`,
      registry,
    );
    store = await openTestStore();
    fake.skip = { accountId: '222', reason: 'CUSTOMER_NOT_ENABLED' };
    const runner = testRunner(config, registry, store, { now: () => new Date('2022-02-01T12:00:00Z') });
    const results = await runner.runAll({ kind: 'backfill', from: '2021-09-01', to: '2021-09-02' }, 'r1', 'backfill');
    expect(results[0]!.status).toBe('ok');
    const text = summarize(results);
    expect(text.split('\n')[1]).toBe('  1 account window(s) not read, stored rows kept — e.g. 2021-09-01..2021-09-02: account 222 skipped: CUSTOMER_NOT_ENABLED');
  });
});
