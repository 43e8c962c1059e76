// Waiting for Bid Manager reports: each goes QUEUED → RUNNING → DONE or FAILED, in minutes to over
// an hour. A session's reports (one per window, several when windows are fetched at once) are
// polled together on one schedule: every tick gets each pending report, and the wait before a
// tick backs off exponentially, 5 s doubling to a 5 min cap per poll (few requests against the
// 2,000-a-day quota), following the pending report polled least — reports started together share
// one schedule, and one that starts later brings the waits back down. Each report ends alone:
// DONE, FAILED, its own timeout, or a request error. Waits go through ctx.sleep.
import { AsyncLocalStorage } from 'node:async_hooks';
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

interface PendingReport {
  queryId: string;
  reportId: string;
  what: string;
  timeoutMs: number;
  /** Time slept on the schedule since this report joined. */
  waitedMs: number;
  polls: number;
  state: string;
  /** Runs a poll in the context of the fetch that started the report, so its request counts toward that window. */
  inFetch: <R>(fn: () => R) => R;
  resolve: (done: DoneReport) => void;
  reject: (error: unknown) => void;
}

function stateOf(report: Report): string {
  return report.metadata?.status?.state ?? 'UNKNOWN';
}

export class ReportPoller {
  private readonly pending = new Set<PendingReport>();
  private running = false;

  constructor(
    private readonly client: Pick<BidManagerClient, 'getReport'>,
    private readonly ctx: Pick<ConnectorContext, 'sleep' | 'signal' | 'log'>,
  ) {}

  /** Resolves once the started report is DONE; fails if it ends FAILED or is not done within `timeoutMs`. */
  wait(started: Report, window: DateWindow, timeoutMs: number): Promise<DoneReport> {
    const queryId = started.key?.queryId;
    const reportId = started.key?.reportId;
    if (!queryId || !reportId) return Promise.reject(new FatalError('queries.run answered without key.queryId / key.reportId'));
    return new Promise<DoneReport>((resolve, reject) => {
      const report: PendingReport = {
        queryId,
        reportId,
        what: `Bid Manager report ${reportId} (query ${queryId}, ${window.from}..${window.to})`,
        timeoutMs,
        waitedMs: 0,
        polls: 0,
        state: stateOf(started),
        inFetch: AsyncLocalStorage.snapshot(),
        resolve,
        reject,
      };
      if (this.settle(report, started)) return;
      this.pending.add(report);
      if (!this.running) void this.poll();
    });
  }

  /** Resolves or rejects the report if its state is final; true if it did. */
  private settle(report: PendingReport, answer: Report): boolean {
    report.state = stateOf(answer);
    if (report.state === 'DONE') {
      const url = answer.metadata?.googleCloudStoragePath;
      if (url) report.resolve({ queryId: report.queryId, reportId: report.reportId, url });
      else report.reject(new FatalError(`${report.what} is DONE but has no googleCloudStoragePath`));
      return true;
    }
    // Google documents reports failing now and then; running the query again is the cure, so
    // this is transient: the runner fetches the window again (a new report of the saved query).
    if (report.state === 'FAILED') {
      report.reject(
        new TransientError(
          `${report.what} FAILED on Google's side (finished ${answer.metadata?.status?.finishTime ?? 'at an unknown time'}); the query is run again`,
        ),
      );
      return true;
    }
    return false;
  }

  private drop(report: PendingReport, error: unknown): void {
    this.pending.delete(report);
    report.reject(error);
  }

  /** The one polling loop of the session: runs while any report is pending. */
  private async poll(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0) {
        const fewestPolls = Math.min(...[...this.pending].map((r) => r.polls));
        const delay = Math.min(FIRST_POLL_MS * 2 ** Math.min(fewestPolls, 16), MAX_POLL_MS);
        for (const report of this.pending) {
          if (report.waitedMs + delay > report.timeoutMs) {
            this.drop(
              report,
              new WaitTimeoutError(
                `${report.what} still ${report.state} after ${Math.round(report.waitedMs / 60_000)} min (report_timeout_minutes); the window will be fetched again next run`,
              ),
            );
          }
        }
        if (this.pending.size === 0) break;
        this.ctx.log.debug({ reports: [...this.pending].map((r) => `${r.reportId} ${r.state}`), waitMs: delay }, 'reports not ready yet');
        const waiting = [...this.pending];
        await this.ctx.sleep(delay);
        for (const report of waiting) report.waitedMs += delay;
        for (const report of [...this.pending]) {
          if (this.ctx.signal?.aborted) {
            this.drop(report, new TransientError(`${report.what}: interrupted while waiting`));
            continue;
          }
          try {
            const answer = await report.inFetch(() => this.client.getReport(report.queryId, report.reportId));
            report.polls += 1;
            if (this.settle(report, answer)) this.pending.delete(report);
          } catch (error) {
            this.drop(report, error);
          }
        }
      }
    } catch (error) {
      for (const report of [...this.pending]) this.drop(report, error);
    } finally {
      this.running = false;
    }
  }
}
