// The store's contract, the same on SQLite and on PostgreSQL: a window commits whole with its
// run-log entry and cursor; rows are replaced per account; leases; the analysts' views; the
// indicators; messaging imports. PostgreSQL runs in a fresh schema per test.
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.ts';
import type { StoredDay } from '../src/core/records.ts';
import { impressionsIndicator } from '../src/indicators/impressions.ts';
import { messagingIndicator } from '../src/indicators/messaging.ts';
import { targetAssignment } from '../src/indicators/targets.ts';
import { importSends } from '../src/messaging/import.ts';
import { syncMessagingSchedule } from '../src/messaging/schedule.ts';
import { LeaseLostError, Store, type WindowCommit } from '../src/store/store.ts';
import { TARGETS_YAML } from './helpers/app.ts';
import { ENGINE_CASES, dropSchemas } from './helpers/postgres.ts';

const config = parseConfig(`${TARGETS_YAML}\nmessaging:\n  time_zone: America/Mexico_City\n  sms:\n    scheduled: { "1": 10 }\n`, 't.yaml', new Map());
const plan = targetAssignment(config.targets);
const FIXTURES = path.join(import.meta.dirname, 'fixtures/messaging');
const ENV = { PAUTA_MESSAGING_SALT: 'zzgQ/cW+O8xw48r1OqfJQU0djtHA0Dt/wcPWeclmvFE=' };

function day(accountId: string, campaignId: string, channel: 'display' | 'youtube', date: string, impressions: number, ca = impressions): StoredDay {
  const geo = [{ country: 'US', region: 'US-CA', impressions: ca }];
  if (impressions > ca) geo.push({ country: 'ES', region: '', impressions: impressions - ca });
  return { date, accountId, campaignId, campaignName: `Campaign ${campaignId}`, channel, platform: 'google_ads', impressions, costMicros: 3_000_000_000, geoMethod: 'test', geo };
}

function commit(days: StoredDay[], extra: Partial<WindowCommit> = {}): WindowCommit {
  return {
    runId: 'r1',
    sourceId: 'gads',
    trigger: 'backfill',
    window: { from: '2021-09-01', to: '2021-09-03' },
    accounts: [...new Set(days.map((d) => d.accountId))],
    days,
    targetOf: plan.targetOf,
    startedAt: '2022-01-01T00:00:00.000Z',
    finishedAt: '2022-01-01T00:00:01.000Z',
    cursor: '2021-09-03',
    ...extra,
  };
}

const WINDOW = [
  day('1', 'c1', 'display', '2021-09-01', 100, 60),
  day('1', 'c1', 'display', '2021-09-02', 200),
  day('1', 'c2', 'youtube', '2021-09-01', 50),
  day('2', 'c3', 'youtube', '2021-09-03', 7),
];

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
afterAll(dropSchemas);

