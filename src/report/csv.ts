// The report as tidy CSV: one table per breakdown, one observation per row, plain numbers
// (no thousands separators, `.` for decimals) so spreadsheets and scripts read them as numbers.
import { toCsvLine } from '../core/csv.ts';
import type { Breakdown } from '../indicators/impressions.ts';
import type { Pacing } from '../indicators/pacing.ts';
import { areaLabel, geoLabel, platformLabel, type Lang } from './labels.ts';
import type { ReportData } from './model.ts';

export const CSV_TABLES = ['indicators', 'targets', 'daily', 'by_area', 'by_geo', 'by_month', 'by_platform', 'messaging', 'messaging_daily'] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

type Cell = string | number | boolean | null;

/**
 * Text a spreadsheet would evaluate as a formula (OWASP's CSV injection rule: a cell starting
 * with = + - @ tab or carriage return) gets a leading quote, so it shows as the text it is.
 * https://owasp.org/www-community/attacks/CSV_Injection
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Plain numbers rounded to 2 decimals; null is an empty cell. Only text is neutralised: a number
 * column's negative values (a variance of -13830) stay numbers a spreadsheet can add up.
 */
function cell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(Math.round(v * 100) / 100);
  const text = String(v);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function csv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((r) => toCsvLine(r.map(cell))).join('\r\n') + '\r\n';
}

function pacingCells(p: Pacing): Cell[] {
  return [
    Math.round(p.expected), Math.round(p.variance), p.variancePct, p.runRate, p.runRateDays, p.requiredRate,
    p.projectedFinal === null ? null : Math.round(p.projectedFinal), p.reachedOn, p.reachDate, p.status, p.phase,
  ];
}

export function reportCsvTables(r: ReportData, lang: Lang): Record<CsvTable, string> {
  const ind = r.impressions;
  const withTotal = <T>(pick: (t: (typeof ind.targets)[number]) => T, total: T): [string, T][] => [
    ...ind.targets.map((t): [string, T] => [t.targetId, pick(t)]),
    ['total', total],
  ];
  const breakdownRows = (lists: [string, Breakdown[]][], label: (b: Breakdown) => string) =>
    lists.flatMap(([id, list]) => list.map((b) => [id, b.key, label(b), b.impressions]));
  const sms = r.messaging.channels.find((c) => c.channel === 'sms')!.total;
  const email = r.messaging.channels.find((c) => c.channel === 'email')!.total;

  return {
    indicators: csv(
      ['indicator', 'achieved', 'planned', 'pct', 'status', 'as_of', 'simulated'],
      [
        ['impressions', ind.total.achieved, ind.total.projected, ind.total.pct, r.totalPacing.status, r.asOf, r.simulated],
        ['sms', sms.sent, sms.scheduled, sms.pct, null, r.asOf, r.simulated],
        ['email', email.sent, email.scheduled, email.pct, null, r.asOf, r.simulated],
      ],
    ),
    targets: csv(
      ['target_id', 'name', 'projected', 'achieved', 'pct', 'period_start', 'period_end', 'as_of', 'data_through',
        'expected', 'variance', 'variance_pct', 'run_rate', 'run_rate_days', 'required_rate', 'projected_final', 'reached_on', 'reach_date', 'status', 'phase'],
      [
        ...ind.targets.map((t, i) => [t.targetId, t.name, t.projected, t.achieved, t.pct, t.periodStart, t.periodEnd, t.asOf, t.dataThrough, ...pacingCells(r.pacing[i]!)]),
        ['total', ind.total.name, ind.total.projected, ind.total.achieved, ind.total.pct, ind.total.periodStart, ind.total.periodEnd, ind.total.asOf, ind.total.dataThrough, ...pacingCells(r.totalPacing)],
      ],
    ),
    daily: csv(
      ['target_id', 'date', 'impressions', 'cumulative', 'expected'],
      ind.targets.flatMap((t, i) => r.series[i]!.map((d) => [t.targetId, d.date, d.impressions, d.cumulative, Math.round(d.expected)])),
    ),
    by_area: csv(['target_id', 'area', 'label', 'impressions'], breakdownRows(withTotal((t) => t.byArea, ind.total.byArea), (b) => areaLabel(b.key, lang, b.label))),
    by_geo: csv(['target_id', 'key', 'label', 'impressions'], breakdownRows(ind.targets.map((t) => [t.targetId, t.byGeo]), (b) => geoLabel(b.label, lang))),
    by_month: csv(
      ['target_id', 'month', 'impressions'],
      withTotal((t) => t.byMonth, ind.total.byMonth).flatMap(([id, list]) => list.map((b) => [id, b.key, b.impressions])),
    ),
    by_platform: csv(
      ['target_id', 'platform', 'label', 'impressions'],
      breakdownRows(withTotal((t) => t.byPlatform, ind.total.byPlatform), (b) => platformLabel(b.key)),
    ),
    messaging: csv(
      ['channel', 'send', 'scheduled', 'scheduled_from', 'sent', 'delivered', 'failed', 'pending', 'pct', 'delivered_pct', 'first_date', 'last_date'],
      r.messaging.channels.flatMap((c) =>
        [...c.sends, c.total].map((s) => [c.channel, s.send, s.scheduled, s.scheduledFrom, s.sent, s.delivered, s.failed, s.pending, s.pct, s.deliveredPct, s.firstDate, s.lastDate]),
      ),
    ),
    messaging_daily: csv(
      ['channel', 'send', 'date', 'sent', 'delivered', 'failed'],
      r.messaging.channels.flatMap((c) => c.daily.map((d) => [c.channel, d.send, d.date, d.sent, d.delivered, d.failed])),
    ),
  };
}
