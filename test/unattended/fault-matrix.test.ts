// Every ordinary fault a platform shows costs nothing: armed in the sandbox over real loopback
// HTTP, alone and all together, a backfill still ends with exit 0 and stores exactly the world in
// one run — request retries and, past them, fetching the window again. A permanent fault (spent
// daily quota, refused credentials, a segmentation the API lacks) stops the source naming the
// cause, with the windows before it kept and the cursor after them.
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/ingest-commands.ts';
import type { DateWindow } from '../../src/core/dates.ts';
import { faultsOf, type FaultName } from '../../src/sandbox/faults.ts';
import type { SimPlatform } from '../../src/sandbox/world.ts';
import { platformHarness, storedNumbers, worldNumbers, type PlatformHarness } from '../helpers/sandbox-world.ts';

// Three windows of five days, across both DST changes of the world's accounts (Madrid 31 Oct, Los Angeles 7 Nov).
const RANGE = { from: '2021-10-29', to: '2021-11-12' };
const WINDOWS: DateWindow[] = [
  { from: '2021-10-29', to: '2021-11-02' },
  { from: '2021-11-03', to: '2021-11-07' },
  { from: '2021-11-08', to: '2021-11-12' },
];
const WINDOW_DAYS = 5;

/**
 * Windows are fetched one at a time here, so each fault is met by the window the test says; what
 * fetching several at once changes is tested in test/pipelined-backfill.test.ts.
 */
const ONE_WINDOW_AT_A_TIME = { windows_at_once: 1 };

/** A fault each platform shows often enough that the request retries alone would give up. */
const OUTAGE: Record<SimPlatform, FaultName> = {
  google_ads: 'google_ads.unavailable',
  dv360: 'dv360.server_error',
  x_ads: 'x_ads.unavailable',
};
/**
 * How many in a row: six attempts per request, so eight fail a request; Google Ads reads its two
 * customers at once, and each must meet six.
 */
const OUTAGE_LENGTH: Record<SimPlatform, number> = { google_ads: 12, dv360: 8, x_ads: 8 };

/** What the error says for each permanent fault. */
const CAUSE: Partial<Record<FaultName, RegExp>> = {
  'google_ads.quota_exhausted': /quota exhausted/,
  'google_ads.permission_denied': /permission denied/,
  'dv360.daily_quota': /daily quota is spent/,
  'x_ads.unauthorized': /HTTP 401/,
  'x_ads.regions_unavailable': /segmentation_type=REGIONS/,
};

let h: PlatformHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function runLogStatuses(harness: PlatformHarness): Promise<string[]> {
  const rows = await harness.store.db.selectFrom('ingest_run_log').select(['status']).orderBy('id').execute();
  return rows.map((r) => r.status);
}

describe.each(['google_ads', 'dv360', 'x_ads'] as const)('%s faults', (platform) => {
  const world = worldNumbers(platform, WINDOWS);

  it('a clean run stores the world', async () => {
    h = await platformHarness(platform, WINDOW_DAYS, ONE_WINDOW_AT_A_TIME);
    const result = await h.run(RANGE);
    expect([result.status, result.windowsDone, exitCodeFor([result])]).toEqual(['ok', 3, 0]);
    expect(world.days.length).toBeGreaterThan(0);
    expect(await storedNumbers(h.store)).toEqual(world);
  });

  it.each(faultsOf(platform, 'transient').map((f) => f.name))('%s alone costs nothing', async (fault) => {
    h = await platformHarness(platform, WINDOW_DAYS, ONE_WINDOW_AT_A_TIME);
    h.sandbox.ctx.faults.arm(fault);
    const result = await h.run(RANGE);
    expect(h.sandbox.ctx.faults.pending(), 'the fault was met').toEqual({});
    expect([result.status, result.error, exitCodeFor([result])]).toEqual(['ok', undefined, 0]);
    expect(await storedNumbers(h.store)).toEqual(world);
    expect(await h.store.getCursor(h.config.sources[0]!.id)).toBe(RANGE.to);
  });

  it('all its transient faults together, and an outage longer than the request retries, cost nothing', async () => {
    h = await platformHarness(platform, WINDOW_DAYS, ONE_WINDOW_AT_A_TIME);
    for (const f of faultsOf(platform, 'transient')) h.sandbox.ctx.faults.arm(f.name);
    // Once the windows are planned, an outage longer than a request's six attempts fails the
    // first window's attempt, and the window is fetched again.
    const harness = h;
    const result = await h.run(RANGE, { onPlan: () => harness.sandbox.ctx.faults.arm(OUTAGE[platform], OUTAGE_LENGTH[platform]) });
    expect([result.status, result.error, exitCodeFor([result])]).toEqual(['ok', undefined, 0]);
    expect(await storedNumbers(h.store)).toEqual(world);
    // The run log records the attempt that failed and the window stored after it.
    const statuses = await runLogStatuses(h);
    expect(statuses.filter((s) => s === 'retried').length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 'ok')).toHaveLength(3);
  });

  it.each(faultsOf(platform, 'permanent').map((f) => f.name))('%s stops the source naming the cause; the window before it stays', async (fault) => {
    h = await platformHarness(platform, WINDOW_DAYS, ONE_WINDOW_AT_A_TIME);
    const harness = h;
    const result = await h.run(RANGE, {
      // Armed once the first window is stored: the second window meets it.
      onWindow: (e) => {
        if (e.index === 0 && e.status === 'ok') harness.sandbox.ctx.faults.arm(fault, 10);
      },
    });
    expect([result.status, exitCodeFor([result])]).toEqual(['failed', 1]);
    expect(result.error).toMatch(CAUSE[fault as FaultName]!);
    expect(result.failedWindows?.map((f) => [f.window, f.kind, f.attempts])).toEqual([[WINDOWS[1], 'permanent', 1]]);
    expect(result.notFetched).toEqual([WINDOWS[2]]);
    expect(await storedNumbers(h.store)).toEqual(worldNumbers(platform, [WINDOWS[0]!]));
    expect(await h.store.getCursor(h.config.sources[0]!.id)).toBe(WINDOWS[0]!.to);
  });
});