for (const [engine, skip] of ENGINE_CASES) {
  describe.skipIf(skip)(`store contract on ${engine.name}${skip ? ' (SKIPPED: no PostgreSQL server)' : ''}`, () => {
    async function open(location?: string, sync = true): Promise<Store> {
      const store = await engine.open(location);
      stores.push(store);
      if (sync) await store.syncTargets(plan);
      return store;
    }
    /**
     * Runs tasks together on PostgreSQL. better-sqlite3 waits for a lock synchronously, so two
     * connections of one process must not hold SQLite transactions at once (the process would
     * wait on itself): there they run one after the other, as SQLite would serialize them anyway.
     */
    async function together<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
      if (engine.name === 'postgres') return Promise.all(tasks.map((t) => t()));
      const out: T[] = [];
      for (const t of tasks) out.push(await t());
      return out;
    }
    const count = async (store: Store, table: 'campaign_days' | 'geo_days' | 'ingest_run_log') =>
      Number((await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(store.db)).rows[0]!.n);

    it('commits a window whole: its rows, its run-log entry and the cursor', async () => {
      const store = await open();
      expect(store.engine).toBe(engine.name);
      expect(await store.commitWindow(commit(WINDOW))).toBe(5);
      expect(await count(store, 'campaign_days')).toBe(4);
      expect(await count(store, 'geo_days')).toBe(5);
      expect(await store.getCursor('gads')).toBe('2021-09-03');
      const log = (await sql<Record<string, unknown>>`SELECT * FROM ingest_runs`.execute(store.db)).rows;
      expect(log).toEqual([{ run_id: 'r1', source_id: 'gads', window_from: '2021-09-01', window_to: '2021-09-03', status: 'ok', rows: 5, error: null, started_at: '2022-01-01T00:00:00.000Z', finished_at: '2022-01-01T00:00:01.000Z', trigger: 'backfill' }]);
      // 3,000 dollars in micros passes 2^31: stored exactly on both engines.
      const cost = await store.db.selectFrom('campaign_days').select(sql<number>`SUM(cost_micros)`.as('cost')).executeTakeFirstOrThrow();
      expect(cost.cost).toBe(12_000_000_000);
    });

    it('a window that fails part-way leaves nothing: no rows, no run-log entry, no cursor', async () => {
      const store = await open();
      const bad = [...WINDOW, { ...day('2', 'c3', 'youtube', '2021-09-02', 5), impressions: -1 }];
      await expect(store.commitWindow(commit(bad))).rejects.toThrow();
      expect(await count(store, 'campaign_days')).toBe(0);
      expect(await count(store, 'ingest_run_log')).toBe(0);
      expect(await store.getCursor('gads')).toBeUndefined();
    });

    it('replaces the window rows of each account read in full; others keep theirs', async () => {
      const store = await open();
      await store.commitWindow(commit(WINDOW));
      // Account 1 restated: c2 disappeared, c1 on the 1st is now 90. Account 2 was not read.
      await store.commitWindow(commit([day('1', 'c1', 'display', '2021-09-01', 90)], { runId: 'r2', accounts: ['1'] }));
      const rows = await store.db.selectFrom('campaign_days').select(['account_id', 'campaign_id', 'date', 'impressions']).orderBy('account_id').orderBy('campaign_id').orderBy('date').execute();
      expect(rows).toEqual([
        { account_id: '1', campaign_id: 'c1', date: '2021-09-01', impressions: 90 },
        { account_id: '2', campaign_id: 'c3', date: '2021-09-03', impressions: 7 },
      ]);
      // Running the same window again gives the same database.
      await store.commitWindow(commit([day('1', 'c1', 'display', '2021-09-01', 90)], { runId: 'r3', accounts: ['1'] }));
      expect(await count(store, 'campaign_days')).toBe(2);
      expect(await count(store, 'geo_days')).toBe(2);
    });

    it('moves the cursor only forward', async () => {
      const store = await open();
      await store.commitWindow(commit(WINDOW, { cursor: '2021-09-03' }));
      await store.commitWindow(commit(WINDOW, { cursor: '2021-09-01', runId: 'r2' }));
      expect(await store.getCursor('gads')).toBe('2021-09-03');
      await store.commitWindow(commit(WINDOW, { cursor: '2021-09-10', runId: 'r3' }));
      expect(await store.getCursor('gads')).toBe('2021-09-10');
    });

    it('leases: one holder at a time, taken over after the TTL, released only by the holder', async () => {
      const store = await open();
      const t0 = new Date('2022-01-01T00:00:00Z');
      expect(await store.acquireLease('gads', 'worker-a', t0, 60_000)).toEqual({ acquired: true });
      expect(await store.acquireLease('gads', 'worker-b', new Date(t0.getTime() + 30_000), 60_000)).toEqual({
        acquired: false, holder: 'worker-a', acquiredAt: t0.toISOString(), expiresAt: '2022-01-01T00:01:00.000Z',
      });
      // worker-a's heartbeat renews; then it dies and the TTL runs out.
      expect(await store.acquireLease('gads', 'worker-a', new Date(t0.getTime() + 40_000), 60_000)).toEqual({ acquired: true });
      expect((await store.acquireLease('gads', 'worker-b', new Date(t0.getTime() + 90_000), 60_000)).acquired).toBe(false);
      expect(await store.acquireLease('gads', 'worker-b', new Date(t0.getTime() + 100_000), 60_000)).toEqual({ acquired: true });
      await store.releaseLease('gads', 'worker-a');
      expect((await store.db.selectFrom('leases').select('holder').executeTakeFirstOrThrow()).holder).toBe('worker-b');
      await store.releaseLease('gads', 'worker-b');
      expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
    });

    it('leases: of many connections racing for a free lease, exactly one wins', async () => {
      const location = engine.location();
      const first = await open(location);
      const others = await together([1, 2, 3, 4].map(() => () => open(location, false)));
      const now = new Date('2022-01-01T00:00:00Z');
      const results = await Promise.all([first, ...others].flatMap((s, i) => [0, 1, 2].map((j) => s.acquireLease('gads', `worker-${i}-${j}`, now, 60_000))));
      expect(results.filter((r) => r.acquired)).toHaveLength(1);
    });

    it('fencing: a worker whose lease was taken over cannot commit its window', async () => {
      const store = await open();
      const t0 = new Date('2022-01-01T00:00:00Z');
      await store.acquireLease('gads', 'worker-a', t0, 60_000);
      const atA = { holder: 'worker-a', now: new Date(t0.getTime() + 10_000).toISOString() };
      expect(await store.commitWindow(commit(WINDOW, { lease: atA }))).toBe(5);
      // worker-a stalls past its TTL; worker-b takes the source over.
      await store.acquireLease('gads', 'worker-b', new Date(t0.getTime() + 61_000), 60_000);
      const late = commit([day('1', 'c1', 'display', '2021-09-01', 1)], { runId: 'late', cursor: '2021-09-30', lease: { holder: 'worker-a', now: new Date(t0.getTime() + 62_000).toISOString() } });
      await expect(store.commitWindow(late)).rejects.toThrow(LeaseLostError);
      // An expired lease no one took over does not let its holder write either.
      await store.releaseLease('gads', 'worker-b');
      await store.acquireLease('gads', 'worker-a', t0, 60_000);
      await expect(store.commitWindow({ ...late, lease: { holder: 'worker-a', now: '2022-01-01T00:05:00.000Z' } })).rejects.toThrow(/expired or was taken over/);
      expect(await count(store, 'campaign_days')).toBe(4);
      expect(await count(store, 'ingest_run_log')).toBe(1);
      expect(await store.getCursor('gads')).toBe('2021-09-03');
    });

    it('the analysts\' views and the impressions indicator', async () => {
      const store = await open();
      await store.commitWindow(commit(WINDOW));
      const daily = await sql<Record<string, unknown>>`SELECT date, platform, campaign_id, target_id, country, region, impressions FROM impressions_daily ORDER BY date, campaign_id, country`.execute(store.db);
      expect(daily.rows).toEqual([
        { date: '2021-09-01', platform: 'google_ads', campaign_id: 'c1', target_id: 'programmatic', country: 'ES', region: '', impressions: 40 },
        { date: '2021-09-01', platform: 'google_ads', campaign_id: 'c1', target_id: 'programmatic', country: 'US', region: 'US-CA', impressions: 60 },
        { date: '2021-09-01', platform: 'google_ads', campaign_id: 'c2', target_id: 'social', country: 'US', region: 'US-CA', impressions: 50 },
        { date: '2021-09-02', platform: 'google_ads', campaign_id: 'c1', target_id: 'programmatic', country: 'US', region: 'US-CA', impressions: 200 },
        { date: '2021-09-03', platform: 'google_ads', campaign_id: 'c3', target_id: 'social', country: 'US', region: 'US-CA', impressions: 7 },
      ]);
      const indicator = await sql<Record<string, unknown>>`SELECT * FROM indicator_impressions`.execute(store.db);
      expect(indicator.rows).toEqual([
        { target_id: 'programmatic', target_name: 'Campaña en Programmatic', projected: 517242, achieved: 300, pct: 0.06, period_start: '2021-09-01', period_end: '2021-12-31', as_of: '2021-09-02' },
        { target_id: 'social', target_name: 'Campañas en YouTube y Twitter', projected: 262963, achieved: 57, pct: 0.02, period_start: '2021-09-01', period_end: '2021-12-31', as_of: '2021-09-03' },
        { target_id: 'total', target_name: 'Total', projected: 780205, achieved: 357, pct: 0.05, period_start: '2021-09-01', period_end: '2021-12-31', as_of: '2021-09-03' },
      ]);
      const result = await impressionsIndicator(store, config.targets, '2021-12-31');
      const programmatic = result.targets.find((t) => t.targetId === 'programmatic')!;
      expect(programmatic.achieved).toBe(300);
      expect(programmatic.dataThrough).toBe('2021-09-02');
      expect(programmatic.byMonth).toEqual([{ key: '2021-09', label: '2021-09', impressions: 300 }]);
      expect(programmatic.daily).toEqual([{ date: '2021-09-01', impressions: 100 }, { date: '2021-09-02', impressions: 200 }]);
    });

    it('messaging: imports merge by recipient and send, the views and the indicator agree', async () => {
      const store = await open();
      await syncMessagingSchedule(store, config.messaging);
      const run = (file: string, kind: 'delivery' | 'programmed' = 'delivery') =>
        importSends(store, { channel: 'sms', kind, file: path.join(FIXTURES, file), send: kind === 'delivery' ? 1 : undefined, messaging: config.messaging, defaultTimeZone: 'UTC', env: ENV, now: new Date('2021-12-01T00:00:00Z') });
      expect(await run('sms-part1.csv')).toMatchObject({ newMessages: 3, updatedMessages: 0 });
      expect(await run('sms-part2.csv')).toMatchObject({ messages: 2, newMessages: 1, updatedMessages: 1 });
      expect(await run('sms-part1.csv')).toMatchObject({ newMessages: 0, updatedMessages: 0 });
      expect(await run('sms-programmed.csv', 'programmed')).toMatchObject({ newMessages: 5 });
      const daily = await sql<Record<string, unknown>>`SELECT * FROM messaging_daily ORDER BY date`.execute(store.db);
      expect(daily.rows).toEqual([
        { channel: 'sms', send: 1, date: '2021-10-04', sent: 3, delivered: 2, failed: 1 },
        { channel: 'sms', send: 1, date: '2021-10-05', sent: 1, delivered: 1, failed: 0 },
      ]);
      const view = await sql<Record<string, unknown>>`SELECT channel, send, scheduled, scheduled_from, sent, delivered, failed, pending, pct, delivered_pct, first_date, as_of FROM indicator_messaging`.execute(store.db);
      expect(view.rows).toEqual([
        { channel: 'sms', send: '1', scheduled: 10, scheduled_from: 'config', sent: 4, delivered: 3, failed: 1, pending: 0, pct: 40, delivered_pct: 75, first_date: '2021-10-04', as_of: '2021-10-05' },
        { channel: 'sms', send: '2', scheduled: 2, scheduled_from: 'list', sent: 0, delivered: 0, failed: 0, pending: 0, pct: 0, delivered_pct: null, first_date: null, as_of: null },
        { channel: 'sms', send: 'total', scheduled: 12, scheduled_from: null, sent: 4, delivered: 3, failed: 1, pending: 0, pct: 33.33, delivered_pct: 75, first_date: '2021-10-04', as_of: '2021-10-05' },
      ]);
      const indicator = await messagingIndicator(store, config.messaging, '2021-12-31');
      const sms = indicator.channels.find((c) => c.channel === 'sms')!;
      expect(sms.total).toMatchObject({ scheduled: 12, sent: 4, delivered: 3, failed: 1, pending: 0 });
      expect(sms.daily).toEqual([
        { send: 1, date: '2021-10-04', sent: 3, delivered: 2, failed: 1 },
        { send: 1, date: '2021-10-05', sent: 1, delivered: 1, failed: 0 },
      ]);
    });

    it('connector state and targets survive reopening; workers mirroring the config together agree', async () => {
      const location = engine.location();
      const a = await open(location);
      await a.connectorState('gads').set('geo', { '2840': 'US' });
      const [b, c] = await together([() => open(location, false), () => open(location, false)]);
      await together([a, b!, c!].map((s) => () => s.syncTargets(plan)));
      await together([a, b!, c!].map((s) => () => syncMessagingSchedule(s, config.messaging)));
      expect(await a.db.selectFrom('message_scheduled').select(['channel', 'send_no', 'scheduled']).execute()).toEqual([{ channel: 'sms', send_no: 1, scheduled: 10 }]);
      expect(await c!.connectorState('gads').get('geo')).toEqual({ '2840': 'US' });
      expect(await b!.db.selectFrom('targets').select(['target_id', 'position']).orderBy('position').execute()).toEqual([
        { target_id: 'programmatic', position: 0 },
        { target_id: 'social', position: 1 },
      ]);
    });
  });
}
