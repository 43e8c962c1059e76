// The reports of windows fetched at once are polled together: one schedule (5 s, doubling per
// poll up to 5 min) for every pending report of the session, following the report polled least;
// each report ends alone (DONE, FAILED, its own timeout). https://developers.google.com/bid-manager/reference/rest/v2/queries.reports
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/connectors/dv360/client.ts';
import { ReportPoller } from '../../src/connectors/dv360/report-wait.ts';
import { silentLogger } from '../../src/core/log.ts';

const SEPT = { from: '2021-09-01', to: '2021-10-01' };
const OCT = { from: '2021-10-02', to: '2021-11-01' };

const report = (reportId: string, state: string): Report => ({
  key: { queryId: '42', reportId },
  metadata: {
    status: { state, ...(state === 'FAILED' ? { finishTime: '2021-12-01T10:00:00Z' } : {}) },
    ...(state === 'DONE' ? { googleCloudStoragePath: `https://storage.googleapis.com/reports/${reportId}.csv?Signature=a%2Bb` } : {}),
  },
});

/** Reports that answer DONE (or FAILED) at their n-th poll; every poll and wait is recorded in order. */
function bidManager(polls: Record<string, { until: number; ends?: 'DONE' | 'FAILED' }>) {
  const timeline: string[] = [];
  const seen = new Map<string, number>();
  let clock = 0;
  const client = {
    async getReport(_queryId: string, reportId: string): Promise<Report> {
      const n = (seen.get(reportId) ?? 0) + 1;
      seen.set(reportId, n);
      timeline.push(`poll ${reportId} at ${clock / 1000}s`);
      const p = polls[reportId]!;
      return report(reportId, n >= p.until ? (p.ends ?? 'DONE') : 'RUNNING');
    },
  };
  const sleep = async (ms: number) => {
    clock += ms;
    timeline.push(`wait ${ms / 1000}s`);
    await new Promise((r) => setImmediate(r));
  };
  return { client, ctx: { sleep, log: silentLogger(), signal: undefined }, timeline, now: () => clock };
}

describe('polling the reports of several windows', () => {
  it('polls two reports started together on one schedule, each until it is DONE', async () => {
    const bm = bidManager({ '1': { until: 2 }, '2': { until: 3 } });
    const poller = new ReportPoller(bm.client, bm.ctx);
    const [sept, oct] = await Promise.all([poller.wait(report('1', 'QUEUED'), SEPT, 3_600_000), poller.wait(report('2', 'QUEUED'), OCT, 3_600_000)]);
    expect(sept.url).toContain('/1.csv?Signature=a%2Bb');
    expect(oct.reportId).toBe('2');
    expect(bm.timeline).toEqual([
      'wait 5s', 'poll 1 at 5s', 'poll 2 at 5s',
      'wait 10s', 'poll 1 at 15s', 'poll 2 at 15s',
      'wait 20s', 'poll 2 at 35s',
    ]);
  });

  it('a report that starts later brings the waits back down', async () => {
    const bm = bidManager({ '1': { until: 5 }, '2': { until: 2 } });
    const poller = new ReportPoller(bm.client, bm.ctx);
    const sept = poller.wait(report('1', 'QUEUED'), SEPT, 3_600_000);
    // October's report starts while the poller waits 20 s after September's second poll.
    while (bm.timeline.filter((t) => t.startsWith('poll')).length < 2) await new Promise((r) => setImmediate(r));
    const oct = poller.wait(report('2', 'QUEUED'), OCT, 3_600_000);
    await Promise.all([sept, oct]);
    expect(bm.timeline).toEqual([
      'wait 5s', 'poll 1 at 5s',
      'wait 10s', 'poll 1 at 15s',
      'wait 20s', 'poll 1 at 35s', 'poll 2 at 35s',
      // October has been polled once: 10 s, not September's 40 s.
      'wait 10s', 'poll 1 at 45s', 'poll 2 at 45s',
      // October is DONE; September, polled four times, waits 80 s.
      'wait 80s', 'poll 1 at 125s',
    ]);
  });

  it('a FAILED report fails its window only; the other is still read', async () => {
    const bm = bidManager({ '1': { until: 2, ends: 'FAILED' }, '2': { until: 2 } });
    const poller = new ReportPoller(bm.client, bm.ctx);
    const [sept, oct] = await Promise.allSettled([poller.wait(report('1', 'QUEUED'), SEPT, 3_600_000), poller.wait(report('2', 'QUEUED'), OCT, 3_600_000)]);
    expect(sept.status === 'rejected' && String(sept.reason)).toContain('Bid Manager report 1 (query 42, 2021-09-01..2021-10-01) FAILED on Google');
    expect(oct).toMatchObject({ status: 'fulfilled', value: { reportId: '2' } });
  });

  it('each report has its own timeout, counted from when it started', async () => {
    const bm = bidManager({ '1': { until: 99 }, '2': { until: 4 } });
    const poller = new ReportPoller(bm.client, bm.ctx);
    const [sept, oct] = await Promise.allSettled([poller.wait(report('1', 'QUEUED'), SEPT, 30_000), poller.wait(report('2', 'QUEUED'), OCT, 3_600_000)]);
    // 5 + 10 s waited; the next wait (20 s) would pass 30 s.
    expect(sept.status === 'rejected' && String(sept.reason)).toContain('still RUNNING after 0 min (report_timeout_minutes)');
    expect(oct.status).toBe('fulfilled');
    expect(bm.timeline.filter((t) => t.startsWith('poll 1'))).toEqual(['poll 1 at 5s', 'poll 1 at 15s']);
  });

  it('a report DONE when started is not polled at all', async () => {
    const bm = bidManager({});
    const done = await new ReportPoller(bm.client, bm.ctx).wait(report('7', 'DONE'), SEPT, 60_000);
    expect(done.reportId).toBe('7');
    expect(bm.timeline).toEqual([]);
  });
});
