// After each scheduled run, the daemon publishes the report as of yesterday in schedule.timezone —
// the page `pauta report --format html` prints for that date, from the same code — to the files
// the config names, each replaced whole (a web server never serves half a page), then e-mails it
// if the config says so. A run that failed publishes too: the page names the missing source.
// Nothing here fails a run: a file or an e-mail that cannot be written or sent is logged and
// counted in /metrics, and the next run tries again.
import path from 'node:path';
import { DateTime } from 'luxon';
import type { PautaConfig } from '../config/load.ts';
import type { ReportConfig } from '../config/schema.ts';
import { describeError } from '../core/errors.ts';
import { PRIVATE_MODES, writeFileAtomic, type FileModes } from '../core/files.ts';
import type { Logger } from '../core/log.ts';
import { syncMessagingSchedule } from '../messaging/schedule.ts';
import { CSV_TABLES, reportCsvTables } from '../report/csv.ts';
import { reportMessage, sendReportEmail, smtpAddress } from '../report/email.ts';
import { hasProblem } from '../report/freshness.ts';
import { reportHtml } from '../report/html.ts';
import { reportJson } from '../report/json.ts';
import { getMeta, setMeta } from '../report/meta.ts';
import { buildReport, defaultAsOf, type ReportData } from '../report/model.ts';
import type { Store } from '../store/store.ts';
import type { DaemonMetrics } from './metrics.ts';

/** The statuses the last e-mail reported, for `when: status_change` (kept across restarts). */
export const EMAIL_STATUS_KEY = 'report_email_status';

export interface PublishDeps {
  config: PautaConfig;
  store: Store;
  log: Logger;
  metrics: DaemonMetrics;
  env?: NodeJS.ProcessEnv | undefined;
  now?: (() => Date) | undefined;
  /** The daemon's stop signal: an e-mail not yet started is not started. */
  signal?: AbortSignal | undefined;
}

export interface PublishResult {
  asOf: string;
  /** Files written whole, in order. */
  written: string[];
  /** The file that could not be written, and why (the files before it were written). */
  fileError?: { file: string; message: string } | undefined;
  email: 'sent' | 'failed' | 'skipped' | 'off';
  emailError?: string | undefined;
}

/** The config's file mode, and directories that can be entered wherever files can be read. */
export function publishModes(report: ReportConfig): FileModes {
  if (report.file_mode === undefined) return PRIVATE_MODES;
  return { file: report.file_mode, dir: report.file_mode | ((report.file_mode & 0o444) >> 2) };
}

/** What `when: status_change` compares: each target's pacing status and the sources with a problem. */
export function statusSignature(report: ReportData): string {
  const targets = report.impressions.targets.map((t, i) => `${t.targetId}=${report.pacing[i]!.status}`);
  const missing = report.sources.filter(hasProblem).map((s) => s.sourceId);
  return [`total=${report.totalPacing.status}`, ...targets, `missing=${missing.join(',')}`].join(' ');
}

