// The runner's invariants (docs/ARCHITECTURE.md): idempotent, atomic per window, lookback restatements,
// catch-up, geo reconciliation.
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { FatalError, QuotaExhaustedError, TransientError } from '../src/core/errors.ts';
import type { Store } from '../src/store/store.ts';
import { fakeConnector, steadyCampaign, type FakePlatform } from './helpers/fake-connector.ts';
import { configWith, openTestStore, snapshot, testRunner } from './helpers/app.ts';

const SOURCE = `
  - id: fake
    platform: test_fake
    accounts:
      - { id: "111", time_zone: America/Los_Angeles }
`;

function setup(platform: Partial<FakePlatform> = {}) {
  const fake: FakePlatform = { days: () => [steadyCampaign('c1', 100)], windows: [], ...platform };
  const connector = fakeConnector(fake);
  const registry = new Map([[connector.platform, connector]]);
  const config = configWith(SOURCE, registry);
  return { fake, registry, config };
}

let store: Store;
afterEach(async () => {
  await store?.close();
});

const backfill = (from: string, to: string) => ({ kind: 'backfill' as const, from, to });
const AFTER_2021 = () => new Date('2022-02-01T12:00:00Z');

describe('runner', () => {
  it('re-running a window changes nothing', async () => {
    const { registry, config } = setup();
    store = await openTestStore();
    const runner = testRunner(config, registry, store, { now: AFTER_2021 });
    const first = await runner.runAll(backfill('2021-09-01', '2021-09-20'), 'r1', 'backfill');
    expect(first[0]).toMatchObject({ status: 'ok', windowsDone: 2 });
    const before = await snapshot(store);
    await runner.runAll(backfill('2021-09-01', '2021-09-20'), 'r2', 'backfill');
    expect(await snapshot(store)).toEqual(before);
    const total = await sql<{ n: number }>`SELECT SUM(impressions) AS n FROM impressions_daily`.execute(store.db);
    expect(total.rows[0]!.n).toBe(20 * 100);
  });

  it('a connector that throws mid-window leaves no row, no cursor move and a failed run', async () => {
    const { registry, config } = setup({
      failOn: { date: '2021-09-05', error: () => new FatalError('boom: the platform said no') },
    });
    store = await openTestStore();
    const runner = testRunner(config, registry, store, { now: AFTER_2021 });
    const [result] = await runner.runAll(backfill('2021-09-01', '2021-09-08'), 'r1', 'backfill');
    expect(result!.status).toBe('failed');
    expect(result!.error).toContain('boom: the platform said no');
    expect(result!.error).toContain('2021-09-01..2021-09-08');
    expect(await store.db.selectFrom('campaign_days').selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom('geo_days').selectAll().execute()).toEqual([]);
    expect(await store.getCursor('fake')).toBeUndefined();
    const runs = await store.db.selectFrom('ingest_run_log').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'failed', window_from: '2021-09-01', window_to: '2021-09-08' });
    expect(runs[0]!.error).toContain('boom');
  });

  it('a failure in a later window keeps the earlier windows and stops the cursor before it', async () => {
    const { registry, config } = setup({
      failOn: { date: '2021-09-15', error: () => new QuotaExhaustedError('daily quota spent') },
    });
    store = await openTestStore();
    const runner = testRunner(config, registry, store, { now: AFTER_2021 });
    const [result] = await runner.runAll(backfill('2021-09-01', '2021-09-30'), 'r1', 'backfill');
    expect(result).toMatchObject({ status: 'failed', windowsDone: 1 });
    expect(result!.error).toContain('quota exhausted');
    expect(await store.getCursor('fake')).toBe('2021-09-10');
  });

  it('the lookback re-pull overwrites a restated day', async () => {
    let restated = false;
    const { registry, config } = setup({
      days: (_a, date) => [steadyCampaign('c1', restated && date === '2021-09-29' ? 80 : 100)],
    });
    store = await openTestStore();
    // 2021-10-01 08:00 UTC is 01:00 on Oct 1 in Los Angeles: yesterday there is Sept 30.
    const now = () => new Date('2021-10-01T08:00:00Z');
    const runner = testRunner(config, registry, store, { now });
    await runner.runAll(backfill('2021-09-20', '2021-09-30'), 'r1', 'backfill');
    restated = true;
    const [result] = await runner.runAll({ kind: 'scheduled' }, 'r2', 'schedule');
    // lookback 3: Sept 28..30 re-pulled.
    expect(result!.windows).toEqual([{ from: '2021-09-28', to: '2021-09-30' }]);
    const day = await store.db.selectFrom('campaign_days').select('impressions').where('date', '=', '2021-09-29').executeTakeFirstOrThrow();
    expect(day.impressions).toBe(80);
    const geo = await sql<{ n: number }>`SELECT SUM(impressions) AS n FROM geo_days WHERE date = '2021-09-29'`.execute(store.db);
    expect(geo.rows[0]!.n).toBe(80);
  });

  it('catches up after a 5-day gap, and the lookback comes along', async () => {
    const { fake, registry, config } = setup();
    store = await openTestStore();
    let now = new Date('2021-10-01T12:00:00Z');
    const runner = testRunner(config, registry, store, { now: () => now });
    await runner.runAll({ kind: 'scheduled' }, 'r1', 'schedule');
    expect(await store.getCursor('fake')).toBe('2021-09-30');
    now = new Date('2021-10-06T12:00:00Z'); // down for five days
    fake.windows.length = 0;
    const [result] = await runner.runAll({ kind: 'scheduled' }, 'r2', 'schedule');
    expect(result!.windows).toEqual([{ from: '2021-09-28', to: '2021-10-05' }]);
    expect(await store.getCursor('fake')).toBe('2021-10-05');
    const days = await store.db.selectFrom('campaign_days').select('date').orderBy('date').execute();
    expect(days.map((d) => d.date)).toEqual(['2021-09-28', '2021-09-29', '2021-09-30', '2021-10-01', '2021-10-02', '2021-10-03', '2021-10-04', '2021-10-05']);
  });

  it('a backfill never moves the cursor backwards nor jumps over a gap', async () => {
    const { registry, config } = setup();
    store = await openTestStore();
    const runner = testRunner(config, registry, store, { now: AFTER_2021 });
    await runner.runAll(backfill('2021-09-01', '2021-09-30'), 'r1', 'backfill');
    await runner.runAll(backfill('2021-09-01', '2021-09-05'), 'r2', 'backfill');
    expect(await store.getCursor('fake')).toBe('2021-09-30');
    await runner.runAll(backfill('2021-10-10', '2021-10-12'), 'r3', 'backfill');
    expect(await store.getCursor('fake')).toBe('2021-09-30');
    await runner.runAll(backfill('2021-10-01', '2021-10-09'), 'r4', 'backfill');
    expect(await store.getCursor('fake')).toBe('2021-10-09');
  });

  it('adds an explicit ZZ remainder so geo rows add up to the campaign total', async () => {
    const { registry, config } = setup({ days: () => [steadyCampaign('c1', 101)] });
    store = await openTestStore();
    await testRunner(config, registry, store, { now: AFTER_2021 }).runAll(backfill('2021-09-01', '2021-09-01'), 'r1', 'backfill');
    const rows = await sql<{ country: string; region: string; impressions: number }>`
      SELECT country, region, impressions FROM impressions_daily ORDER BY country, region`.execute(store.db);
    expect(rows.rows).toEqual([
      { country: 'CA', region: '', impressions: 25 },
      { country: 'US', region: 'US-CA', impressions: 50 },
      { country: 'ZZ', region: '', impressions: 26 },
    ]);
  });

  it('fails the window when geo rows exceed the campaign total instead of double counting', async () => {
    const { registry, config } = setup({
      days: () => [{ ...steadyCampaign('c1', 10), geo: [{ country: 'US', region: 'US-TX', impressions: 11 }] }],
    });
    store = await openTestStore();
    const [r] = await testRunner(config, registry, store, { now: AFTER_2021 }).runAll(backfill('2021-09-01', '2021-09-01'), 'r1', 'backfill');
    expect(r!.status).toBe('failed');
    expect(r!.error).toContain('above the campaign total of 10');
  });

  it('fails the window naming the field when a connector yields a malformed day', async () => {
    const { registry, config } = setup({
      days: () => [{ ...steadyCampaign('c1', 10), impressions: -3 }],
    });
    store = await openTestStore();
    const [r] = await testRunner(config, registry, store, { now: AFTER_2021 }).runAll(backfill('2021-09-01', '2021-09-01'), 'r1', 'backfill');
    expect(r!.status).toBe('failed');
    expect(r!.error).toMatch(/source fake, window 2021-09-01\.\.2021-09-01 failed: campaign c1 on 2021-09-01: impressions: /);
  });

  it('retries transient errors through the one policy, then succeeds', async () => {
    let calls = 0;
    const { registry, config } = setup();
    const connector = registry.get('test_fake')!;
    const open = connector.open.bind(connector);
    connector.open = (cfg, ctx) => {
      const session = open(cfg, ctx);
      return {
        ...session,
        async *fetch(window, accounts) {
          await ctx.call('flaky', async () => {
            calls += 1;
            if (calls < 3) throw new TransientError('503 from the platform');
          });
          yield* session.fetch(window, accounts);
        },
      };
    };
    store = await openTestStore();
    const waits: number[] = [];
    const [r] = await testRunner(config, registry, store, { now: AFTER_2021, sleep: async (ms) => void waits.push(ms) }).runAll(
      backfill('2021-09-01', '2021-09-02'),
      'r1',
      'backfill',
    );
    expect(r!.status).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('a skipped account keeps its rows and is named in the run log', async () => {
    const { fake, registry } = setup();
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
    const runner = testRunner(config, registry, store, { now: AFTER_2021 });
    await runner.runAll(backfill('2021-09-01', '2021-09-02'), 'r1', 'backfill');
    fake.skip = { accountId: '222', reason: 'CUSTOMER_NOT_ENABLED' };
    fake.days = () => [steadyCampaign('c1', 7)];
    const [r] = await runner.runAll(backfill('2021-09-01', '2021-09-02'), 'r2', 'backfill');
    expect(r!.status).toBe('ok');
    const byAccount = await sql<{ account_id: string; n: number }>`
      SELECT account_id, SUM(impressions) AS n FROM campaign_days GROUP BY account_id ORDER BY account_id`.execute(store.db);
    expect(byAccount.rows).toEqual([
      { account_id: '111', n: 14 },
      { account_id: '222', n: 200 },
    ]);
    const log = await store.db.selectFrom('ingest_run_log').select('error').where('run_id', '=', 'r2').executeTakeFirstOrThrow();
    expect(log.error).toContain('account 222 skipped: CUSTOMER_NOT_ENABLED');
  });

  it('opens one session per source run, gives every window the accounts it planned with, and closes it', async () => {
    const { fake, registry, config } = setup();
    const connector = registry.get('test_fake')!;
    const open = connector.open.bind(connector);
    const seen = { opened: 0, closed: 0, planned: [] as unknown[], fetched: [] as unknown[] };
    connector.open = (cfg, ctx) => {
      seen.opened += 1;
      const session = open(cfg, ctx);
      return {
        ...session,
        async accounts() {
          const found = await session.accounts();
          seen.planned.push(found.accounts);
          return found;
        },
        fetch(window, accounts) {
          seen.fetched.push(accounts);
          return session.fetch(window, accounts);
        },
        async close() {
          seen.closed += 1;
        },
      };
    };
    store = await openTestStore();
    const runner = testRunner(config, registry, store, { now: AFTER_2021 });
    const [ok] = await runner.runAll(backfill('2021-09-01', '2021-09-20'), 'r1', 'backfill');
    expect(ok).toMatchObject({ status: 'ok', windowsDone: 2 });
    expect(seen).toMatchObject({ opened: 1, closed: 1 });
    expect(seen.fetched).toHaveLength(2);
    for (const accounts of seen.fetched) expect(accounts).toBe(seen.planned[0]);

    // The next run is a session of its own, closed although its window fails.
    fake.failOn = { date: '2021-09-02', error: () => new FatalError('403 forbidden') };
    const [failed] = await runner.runAll(backfill('2021-09-01', '2021-09-20'), 'r2', 'backfill');
    expect(failed!.status).toBe('failed');
    expect(seen).toMatchObject({ opened: 2, closed: 2 });
  });

  it('an account the source cannot read this run is named in every window and keeps its rows', async () => {
    const { registry } = setup();
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
    const runner = testRunner(config, registry, store, { now: AFTER_2021 });
    await runner.runAll(backfill('2021-09-01', '2021-09-20'), 'r1', 'backfill');
    const connector = registry.get('test_fake')!;
    const open = connector.open.bind(connector);
    const fetchedFor: string[] = [];
    connector.open = (cfg, ctx) => {
      const session = open(cfg, ctx);
      return {
        ...session,
        async accounts() {
          const found = await session.accounts();
          return {
            accounts: found.accounts.filter((a) => a.accountId !== '222'),
            skipped: [{ accountId: '222', reason: 'customer 222 is not enabled (CUSTOMER_NOT_ENABLED)' }],
          };
        },
        fetch(window, accounts) {
          fetchedFor.push(...accounts.map((a) => a.accountId));
          return session.fetch(window, accounts);
        },
      };
    };
    const [r] = await runner.runAll(backfill('2021-09-01', '2021-09-20'), 'r2', 'backfill');
    expect(r).toMatchObject({ status: 'ok', windowsDone: 2 });
    expect(fetchedFor).toEqual(['111', '111']);
    const notes = await store.db.selectFrom('ingest_run_log').select(['window_from', 'error']).where('run_id', '=', 'r2').orderBy('window_from').execute();
    expect(notes).toEqual([
      { window_from: '2021-09-01', error: 'account 222 skipped: customer 222 is not enabled (CUSTOMER_NOT_ENABLED)' },
      { window_from: '2021-09-11', error: 'account 222 skipped: customer 222 is not enabled (CUSTOMER_NOT_ENABLED)' },
    ]);
    const kept = await sql<{ n: number }>`SELECT SUM(impressions) AS n FROM campaign_days WHERE account_id = '222'`.execute(store.db);
    expect(kept.rows[0]!.n).toBe(20 * 100);
    expect(r!.skipped).toHaveLength(2);
  });

  it('a failing source never stops the others', async () => {
    const { registry } = setup({ failOn: { accountId: 'bad', date: '2021-09-01', error: () => new FatalError('401 bad credentials') } });
    const config = configWith(
      `
  - id: broken
    platform: test_fake
    accounts: [{ id: "bad", time_zone: UTC }]
  - id: healthy
    platform: test_fake
    accounts: [{ id: "good", time_zone: UTC }]
`,
      registry,
    );
    store = await openTestStore();
    const results = await testRunner(config, registry, store, { now: AFTER_2021 }).runAll(backfill('2021-09-01', '2021-09-03'), 'r1', 'backfill');
    expect(results.map((r) => [r.sourceId, r.status])).toEqual([
      ['broken', 'failed'],
      ['healthy', 'ok'],
    ]);
  });
});
