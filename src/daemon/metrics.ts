// The daemon's counters and their Prometheus text exposition (format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/). Counters live for the process
// (Prometheus handles restarts); gauges about the data are read from the database each scrape,
// so they are right after a restart and include what a backfill did.
import type { SourceRunResult } from '../ingest/runner.ts';
import type { SourceStatusLine } from '../ingest/status.ts';

interface SourceCounters {
  rows: number;
  requests: number;
  failures: number;
  /** Window fetches made again after a transient failure. */
  retries: number;
  /** Windows that failed all their attempts (or a permanent cause). */
  failedWindows: number;
  runs: Map<string, number>;
}

export interface DaemonClock {
  lastTickAt?: Date | undefined;
  nextTickAt?: Date | undefined;
}

export class DaemonMetrics {
  private readonly sources = new Map<string, SourceCounters>();
  private ticks = 0;
  private skippedTicks = 0;
  private readonly report = { published: 0, publishFailures: 0, lastPublishedAt: undefined as Date | undefined, emailsSent: 0, emailFailures: 0 };

  constructor(sourceIds: readonly string[]) {
    for (const id of sourceIds) this.counters(id);
  }

  private counters(sourceId: string): SourceCounters {
    let c = this.sources.get(sourceId);
    if (!c) {
      c = { rows: 0, requests: 0, failures: 0, retries: 0, failedWindows: 0, runs: new Map() };
      this.sources.set(sourceId, c);
    }
    return c;
  }

  recordTick(results: readonly SourceRunResult[]): void {
    this.ticks += 1;
    for (const r of results) {
      if (r.status === 'disabled') continue;
      const c = this.counters(r.sourceId);
      c.rows += r.rows;
      c.requests += r.requests;
      if (r.status === 'failed') c.failures += 1;
      c.retries += r.retries ?? 0;
      c.failedWindows += (r.failedWindows ?? []).filter((f) => f.kind !== 'interrupted').length;
      c.runs.set(r.status, (c.runs.get(r.status) ?? 0) + 1);
    }
  }

  /** A tick that found the previous one still running (noOverlap). */
  recordSkippedTick(): void {
    this.skippedTicks += 1;
  }

  /** The report's files after a run: all written, or one of them failed (the earlier ones stand). */
  recordPublish(ok: boolean, at: Date): void {
    if (ok) {
      this.report.published += 1;
      this.report.lastPublishedAt = at;
    } else this.report.publishFailures += 1;
  }

  /** The report's e-mail after a run: sent, or not (a skipped one by the `when` rule is neither). */
  recordEmail(ok: boolean): void {
    if (ok) this.report.emailsSent += 1;
    else this.report.emailFailures += 1;
  }

  render(status: readonly SourceStatusLine[], clock: DaemonClock): string {
    const out: string[] = [];
    const family = (name: string, type: 'gauge' | 'counter', help: string, samples: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
    };
    const ids = [...this.sources.keys()];

    family('pauta_source_last_success_timestamp_seconds', 'gauge', 'When a window of the source last committed (Unix time).',
      status.filter((s) => s.lastSuccessAt !== null).map((s) => sample('pauta_source_last_success_timestamp_seconds', { source: s.sourceId, platform: s.platform }, seconds(s.lastSuccessAt!))));
    family('pauta_source_lag_days', 'gauge', 'Days between the last date stored and yesterday in the account zone.',
      status.filter((s) => s.lagDays !== null).map((s) => sample('pauta_source_lag_days', { source: s.sourceId }, s.lagDays!)));
    family('pauta_source_stale', 'gauge', '1 when the source is enabled and never ingested or lags more than stale_after_days.',
      status.map((s) => sample('pauta_source_stale', { source: s.sourceId }, s.stale ? 1 : 0)));
    family('pauta_rows_ingested_total', 'counter', 'Geo rows written by this process.',
      ids.map((id) => sample('pauta_rows_ingested_total', { source: id }, this.counters(id).rows)));
    family('pauta_requests_total', 'counter', 'Platform requests made by this process, retries included.',
      ids.map((id) => sample('pauta_requests_total', { source: id }, this.counters(id).requests)));
    family('pauta_run_failures_total', 'counter', 'Scheduled runs of the source that failed.',
      ids.map((id) => sample('pauta_run_failures_total', { source: id }, this.counters(id).failures)));
    family('pauta_window_retries_total', 'counter', 'Windows fetched again within a run after a transient failure.',
      ids.map((id) => sample('pauta_window_retries_total', { source: id }, this.counters(id).retries)));
    family('pauta_windows_failed_total', 'counter', 'Windows that did not commit after all their attempts; later windows went on.',
      ids.map((id) => sample('pauta_windows_failed_total', { source: id }, this.counters(id).failedWindows)));
    family('pauta_source_runs_total', 'counter', 'Scheduled runs of the source by result (ok, failed, busy, interrupted).',
      ids.flatMap((id) => [...this.counters(id).runs].map(([status, n]) => sample('pauta_source_runs_total', { source: id, status }, n))));
    family('pauta_daemon_ticks_total', 'counter', 'Scheduled runs started by this process.', [sample('pauta_daemon_ticks_total', {}, this.ticks)]);
    family('pauta_daemon_ticks_skipped_total', 'counter', 'Scheduled runs skipped because the previous one was still running.',
      [sample('pauta_daemon_ticks_skipped_total', {}, this.skippedTicks)]);
    family('pauta_report_published_total', 'counter', 'Scheduled runs after which every report file was written.', [sample('pauta_report_published_total', {}, this.report.published)]);
    family('pauta_report_publish_failures_total', 'counter', 'Scheduled runs after which a report file could not be written.',
      [sample('pauta_report_publish_failures_total', {}, this.report.publishFailures)]);
    family('pauta_report_emails_sent_total', 'counter', 'Report e-mails the SMTP server accepted.', [sample('pauta_report_emails_sent_total', {}, this.report.emailsSent)]);
    family('pauta_report_email_failures_total', 'counter', 'Report e-mails that could not be sent (server unreachable, login or message refused, settings unusable).',
      [sample('pauta_report_email_failures_total', {}, this.report.emailFailures)]);
    if (this.report.lastPublishedAt) {
      family('pauta_report_last_published_timestamp_seconds', 'gauge', 'When the report files were last written whole (Unix time).',
        [sample('pauta_report_last_published_timestamp_seconds', {}, this.report.lastPublishedAt.getTime() / 1000)]);
    }
    if (clock.lastTickAt) {
      family('pauta_daemon_last_tick_timestamp_seconds', 'gauge', 'When the last scheduled run started (Unix time).',
        [sample('pauta_daemon_last_tick_timestamp_seconds', {}, clock.lastTickAt.getTime() / 1000)]);
    }
    if (clock.nextTickAt) {
      family('pauta_daemon_next_tick_timestamp_seconds', 'gauge', 'When the next scheduled run is due (Unix time).',
        [sample('pauta_daemon_next_tick_timestamp_seconds', {}, clock.nextTickAt.getTime() / 1000)]);
    }
    return `${out.join('\n')}\n`;
  }
}

function seconds(iso: string): number {
  return new Date(iso).getTime() / 1000;
}

/** Label values escape backslash, double quote and newline (the exposition format's rule). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const entries = Object.entries(labels);
  const body = entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
  return `${name}${body} ${Number.isInteger(value) ? value : value.toFixed(3)}`;
}
