// Waiting for a Bid Manager report: it goes QUEUED → RUNNING → DONE or FAILED, in minutes to over
// an hour. Polls back off exponentially from 5 s to a 5 min cap (few requests against the
// 2,000-a-day quota), up to the source's timeout. Waits go through ctx.sleep.
import { FatalError, TransientError, WaitTimeoutError } from '../../core/errors.ts';
import type { DateWindow } from '../../core/dates.ts';
import type { ConnectorContext } from '../types.ts';
import type { BidManagerClient, Report } from './client.ts';

export const FIRST_POLL_MS = 5_000;
export const MAX_POLL_MS = 5 * 60_000;

export interface DoneReport {
  queryId: string;
  reportId: string;
  /** The signed Cloud Storage URL of the CSV file. */
  url: string;
}

function stateOf(report: Report): string {
  return report.metadata?.status?.state ?? 'UNKNOWN';
}

export async function waitForReport(
  started: Report,
  window: DateWindow,
  timeoutMs: number,
  client: BidManagerClient,
  ctx: ConnectorContext,
): Promise<DoneReport> {
  const queryId = started.key?.queryId;
  const reportId = started.key?.reportId;
  if (!queryId || !reportId) throw new FatalError('queries.run answered without key.queryId / key.reportId');
  const what = `Bid Manager report ${reportId} (query ${queryId}, ${window.from}..${window.to})`;
  let report = started;
  let delay = FIRST_POLL_MS;
  let waited = 0;
  for (;;) {
    const state = stateOf(report);
    if (state === 'DONE') {
      const url = report.metadata?.googleCloudStoragePath;
      if (!url) throw new FatalError(`${what} is DONE but has no googleCloudStoragePath`);
      return { queryId, reportId, url };
    }
    // Google documents reports failing now and then; running the query again is the cure, so
    // this is transient: the runner fetches the window again (a new report of the saved query).
    if (state === 'FAILED') {
      throw new TransientError(`${what} FAILED on Google's side (finished ${report.metadata?.status?.finishTime ?? 'at an unknown time'}); the query is run again`);
    }
    if (waited + delay > timeoutMs) {
      throw new WaitTimeoutError(`${what} still ${state} after ${Math.round(waited / 60_000)} min (report_timeout_minutes); the window will be fetched again next run`);
    }
    ctx.log.debug({ reportId, state, waitMs: delay }, 'report not ready yet');
    await ctx.sleep(delay);
    if (ctx.signal?.aborted) throw new TransientError(`${what}: interrupted while waiting`);
    waited += delay;
    delay = Math.min(delay * 2, MAX_POLL_MS);
    report = await client.getReport(queryId, reportId);
  }
}
