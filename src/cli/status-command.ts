// `pauta status [--format table|json] [--stale-after N]`: per source the last date stored, the
// lag, the last run and the next scheduled run. Exits 1 when an enabled source is stale, so a
// monitoring check can call it.
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { terminalText } from '../core/terminal-text.ts';
import type { SourceStatusLine, StatusReport } from '../ingest/status.ts';
import { EXIT, action, globalOptions, openApp, type App, keepYoungGenerationSmall } from './app.ts';
import { parseChoice, parseNonNegativeInt } from './args.ts';

export const STATUS_FORMATS = ['table', 'json'] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

/** An instant as the people who set the schedule read it: in the schedule's zone. */
function when(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function sourceLine(l: SourceStatusLine, report: StatusReport): string {
  const zone = report.schedule.timezone;
  const state = !l.enabled ? 'off  ' : l.stale ? 'STALE' : 'ok   ';
  const lag =
    l.lagDays === null
      ? 'never ingested'
      : `last date ${l.lastDate}, ${l.lagDays === 0 ? 'up to date' : `${plural(l.lagDays, 'day')} behind ${l.lastComplete}`}`;
  const threshold = l.stale && l.lagDays !== null ? ` (stale after ${report.staleAfterDays})` : '';
  const run = l.lastRun
    ? `last run ${l.lastRun.status} at ${when(l.lastRun.finishedAt, zone)} (${l.lastRun.trigger}, ${plural(l.lastRun.windows, 'window')}, ${plural(l.lastRun.rows, 'row')})${l.lastRun.error ? `: ${l.lastRun.error}` : ''}`
    : 'no runs yet';
  const now = l.ingestingNow ? `; being ingested now by ${l.ingestingNow.holder} since ${when(l.ingestingNow.since, zone)}` : '';
  return `${state} ${l.sourceId} (${l.platform}${l.enabled ? '' : ', disabled'}): ${lag}${threshold}; ${run}${now}`;
}

export function renderStatus(report: StatusReport, format: StatusFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const lines = report.sources.length === 0 ? ['no sources configured'] : report.sources.map((l) => sourceLine(l, report));
  const next = report.schedule.nextRunAt
    ? `${when(report.schedule.nextRunAt, report.schedule.timezone)} (cron "${report.schedule.cron}" in ${report.schedule.timezone})`
    : `none within a year (cron "${report.schedule.cron}")`;
  lines.push(`next scheduled run: ${next}`);
  // A stored error is a platform's text, and a lease holder any process's name.
  return `${lines.map(terminalText).join('\n')}\n`;
}

/** 1 when an enabled source is stale: the monitoring contract. */
export function statusExitCode(report: StatusReport): number {
  return report.sources.some((l) => l.stale) ? EXIT.sourceFailed : EXIT.ok;
}

export async function runStatus(
  app: App,
  opts: { format: StatusFormat; staleAfterDays: number; now?: Date },
  write: (text: string) => void,
): Promise<number> {
  const { statusReport } = await import('../ingest/status.ts');
  const report = await statusReport(app.store, app.config, opts.now ?? new Date(), opts.staleAfterDays);
  write(renderStatus(report, opts.format));
  return statusExitCode(report);
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('per source: last date stored, lag, last run, next scheduled run; exits 1 when a source is stale')
    .option('--format <format>', STATUS_FORMATS.join(' or '), 'table')
    .option('--stale-after <days>', 'lag in days that counts as stale (default: schedule.stale_after_days)')
    .action(
      action(async (opts: { format?: string; staleAfter?: string }, cmd: Command) => {
        keepYoungGenerationSmall();
        const format = parseChoice('format', opts.format, STATUS_FORMATS, 'table');
        const app = await openApp(globalOptions(cmd), { access: 'read' });
        try {
          const staleAfterDays = parseNonNegativeInt('stale-after', opts.staleAfter, app.config.schedule.stale_after_days);
          return await runStatus(app, { format, staleAfterDays }, (text) => process.stdout.write(text));
        } finally {
          await app.store.close();
        }
      }),
    );
}
