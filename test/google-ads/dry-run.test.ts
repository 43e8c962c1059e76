// `backfill --dry-run` for Google Ads: daily metrics are kept for 37 months, so a window starting
// earlier is not queried (the connector skips it and keeps stored rows). The dry run marks such
// windows instead of promising requests for them. Nothing here touches the network.
import { afterEach, describe, expect, it } from 'vitest';
import { planDryRun, renderDryRun } from '../../src/cli/ingest-commands.ts';
import type { App } from '../../src/cli/app.ts';
import { silentLogger } from '../../src/core/log.ts';
import { CUSTOMER_ES, CUSTOMER_US, configFor, registry, sourceYaml } from './helpers.ts';
import { openTestStore } from '../helpers/app.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.store.close();
  app = undefined;
});

async function appWith(customerIds: string[]): Promise<App> {
  const config = configFor(sourceYaml('', customerIds));
  const store = await openTestStore();
  await store.syncTargets(targetAssignment(config.targets));
  return { config, store, log: silentLogger(), registry, dbPath: store.file };
}

describe('backfill --dry-run, Google Ads retention', () => {
  it('the 2021 campaign period, seen from late 2026: every window marked, no requests promised', async () => {
    app = await appWith([CUSTOMER_US, CUSTOMER_ES]);
    const range = { from: '2021-09-01', to: '2021-12-31' };
    const [plan] = await planDryRun(app, range, undefined, new Date('2026-11-30T06:00:00Z'));
    expect(plan!.windows.map((w) => [w.window.from, w.requests, w.beyondRetention])).toEqual([
      ['2021-09-01', 0, { accounts: 1, of: 1 }],
      ['2021-10-02', 0, { accounts: 1, of: 1 }],
      ['2021-11-02', 0, { accounts: 1, of: 1 }],
      ['2021-12-03', 0, { accounts: 1, of: 1 }],
    ]);
    expect(plan!.requests).toBe(0);
    // Before the first run the accounts' zones are unknown: the westernmost (UTC−12) is assumed,
    // where it is still Nov 29, so 37 months back is 2023-10-29.
    expect(plan!.retention).toEqual({ rule: 'Google Ads keeps daily metrics for 37 months', earliest: '2023-10-29' });
    expect(renderDryRun(range, [plan!])).toBe(
      [
        'dry run: backfill 2021-09-01..2021-12-31; nothing is fetched or written',
        'google-ads (google_ads): 4 window(s), 0 request(s)',
        "  Google Ads keeps daily metrics for 37 months: an account's window starting before 2023-10-29 is not queried and its stored rows are kept (--from 2023-10-29 or later reads every day)",
        '  2021-09-01..2021-10-01   31 day(s)  not queried (beyond retention)',
        '  2021-10-02..2021-11-01   31 day(s)  not queried (beyond retention)',
        '  2021-11-02..2021-12-02   31 day(s)  not queried (beyond retention)',
        '  2021-12-03..2021-12-31   29 day(s)  not queried (beyond retention)',
        '',
      ].join('\n'),
    );
  });

  it('at the edge the customers\' zones disagree by a day: only the one past it is not queried', async () => {
    app = await appWith([CUSTOMER_US, CUSTOMER_ES]);
    // 03:00 UTC on 2025-01-15: still Jan 14 in Los Angeles (earliest 2021-12-14), Jan 15 in Madrid (2021-12-15).
    await app.store.saveAccounts('google-ads', [
      { accountId: CUSTOMER_US, timeZone: 'America/Los_Angeles' },
      { accountId: CUSTOMER_ES, timeZone: 'Europe/Madrid' },
    ], '2025-01-14T00:00:00.000Z');
    const range = { from: '2021-12-13', to: '2022-01-20' };
    const [plan] = await planDryRun(app, range, undefined, new Date('2025-01-15T03:00:00Z'));
    expect(plan!.windows.map((w) => [w.window.from, w.window.to, w.requests, w.beyondRetention])).toEqual([
      ['2021-12-13', '2022-01-12', 0, { accounts: 2, of: 2 }],
      ['2022-01-13', '2022-01-20', 6, undefined],
    ]);
    expect(plan!.retention).toEqual({ rule: 'Google Ads keeps daily metrics for 37 months', earliest: '2021-12-15' });

    const [edge] = await planDryRun(app, { from: '2021-12-14', to: '2021-12-20' }, undefined, new Date('2025-01-15T03:00:00Z'));
    expect(edge!.windows.map((w) => [w.window.from, w.requests, w.beyondRetention])).toEqual([['2021-12-14', 6, { accounts: 1, of: 2 }]]);
    expect(renderDryRun({ from: '2021-12-14', to: '2021-12-20' }, [edge!])).toContain(
      '  2021-12-14..2021-12-20    7 day(s)  6 request(s); 1 of 2 account(s) not queried (beyond retention)\n',
    );
  });

  it('a range inside the 37 months is planned as before, with no retention line', async () => {
    app = await appWith([CUSTOMER_US]);
    const range = { from: '2026-09-01', to: '2026-09-30' };
    const [plan] = await planDryRun(app, range, undefined, new Date('2026-11-30T06:00:00Z'));
    expect(plan!.windows.map((w) => [w.window.from, w.requests, w.beyondRetention])).toEqual([['2026-09-01', 3, undefined]]);
    expect(plan!.retention).toBeUndefined();
    expect(renderDryRun(range, [plan!])).not.toContain('not queried');
  });
});
