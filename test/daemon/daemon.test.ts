// The daemon's tick, driven by a clock the test moves (nothing really waits): catch-up after
// downtime, a failing source retried at the next tick while the others go on, a shutdown in the
// middle of a window, and no overlapping ticks.
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError, QuotaExhaustedError, TransientError } from '../../src/core/errors.ts';
import { eachDate } from '../../src/core/dates.ts';
import { snapshot } from '../helpers/app.ts';
import { steadyCampaign } from '../helpers/fake-connector.ts';
import { collectingLogger, daemonFor, gate, runLog, storedDates, totalImpressions, world, type World } from './setup.ts';

let w: World | undefined;
let other: World | undefined;
afterEach(async () => {
  await w?.store.close();
  await other?.store.close();
  w = other = undefined;
});

const statuses = (results: { sourceId: string; status: string }[] | undefined) => results?.map((r) => [r.sourceId, r.status]);

describe('daemon tick', () => {
  it('each tick runs every source: the first from its start date, then yesterday and the lookback', async () => {
    w = await world();
    const daemon = daemonFor(w);
    const first = await daemon.tick();
    expect(statuses(first?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    // 12:30 UTC on Oct 1 is still Oct 1 in Los Angeles and in Madrid: yesterday is Sept 30 for both.
    expect(first!.results[0]!.windows).toEqual([
      { from: '2021-09-01', to: '2021-09-10' },
      { from: '2021-09-11', to: '2021-09-20' },
      { from: '2021-09-21', to: '2021-09-30' },
    ]);
    expect(await w.store.getCursor('alpha')).toBe('2021-09-30');

    w.clock.set('2021-10-02T12:30:00Z');
    const second = await daemon.tick();
    // The fake connector's lookback of 3 re-pulls Sept 28..30, then yesterday, Oct 1.
    expect(second!.results.map((r) => r.windows)).toEqual([
      [{ from: '2021-09-28', to: '2021-10-01' }],
      [{ from: '2021-09-28', to: '2021-10-01' }],
    ]);
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate({ from: '2021-09-01', to: '2021-10-01' }));
    expect(await totalImpressions(w.store, 'beta')).toBe(31 * 100);
  });

  it('after downtime, start-up runs the missed tick and catches up the gap', async () => {
    w = await world();
    await daemonFor(w).tick(); // Oct 1, 07:30 in Mexico City
    expect(await w.store.getCursor('alpha')).toBe('2021-09-30');

    // Down from Oct 1 to Oct 6, 10:00 in Mexico City: the Oct 2..6 runs never happened.
    w.clock.set('2021-10-06T15:00:00Z');
    const restarted = daemonFor(w);
    const missed = await restarted.missedRun(w.clock.now());
    expect(missed).toEqual({ due: new Date('2021-10-06T12:30:00Z'), sources: ['alpha', 'beta'] });
    const report = await restarted.catchUp();
    expect(report?.reason).toBe('catch-up');
    expect(statuses(report?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    // The gap since the cursor plus the lookback, in one window (the fake's limit is 10 days).
    expect(report!.results[0]!.windows).toEqual([{ from: '2021-09-28', to: '2021-10-05' }]);
    expect(await w.store.getCursor('alpha')).toBe('2021-10-05');
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate({ from: '2021-09-01', to: '2021-10-05' }));
    // The run log tells the cron tick from the start-up run.
    expect((await runLog(w.store, 'alpha')).map((r) => [r.window_from, r.trigger])).toEqual([
      ['2021-09-01', 'schedule'],
      ['2021-09-11', 'schedule'],
      ['2021-09-21', 'schedule'],
      ['2021-09-28', 'catch-up'],
    ]);

    // Restarted again the same morning: the catch-up made the due run, nothing to catch up.
    w.clock.set('2021-10-06T16:00:00Z');
    expect(await daemonFor(w).missedRun(w.clock.now())).toBeUndefined();
    expect(await daemonFor(w).catchUp()).toBeUndefined();
    // Restarted before the next day's run is due: nothing either.
    w.clock.set('2021-10-07T12:29:00Z');
    expect(await daemonFor(w).missedRun(w.clock.now())).toBeUndefined();
  });

  it('on a first start (no run ever), start-up runs at once', async () => {
    w = await world({ now: '2021-10-01T09:00:00Z' });
    const daemon = daemonFor(w);
    expect(await daemon.missedRun(w.clock.now())).toEqual({ due: new Date('2021-09-30T12:30:00Z'), sources: ['alpha', 'beta'] });
    const report = await daemon.catchUp();
    expect(statuses(report?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
  });

  it('a transient blip inside a tick costs nothing: the window is fetched again in the same tick, and /metrics counts it', async () => {
    w = await world();
    const daemon = daemonFor(w);
    await daemon.tick();
    w.clock.set('2021-10-02T12:30:00Z');
    let blips = 0;
    w.fake.onDate = (account, date) => {
      if (account === '111' && date === '2021-10-01' && blips < 1) {
        blips += 1;
        throw new TransientError('HTTP 503 after the request retries');
      }
    };
    const report = await daemon.tick();
    expect(statuses(report?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    expect(report!.results[0]!.retries).toBe(1);
    expect(await w.store.getCursor('alpha')).toBe('2021-10-01');
    const text = daemon.metrics.render([], {});
    expect(text).toContain('pauta_window_retries_total{source="alpha"} 1');
    expect(text).toContain('pauta_windows_failed_total{source="alpha"} 0');
    expect(text).toContain('pauta_run_failures_total{source="alpha"} 0');
  });

  it('a failing source is reported and retried at the next tick, the others go on', async () => {
    const collected = collectingLogger({ level: 'info' });
    w = await world();
    const daemon = daemonFor(w, { log: collected.log });
    await daemon.tick(); // both up to Sept 30

    w.clock.set('2021-10-02T12:30:00Z');
    w.fake.failOn = { accountId: '111', date: '2021-10-01', error: () => new QuotaExhaustedError('daily quota spent') };
    const failing = await daemon.tick();
    expect(statuses(failing?.results)).toEqual([['alpha', 'failed'], ['beta', 'ok']]);
    expect(await w.store.getCursor('alpha')).toBe('2021-09-30');
    expect(await w.store.getCursor('beta')).toBe('2021-10-01');
    const summary = collected.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.runId === failing!.runId && String(l.msg).startsWith('scheduled run finished'));
    expect(summary).toMatchObject({ level: 50, failed: ['alpha'], msg: 'scheduled run finished; alpha failed and will be tried again at the next run' });
    expect((await runLog(w.store, 'alpha')).at(-1)).toMatchObject({ status: 'failed', window_from: '2021-09-28', window_to: '2021-10-01' });
    expect(daemon.metrics.render([], {})).toContain('pauta_run_failures_total{source="alpha"} 1');

    // The platform recovers by the next morning: alpha catches up both days, beta re-pulls its lookback.
    w.clock.set('2021-10-03T12:30:00Z');
    w.fake.failOn = undefined;
    const retried = await daemon.tick();
    expect(statuses(retried?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    expect(retried!.results[0]!.windows).toEqual([{ from: '2021-09-28', to: '2021-10-02' }]);
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate({ from: '2021-09-01', to: '2021-10-02' }));
    expect(await totalImpressions(w.store, 'alpha')).toBe(32 * 100);
  });

  it('a source failing at start (bad credentials) does not stop the next one', async () => {
    w = await world();
    const connector = w.registry.get('test_fake')!;
    const open = connector.open.bind(connector);
    connector.open = (cfg, ctx) => {
      const session = open(cfg, ctx);
      return {
        ...session,
        async accounts() {
          if (cfg.id === 'alpha') throw new FatalError('401 UNAUTHENTICATED');
          return session.accounts();
        },
      };
    };
    const report = await daemonFor(w).tick();
    expect(statuses(report?.results)).toEqual([['alpha', 'failed'], ['beta', 'ok']]);
    expect(report!.results[0]!.error).toBe('source alpha: 401 UNAUTHENTICATED');
  });

  it('a shutdown during a window rolls that window back whole and starts nothing after it', async () => {
    w = await world();
    const daemon = daemonFor(w);
    let yielded = 0;
    w.fake.onDate = async (account, date, ctx) => {
      if (account !== '111') return; // alpha's account; beta runs at the same time
      if (date >= '2021-09-11') yielded += 1;
      if (date === '2021-09-15') {
        // SIGTERM arrives while the second window is being fetched, after five of its days.
        void daemon.stop('SIGTERM');
        // The connector's next request sees the aborted signal, as a real client would.
        await ctx.call('GET /stats', async () => 1);
      }
    };
    const report = await daemon.tick();
    await daemon.done();
    expect(yielded).toBe(5);
    // Sources run at once: the shutdown stops beta too, wherever it was, with whole windows only.
    expect(statuses(report?.results)).toEqual([['alpha', 'interrupted'], ['beta', 'interrupted']]);
    expect(report!.results[0]!.windowsDone).toBe(1);
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate({ from: '2021-09-01', to: '2021-09-10' }));
    const betaCursor = await w.store.getCursor('beta');
    const betaDone = report!.results[1]!.windowsDone;
    expect(betaCursor).toBe(betaDone === 0 ? undefined : report!.results[1]!.windows[betaDone - 1]!.to);
    expect(await storedDates(w.store, 'beta')).toEqual(betaCursor ? eachDate({ from: '2021-09-01', to: betaCursor }) : []);
    expect(await w.store.getCursor('alpha')).toBe('2021-09-10');
    expect(await w.store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
    const log = await runLog(w.store, 'alpha');
    expect(log.map((l) => [l.window_from, l.status])).toEqual([['2021-09-01', 'ok'], ['2021-09-11', 'failed']]);
    expect(log[1]!.error).toContain('interrupted by shutdown: nothing of it was stored');
    // A stopped daemon starts no new tick.
    expect(await daemon.tick()).toBeUndefined();

    // Restarted, it finishes the job: the same database as a run never interrupted.
    w.fake.onDate = undefined;
    await daemonFor(w).tick();
    other = await world();
    await daemonFor(other).tick();
    expect(await snapshot(w.store)).toEqual(await snapshot(other.store));
  });

  it('a window whose connector finishes despite the shutdown commits whole; the next does not start', async () => {
    w = await world();
    const daemon = daemonFor(w);
    const alphaDates: string[] = [];
    w.fake.onDate = (account, date) => {
      if (account !== '111') return; // alpha's account; beta runs at the same time
      alphaDates.push(date);
      if (date === '2021-09-15') void daemon.stop('SIGTERM');
    };
    const report = await daemon.tick();
    await daemon.done();
    expect(report!.results[0]).toMatchObject({ sourceId: 'alpha', status: 'interrupted', windowsDone: 2 });
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate({ from: '2021-09-01', to: '2021-09-20' }));
    expect(await w.store.getCursor('alpha')).toBe('2021-09-20');
    // The third window (from 2021-09-21) was never asked for.
    expect(alphaDates).toEqual(eachDate({ from: '2021-09-01', to: '2021-09-20' }));
  });

  it('a tick that finds the previous one still running is skipped (noOverlap)', async () => {
    w = await world();
    const daemon = daemonFor(w);
    const hold = gate();
    let reached!: () => void;
    const inside = new Promise<void>((resolve) => (reached = resolve));
    w.fake.onDate = async (_account, date) => {
      if (date === '2021-09-05') {
        reached();
        await hold.promise;
      }
    };
    const first = daemon.tick();
    await inside;
    expect(await daemon.tick()).toBeUndefined();
    hold.open();
    expect(statuses((await first)?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    expect(daemon.metrics.render([], {})).toContain('pauta_daemon_ticks_skipped_total 1');
    expect(w.fake.windows).toHaveLength(6); // three windows per source, each fetched once
  });

  it('a source a backfill is ingesting is skipped for this tick and taken at the next', async () => {
    w = await world();
    await w.store.acquireLease('alpha', 'backfill@ops:4242', w.clock.now(), 60 * 60_000);
    const daemon = daemonFor(w);
    const busy = await daemon.tick();
    expect(statuses(busy?.results)).toEqual([['alpha', 'busy'], ['beta', 'ok']]);
    expect(busy!.results[0]!.error).toContain('backfill@ops:4242');
    // The daemon has no --wait: its message says what happens instead.
    expect(busy!.results[0]!.error).toMatch(/nothing was fetched\. The daemon tries it again at its next scheduled run\.$/);
    expect(busy!.results[0]!.error).not.toContain('--wait');
    await w.store.releaseLease('alpha', 'backfill@ops:4242');
    w.clock.set('2021-10-02T12:30:00Z');
    const next = await daemon.tick();
    expect(statuses(next?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate({ from: '2021-09-01', to: '2021-10-01' }));
  });

  it('disabled sources are left alone', async () => {
    w = await world({
      sources: `
  - id: alpha
    platform: test_fake
    accounts: [{ id: "111", time_zone: UTC }]
  - id: beta
    platform: test_fake
    enabled: false
    accounts: [{ id: "222", time_zone: UTC }]
`,
    });
    w.fake.days = () => [steadyCampaign('c1', 10)];
    const report = await daemonFor(w).tick();
    expect(statuses(report?.results)).toEqual([['alpha', 'ok'], ['beta', 'disabled']]);
    expect(await daemonFor(w).missedRun(new Date('2021-10-01T13:00:00Z'))).toBeUndefined();
  });
});
