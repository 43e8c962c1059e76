// A window that fails for a transient cause is fetched again within the run, a bounded number of
// times with backoff; a permanent cause is final at once. A window whose attempts are spent is
// recorded and the later windows are stored; the cursor stays before it; the summary names it and
// prints the command that finishes it.
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeFor, ingest, resumeHints, summarize, unfinishedRanges } from '../../src/cli/ingest-commands.ts';
import { FatalError, PayloadError, QuotaExhaustedError, RateLimitedError, TransientError, WaitTimeoutError } from '../../src/core/errors.ts';
import { DEFAULT_RETRY_POLICY } from '../../src/ingest/retry.ts';
import { DEFAULT_WINDOW_RETRY, classifyWindowFailure, fetchWindowWithRetry, type WindowAttemptFailure } from '../../src/ingest/window-retry.ts';
import { appFor, runLog, storedDates, world, type World } from '../daemon/setup.ts';
import { eachDate } from '../../src/core/dates.ts';

const limits = { maxRateLimitWaitMs: DEFAULT_RETRY_POLICY.maxRateLimitWaitMs };

describe('which failures a window is fetched again for', () => {
  it('transient: 5xx, resets, a FAILED report or a job gone, a 429 after its wait', () => {
    expect(classifyWindowFailure(new TransientError('503'), limits)).toBe('transient');
    expect(classifyWindowFailure(new RateLimitedError('429', 60_000), limits)).toBe('transient');
  });

  it('permanent: credentials, permission, a spent daily quota, an unreadable payload, a rate limit too long to wait', () => {
    expect(classifyWindowFailure(new FatalError('401'), limits)).toBe('permanent');
    expect(classifyWindowFailure(new QuotaExhaustedError('daily'), limits)).toBe('permanent');
    expect(classifyWindowFailure(new PayloadError('impressions: expected number'), limits)).toBe('permanent');
    expect(classifyWindowFailure(new Error('campaign c1 on 2021-09-01 was returned twice'), limits)).toBe('permanent');
    expect(classifyWindowFailure(new RateLimitedError('429', 11 * 3_600_000), limits)).toBe('permanent');
  });

  it('a report still running after its time is not waited for again in the same run', () => {
    expect(classifyWindowFailure(new WaitTimeoutError('still RUNNING after 60 min'), limits)).toBe('timeout');
  });

  it('anything, once the run is shutting down, is an interruption', () => {
    const c = new AbortController();
    c.abort();
    expect(classifyWindowFailure(new TransientError('503'), { ...limits, signal: c.signal })).toBe('interrupted');
  });
});

describe('fetchWindowWithRetry', () => {
  const deps = () => {
    const waits: number[] = [];
    const failures: WindowAttemptFailure[] = [];
    return {
      waits,
      failures,
      d: { policy: DEFAULT_WINDOW_RETRY, ...limits, random: () => 0.5, sleep: async (ms: number) => void waits.push(ms), onAttemptFailed: (f: WindowAttemptFailure) => void failures.push(f) },
    };
  };

  it('fetches again after 30 s, then 60 s, and returns the window once it comes whole', async () => {
    const { waits, failures, d } = deps();
    let n = 0;
    const r = await fetchWindowWithRetry(async () => {
      n += 1;
      if (n < 3) throw new TransientError(`report FAILED #${n}`);
      return 'rows';
    }, d);
    expect(r).toEqual({ ok: true, value: 'rows', attempts: 3 });
    expect(waits).toEqual([30_000, 60_000]);
    expect(failures.map((f) => [f.attempt, f.retryInMs])).toEqual([[1, 30_000], [2, 60_000]]);
  });

  it('gives up after the third fetch with the last cause', async () => {
    const { waits, failures, d } = deps();
    let n = 0;
    const r = await fetchWindowWithRetry(async () => {
      n += 1;
      throw new TransientError(`503 #${n}`);
    }, d);
    expect(r).toMatchObject({ ok: false, kind: 'transient', attempts: 3 });
    expect((r as { error: Error }).error.message).toBe('503 #3');
    expect(waits).toHaveLength(2);
    expect(failures.at(-1)!.retryInMs).toBeUndefined();
  });

  it('never fetches again for a permanent cause', async () => {
    const { waits, d } = deps();
    let n = 0;
    const r = await fetchWindowWithRetry(async () => {
      n += 1;
      throw new QuotaExhaustedError('daily quota');
    }, d);
    expect([r.ok, n, waits]).toEqual([false, 1, []]);
  });
});

