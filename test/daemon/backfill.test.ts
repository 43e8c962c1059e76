// Backfill through the daemon's code path: interrupted and re-run it skips nothing and counts
// nothing twice; --dry-run counts requests without fetching; it never moves a cursor backwards
// and it waits for (or reports) a source the daemon holds.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ingest, planDryRun, renderDryRun, resumeHints, summarize } from '../../src/cli/ingest-commands.ts';
import { createProgress } from '../../src/cli/progress.ts';
import { eachDate, windowDays } from '../../src/core/dates.ts';
import { snapshot } from '../helpers/app.ts';
import { appFor, daemonFor, runLog, storedDates, totalImpressions, world, type World } from './setup.ts';

let w: World | undefined;
let other: World | undefined;
afterEach(async () => {
  await w?.store.close();
  await other?.store.close();
  w = other = undefined;
});

const RANGE = { from: '2021-09-01', to: '2021-12-31' };
const backfill = { kind: 'backfill' as const, ...RANGE };
const AFTER_2021 = '2022-02-01T12:00:00Z';
const noWait = async () => undefined;

describe('backfill', () => {
  it('interrupted mid-window and re-run, it ends exactly where an uninterrupted backfill does', async () => {
    w = await world({ now: AFTER_2021 });
    const controller = new AbortController();
    w.fake.onDate = async (account, date, ctx) => {
      if (account === '111' && date === '2021-10-04') {
        controller.abort(new Error('stopped by SIGINT'));
        await ctx.call('GET /stats', async () => 1);
      }
    };
    const app = appFor(w);
    const first = await ingest(app, backfill, 'backfill', { signal: controller.signal, now: w.clock.now, sleep: noWait });
    // Sources run at once: beta, stopped by the same shutdown, resumes from its own next window.
    expect(first.map((r) => [r.sourceId, r.status])).toEqual([['alpha', 'interrupted'], ['beta', 'interrupted']]);
    expect(first[0]!.windowsDone).toBe(3);
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate({ from: '2021-09-01', to: '2021-09-30' }));
    expect(await w.store.getCursor('alpha')).toBe('2021-09-30');
    const betaNext = first[1]!.windows[first[1]!.windowsDone]!.from;
    expect(resumeHints(app, RANGE, undefined, first)).toEqual([
      '  alpha (interrupted): npm run backfill -- --from 2021-10-01 --to 2021-12-31 --source alpha',
      `  beta (interrupted): npm run backfill -- --from ${betaNext} --to 2021-12-31 --source beta`,
    ]);
    expect(summarize(first)).toMatch(/^alpha: interrupted \(3 window\(s\), 90 row\(s\), 0 request\(s\), 0s\) — source alpha, window 2021-10-01\.\.2021-10-10 interrupted by shutdown/);

    // Re-run the same command: everything is fetched again, replaced whole, nothing doubled.
    w.fake.onDate = undefined;
    const second = await ingest(app, backfill, 'backfill', { now: w.clock.now, sleep: noWait });
    expect(second.map((r) => [r.sourceId, r.status, r.windowsDone])).toEqual([['alpha', 'ok', 13], ['beta', 'ok', 13]]);
    expect(resumeHints(app, RANGE, undefined, second)).toEqual([]);

    other = await world({ now: AFTER_2021 });
    await ingest(appFor(other), backfill, 'backfill', { now: other.clock.now, sleep: noWait });
    expect(await snapshot(w.store)).toEqual(await snapshot(other.store));
    expect(await totalImpressions(w.store, 'alpha')).toBe(122 * 100);
    expect(await w.store.getCursor('alpha')).toBe('2021-12-31');
  });

  it('resumed from the printed hint, it fills exactly the rest', async () => {
    w = await world({ now: AFTER_2021 });
    const controller = new AbortController();
    w.fake.onDate = (account, date) => {
      if (account === '222' && date === '2021-11-15') controller.abort();
    };
    const app = appFor(w);
    const first = await ingest(app, backfill, 'backfill', { signal: controller.signal, now: w.clock.now, sleep: noWait });
    // The connector finished its window despite the abort: it committed, nothing after it ran.
    // alpha, running at the same time, stopped wherever the shutdown found it.
    expect(first[1]).toMatchObject({ sourceId: 'beta', status: 'interrupted', windowsDone: 8 });
    const hints = resumeHints(app, RANGE, undefined, first);
    expect(hints.at(-1)).toBe('  beta (interrupted): npm run backfill -- --from 2021-11-20 --to 2021-12-31 --source beta');
    w.fake.onDate = undefined;
    w.fake.windows.length = 0;
    await ingest(app, { kind: 'backfill', from: '2021-11-20', to: '2021-12-31' }, 'backfill', { source: 'beta', now: w.clock.now, sleep: noWait });
    expect(w.fake.windows[0]).toEqual({ from: '2021-11-20', to: '2021-11-29' });
    expect(await storedDates(w.store, 'beta')).toEqual(eachDate(RANGE));
    expect(await w.store.getCursor('beta')).toBe('2021-12-31');
    // alpha's hint, if it has one, fills exactly its rest too.
    const alphaFrom = /^ {2}alpha \((?:ok|interrupted)\): npm run backfill -- --from (\S+) --to 2021-12-31 --source alpha$/.exec(hints.length > 1 ? hints[0]! : '')?.[1];
    if (alphaFrom) await ingest(app, { kind: 'backfill', from: alphaFrom, to: '2021-12-31' }, 'backfill', { source: 'alpha', now: w.clock.now, sleep: noWait });
    expect(await storedDates(w.store, 'alpha')).toEqual(eachDate(RANGE));
  });

  it('never moves a cursor backwards', async () => {
    w = await world({ now: '2021-10-06T12:30:00Z' });
    await daemonFor(w).tick();
    expect(await w.store.getCursor('alpha')).toBe('2021-10-05');
    await ingest(appFor(w), { kind: 'backfill', from: '2021-09-01', to: '2021-09-10' }, 'backfill', { source: 'alpha', now: w.clock.now, sleep: noWait });
    expect(await w.store.getCursor('alpha')).toBe('2021-10-05');
  });

  it('--dry-run prints the windows and the requests per source, and fetches nothing', async () => {
    // One report request per account and day, as a platform with daily reports would cost.
    w = await world({ now: AFTER_2021, platform: { requestsPerWindow: (cfg, window) => cfg.accounts.length * windowDays(window) } });
    const plan = await planDryRun(appFor(w), RANGE, undefined, w.clock.now());
    expect(plan.map((s) => [s.sourceId, s.windows.length, s.requests])).toEqual([
      ['alpha', 13, 122],
      ['beta', 13, 122],
    ]);
    expect(plan[0]!.windows[12]).toEqual({ window: { from: '2021-12-30', to: '2021-12-31' }, days: 2, requests: 2 });
    const text = renderDryRun(RANGE, plan);
    expect(text).toContain('dry run: backfill 2021-09-01..2021-12-31; nothing is fetched or written\n');
    expect(text).toContain('alpha (test_fake): 13 window(s), 122 request(s)\n  2021-09-01..2021-09-10   10 day(s)  10 request(s)\n');
    expect(text).toContain('total: 26 window(s), 244 request(s)\n');
    expect(w.fake.windows).toEqual([]);
    expect(await w.store.db.selectFrom('ingest_run_log').selectAll().execute()).toEqual([]);
  });

  it('--dry-run says when a connector gives no estimate, and when the end is clamped to the last complete day', async () => {
    // 11:00 UTC on Oct 6: still Oct 5 at UTC−12, already Oct 6 in Madrid.
    w = await world({ now: '2021-10-06T11:00:00Z' });
    const plan = await planDryRun(appFor(w), RANGE, 'beta', w.clock.now());
    expect(plan.map((s) => [s.sourceId, s.windows.length, s.requests, s.clampedTo, s.zonesKnown])).toEqual([['beta', 4, null, '2021-10-04', false]]);
    const text = renderDryRun(RANGE, plan);
    expect(text).toContain('beta (test_fake): 4 window(s), requests unknown (the test_fake connector gives no estimate)\n');
    expect(text).toContain('  ends at 2021-10-04, the last complete day (account time zones are known after the first run; assumed the westernmost)\n');
    // Once the accounts are known, Madrid's yesterday is used.
    await daemonFor(w).tick();
    const [known] = await planDryRun(appFor(w), RANGE, 'beta', w.clock.now());
    expect([known!.clampedTo, known!.zonesKnown]).toEqual(['2021-10-05', true]);
  });

  it('reports a source the daemon holds as busy, or waits for it with --wait', async () => {
    w = await world({ now: AFTER_2021 });
    const daemonHolder = 'daemon@ingest-1:812';
    await w.store.acquireLease('alpha', daemonHolder, w.clock.now(), 10 * 60_000);
    const app = appFor(w);
    const [busy] = await ingest(app, backfill, 'backfill', { source: 'alpha', now: w.clock.now, sleep: noWait });
    expect(busy).toMatchObject({ status: 'busy', windowsDone: 0 });
    expect(busy!.error).toContain(`being ingested by another process (${daemonHolder}`);
    expect(busy!.error).toMatch(/nothing was fetched\. Try again later, or pass --wait SECONDS to wait for it\.$/);
    expect(await storedDates(w.store, 'alpha')).toEqual([]);

    // With --wait: the daemon's window ends while the backfill waits; then it runs.
    const waits: number[] = [];
    const [waited] = await ingest(app, backfill, 'backfill', {
      source: 'alpha',
      waitMs: 600_000,
      now: w.clock.now,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 3) await w!.store.releaseLease('alpha', daemonHolder);
      },
    });
    expect(waited).toMatchObject({ status: 'ok', windowsDone: 13 });
    expect(waits).toEqual([2_000, 2_000, 2_000]);
    expect((await runLog(w.store, 'alpha')).filter((r) => r.status === 'busy')).toHaveLength(1);
  });

  it('off a terminal, progress is one plain line per window with rows and an ETA', async () => {
    w = await world({ now: AFTER_2021 });
    let ms = 0;
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer | string, _e, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    const progress = createProgress({ tty: false, stream, now: () => ms });
    w.fake.onDate = () => {
      ms += 1_000; // each day takes a second
    };
    await ingest(appFor(w), { kind: 'backfill', from: '2021-09-01', to: '2021-09-25' }, 'backfill', {
      source: 'alpha',
      now: w.clock.now,
      sleep: noWait,
      onPlan: (e) => progress.onPlan(e),
      onWindow: (e) => progress.onWindow(e),
    });
    expect(lines).toEqual([
      'backfill alpha: 3 window(s) to fetch, 2021-09-01..2021-09-25',
      'backfill alpha: 1/3 windows (33%) 2021-09-01..2021-09-10, 30 rows (30 in all), ETA 20s',
      'backfill alpha: 2/3 windows (66%) 2021-09-11..2021-09-20, 30 rows (60 in all), ETA 10s',
      'backfill alpha: 3/3 windows (100%) 2021-09-21..2021-09-25, 15 rows (75 in all), done',
    ]);
  });
});