export class ReportPublisher {
  constructor(
    private readonly settings: ReportConfig,
    private readonly deps: PublishDeps,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Publishes the report for a run that started at `startedAt`. Never throws. */
  async publish(run: { runId: string; startedAt: Date }): Promise<PublishResult> {
    const { config, store, metrics } = this.deps;
    const log = this.deps.log.child({ runId: run.runId, component: 'report' });
    const asOf = defaultAsOf(run.startedAt, config);
    const result: PublishResult = { asOf, written: [], email: this.settings.email ? 'skipped' : 'off' };
    let report: ReportData;
    try {
      const now = this.now();
      await syncMessagingSchedule(store, config.messaging, now);
      report = await buildReport(store, config, { asOf, now });
    } catch (error) {
      // Only the database failing gets here: there is nothing to publish or send.
      log.error({ err: error, asOf }, `daily report not made: ${describeError(error)}`);
      if (this.hasFiles()) metrics.recordPublish(false, this.now());
      if (this.settings.email) metrics.recordEmail(false);
      return { ...result, email: this.settings.email ? 'failed' : 'off', emailError: describeError(error) };
    }

    if (this.hasFiles()) {
      this.writeFiles(report, result);
      metrics.recordPublish(result.fileError === undefined, this.now());
      if (result.fileError) log.error({ asOf, file: result.fileError.file, written: result.written, error: result.fileError.message }, `daily report not published: ${result.fileError.file}: ${result.fileError.message}`);
      else log.info({ asOf, files: result.written, sourcesMissing: report.sources.filter(hasProblem).map((s) => s.sourceId) }, 'daily report published');
    }

    if (this.settings.email) await this.email(report, run.startedAt, result, log);
    return result;
  }

  private hasFiles(): boolean {
    return this.settings.html !== undefined || this.settings.json !== undefined || this.settings.csv !== undefined;
  }

  private writeFiles(report: ReportData, result: PublishResult): void {
    const { html, json, csv, lang } = this.settings;
    const modes = publishModes(this.settings);
    const files: [string, () => string][] = [];
    if (html !== undefined) files.push([html, () => reportHtml(report, { lang })]);
    if (json !== undefined) files.push([json, () => `${JSON.stringify(reportJson(report), null, 2)}\n`]);
    if (csv !== undefined) {
      let tables: ReturnType<typeof reportCsvTables> | undefined;
      for (const name of CSV_TABLES) files.push([path.join(csv, `${name}.csv`), () => (tables ??= reportCsvTables(report, lang))[name]]);
    }
    for (const [file, content] of files) {
      try {
        writeFileAtomic(file, content(), modes);
        result.written.push(file);
      } catch (error) {
        result.fileError = { file, message: fileProblem(error) };
        return;
      }
    }
  }

  private async email(report: ReportData, startedAt: Date, result: PublishResult, log: Logger): Promise<void> {
    const settings = this.settings.email!;
    const { config, store, metrics } = this.deps;
    const signature = statusSignature(report);
    if (settings.when === 'weekdays' && DateTime.fromJSDate(startedAt, { zone: config.schedule.timezone }).weekday > 5) {
      log.info({ asOf: result.asOf, when: settings.when }, 'daily report e-mail not sent: not a weekday');
      return;
    }
    if (settings.when === 'status_change') {
      const previous = await getMeta(store.db, EMAIL_STATUS_KEY).catch(() => undefined);
      if (previous === signature) {
        log.info({ asOf: result.asOf, when: settings.when, status: signature }, 'daily report e-mail not sent: no status changed');
        return;
      }
    }
    if (this.deps.signal?.aborted) {
      log.warn({ asOf: result.asOf }, 'daily report e-mail not sent: the daemon is stopping');
      return;
    }
    const message = reportMessage(report, this.settings.lang);
    try {
      const sent = await sendReportEmail(settings, message, { env: this.deps.env, signal: this.deps.signal });
      result.email = 'sent';
      metrics.recordEmail(true);
      await setMeta(store.db, EMAIL_STATUS_KEY, signature, this.now()).catch((error: unknown) => {
        log.warn({ err: error }, 'the statuses of the e-mail sent could not be kept: the next run may send it again');
      });
      const summary = { asOf: result.asOf, subject: message.subject, server: smtpAddress(settings.smtp), accepted: sent.accepted.length, rejected: sent.rejected };
      if (sent.rejected.length > 0) log.warn(summary, `daily report e-mailed; the server refused ${sent.rejected.length} recipient(s)`);
      else log.info(summary, 'daily report e-mailed');
    } catch (error) {
      result.email = 'failed';
      result.emailError = describeError(error);
      metrics.recordEmail(false);
      log.error({ err: error, asOf: result.asOf, server: smtpAddress(settings.smtp) }, `daily report e-mail not sent: ${describeError(error)}`);
    }
  }
}

/** A file system error, said the way a person fixes it. */
function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable'
    : code === 'ENOSPC' ? 'the disk is full'
    : code === 'EISDIR' ? 'is a directory (give a file name)'
    : code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of the path is not a directory'
    : undefined;
  return why === undefined ? describeError(error) : `${why} (${code})`;
}
