// A daemon lives for months: every wait of a run (job polls, backoffs, rate-limit resets) listens
// to the run's abort signal, and must stop listening when it ends. A long X backfill leaves no
// listener on the signal and raises no MaxListenersExceededWarning; nor do DV360's and Google's.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSleep } from '../../src/ingest/runner.ts';
import { platformHarness, storedNumbers, worldNumbers, type PlatformHarness } from '../helpers/sandbox-world.ts';

let h: PlatformHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('waits and the abort signal', () => {
  it('a wait that ends removes its listener; one cut short by the signal ends at once', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i += 1) await defaultSleep(0, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const long = defaultSleep(60_000, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    await long;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a Sept–Dec X backfill in 19 windows, every job poll and backoff waited on the run’s signal, leaves no listener', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      h = await platformHarness('x_ads', 5);
      // Polls and waits that fail and are retried, each through a wait on the signal.
      h.sandbox.ctx.faults.arm('x_ads.job_slow', 30);
      h.sandbox.ctx.faults.arm('x_ads.unavailable', 5);
      const controller = new AbortController();
      let waits = 0;
      const result = await h.run(
        { from: '2021-09-01', to: '2021-12-04' },
        {
          signal: controller.signal,
          // The daemon's own wait, only shorter.
          sleep: (ms) => {
            waits += 1;
            return defaultSleep(Math.min(ms, 1), controller.signal);
          },
        },
      );
      expect([result.status, result.windowsDone]).toEqual(['ok', 19]);
      expect(waits).toBeGreaterThan(19);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(await storedNumbers(h.store)).toEqual(worldNumbers('x_ads', [{ from: '2021-09-01', to: '2021-12-04' }]));
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('DV360 report downloads and Google Ads streams leave none either (fetch keeps its own until garbage-collected)', async () => {
    for (const platform of ['dv360', 'google_ads'] as const) {
      h = await platformHarness(platform, 5);
      const controller = new AbortController();
      const range = { from: '2021-10-01', to: '2021-10-20' };
      const result = await h.run(range, { signal: controller.signal, sleep: (ms) => defaultSleep(Math.min(ms, 1), controller.signal) });
      expect([platform, result.status, result.windowsDone]).toEqual([platform, 'ok', 4]);
      expect(getEventListeners(controller.signal, 'abort'), platform).toHaveLength(0);
      expect(await storedNumbers(h.store)).toEqual(worldNumbers(platform, [range]));
      await h.close();
      h = undefined;
    }
  });
});