describe('a backfill with a window that keeps failing', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.store.close();
    w = undefined;
  });
  const RANGE = { from: '2021-09-01', to: '2021-10-10' };

  it('stores the later windows, keeps the cursor before the gap, names the window and the command that finishes it', async () => {
    w = await world({ now: '2022-02-01T12:00:00Z', sources: `
  - id: alpha
    platform: test_fake
    accounts: [{ id: "111", time_zone: America/Los_Angeles }]
` });
    let attempts = 0;
    w.fake.onDate = (_account, date) => {
      if (date === '2021-09-15') {
        attempts += 1;
        throw new TransientError('HTTP 503 from the platform');
      }
    };
    const app = appFor(w);
    const [r] = await ingest(app, { kind: 'backfill', ...RANGE }, 'backfill', { now: w.clock.now, sleep: async () => undefined });
    expect(attempts).toBe(3);
    expect([r!.status, r!.windowsDone, exitCodeFor([r!])]).toEqual(['failed', 3, 1]);
    expect(r!.failedWindows!.map((f) => [f.window, f.attempts, f.kind])).toEqual([[{ from: '2021-09-11', to: '2021-09-20' }, 3, 'transient']]);
    expect(r!.notFetched).toBeUndefined();
    // Every window but the failed one is stored; the cursor stops before it.
    const all = eachDate(RANGE);
    expect(await storedDates(w.store, 'alpha')).toEqual(all.filter((d) => d < '2021-09-11' || d > '2021-09-20'));
    expect(await w.store.getCursor('alpha')).toBe('2021-09-10');
    expect(unfinishedRanges(r!)).toEqual([{ from: '2021-09-11', to: '2021-09-20' }]);
    expect(resumeHints(app, RANGE, 'alpha', [r!])).toEqual(['  alpha (failed): npm run backfill -- --from 2021-09-11 --to 2021-09-20 --source alpha']);
    expect(summarize([r!])).toContain('source alpha, window 2021-09-11..2021-09-20 failed (after 3 attempts): HTTP 503 from the platform');
    // The run log has each attempt: two fetched again, the last failed, three windows stored.
    const log = (await runLog(w.store, 'alpha')).filter((e) => e.window_from === '2021-09-11');
    expect(log.map((e) => e.status)).toEqual(['retried', 'retried', 'failed']);
    expect(log[0]!.error).toContain('attempt 1 of 3 failed: HTTP 503 from the platform; fetched again in');

    // Following the hint fills the gap and the cursor goes to the end.
    w.fake.onDate = undefined;
    const [again] = await ingest(app, { kind: 'backfill', from: '2021-09-11', to: '2021-09-20' }, 'backfill', { source: 'alpha', now: w.clock.now, sleep: async () => undefined });
    expect(again!.status).toBe('ok');
    expect(await storedDates(w.store, 'alpha')).toEqual(all);
  });

  it('a first window that fails keeps a new source without a cursor, however many windows after it are stored', async () => {
    w = await world({ now: '2022-02-01T12:00:00Z', sources: `
  - id: alpha
    platform: test_fake
    accounts: [{ id: "111", time_zone: UTC }]
` });
    w.fake.onDate = (_account, date) => {
      if (date === '2021-09-02') throw new TransientError('connection reset');
    };
    const app = appFor(w);
    const [r] = await ingest(app, { kind: 'backfill', ...RANGE }, 'backfill', { now: w.clock.now, sleep: async () => undefined });
    expect([r!.status, r!.windowsDone]).toEqual(['failed', 3]);
    expect(await w.store.getCursor('alpha')).toBeUndefined();
  });

  it('a permanent cause stops the source: the windows after it are not fetched, and the hint covers them', async () => {
    w = await world({ now: '2022-02-01T12:00:00Z', sources: `
  - id: alpha
    platform: test_fake
    accounts: [{ id: "111", time_zone: UTC }]
` });
    let calls = 0;
    w.fake.onDate = (_account, date) => {
      if (date === '2021-09-12') {
        calls += 1;
        throw new QuotaExhaustedError('daily quota spent');
      }
    };
    const app = appFor(w);
    const [r] = await ingest(app, { kind: 'backfill', ...RANGE }, 'backfill', { now: w.clock.now, sleep: async () => undefined });
    expect([r!.status, r!.windowsDone, calls]).toEqual(['failed', 1, 1]);
    expect(r!.notFetched).toEqual([{ from: '2021-09-21', to: '2021-09-30' }, { from: '2021-10-01', to: '2021-10-10' }]);
    expect(resumeHints(app, RANGE, 'alpha', [r!])).toEqual(['  alpha (failed): npm run backfill -- --from 2021-09-11 --to 2021-10-10 --source alpha']);
    expect(await w.store.getCursor('alpha')).toBe('2021-09-10');
  });
});
