// The report for a terminal: the three indicators, pacing per target, each target's breakdowns
// and the SMS and e-mail sends.
import { terminalText } from '../core/terminal-text.ts';
import type { SendProgress } from '../indicators/messaging.ts';
import type { Pacing } from '../indicators/pacing.ts';
import {
  LABELS,
  areaLabel,
  formatDate,
  formatNumber,
  formatPct,
  formatSigned,
  formatSignedPct,
  geoLabel,
  platformLabel,
  formatMonth,
  type Labels,
  type Lang,
} from './labels.ts';
import { hasProblem, problemNotes, sourceLabel } from './freshness.ts';
import type { ReportData } from './model.ts';

export { formatNumber, formatPct, type Lang } from './labels.ts';

/**
 * Columns padded to their widest cell; the first column left-aligned, the others right. Cells
 * hold names from the config, so their control characters are escaped (before measuring).
 */
function grid(cells: readonly (readonly string[])[], indent = ''): string[] {
  const rows = cells.map((r) => r.map(terminalText));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const out: string[] = [];
  for (const [i, r] of rows.entries()) {
    out.push(indent + r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ').trimEnd());
    if (i === 0) out.push(indent + widths.map((w) => '─'.repeat(w)).join('  '));
  }
  return out;
}

export function reportTable(report: ReportData, opts: { lang: Lang }): string {
  const L = LABELS[opts.lang];
  const lang = opts.lang;
  const n = (v: number) => formatNumber(v, lang);
  const ind = report.impressions;
  const lines: string[] = [];
  if (report.simulated) lines.push(`*** ${L.simulated} — ${L.simulatedDetail} ***`, '');

  lines.push(`${L.reportTitle} — ${L.asOf} ${formatDate(report.asOf, lang)}`, '');
  const missing = report.sources.filter(hasProblem);
  if (missing.length > 0) {
    lines.push(`!! ${L.incompleteTitle} — ${L.incompleteDetail}`);
    for (const s of missing) lines.push(`!!   ${sourceLabel(s)}: ${problemNotes(s, lang).join(' · ')}`);
    lines.push('');
  }
  const sms = report.messaging.channels.find((c) => c.channel === 'sms')!.total;
  const email = report.messaging.channels.find((c) => c.channel === 'email')!.total;
  lines.push(
    ...grid([
      [L.indicator, L.progress, L.goal, L.pct, L.status],
      [`${L.impressions} (${L.impressionsFormula})`, n(ind.total.achieved), n(ind.total.projected), formatPct(ind.total.pct, lang), L.statusWord[report.totalPacing.status]],
      [`${L.sms} (${L.smsFormula})`, n(sms.sent), sms.scheduled === null ? L.noSchedule : n(sms.scheduled), formatPct(sms.pct, lang), ''],
      [`${L.email} (${L.emailFormula})`, n(email.sent), email.scheduled === null ? L.noSchedule : n(email.scheduled), formatPct(email.pct, lang), ''],
    ]),
    '',
  );

  lines.push(`${L.impressionsTitle} — ${L.asOf} ${formatDate(ind.asOf, lang)}`, '');
  lines.push(
    ...grid([
      [L.target, L.projected, L.achieved, L.pct],
      ...ind.targets.map((t) => [`${t.name} (${t.targetId})`, n(t.projected), n(t.achieved), formatPct(t.pct, lang)]),
      [L.total, n(ind.total.projected), n(ind.total.achieved), formatPct(ind.total.pct, lang)],
    ]),
  );

  const tolerance = new Set(report.pacing.map((p) => p.tolerancePct));
  const rateDays = new Set(report.pacing.map((p) => p.runRateDays).filter((d) => d > 0));
  lines.push(
    '',
    [L.pacing, rateDays.size === 1 ? `${L.runRate}: ${L.lastDays([...rateDays][0]!)}` : '', tolerance.size === 1 ? L.tolerance(String([...tolerance][0])) : '']
      .filter((s) => s !== '')
      .join(' — '),
    '',
  );
  lines.push(
    ...grid([
      [L.target, L.expectedToDate, L.achieved, L.variance, `${L.runRate}`, L.projectedFinal, L.reachDate, L.status],
      ...ind.targets.map((t, i) => pacingRow(t.name, report.pacing[i]!, L, lang)),
      pacingRow(L.total, report.totalPacing, L, lang),
    ]),
  );

  for (const t of ind.targets) {
    lines.push('', `${terminalText(t.name)} — ${t.dataThrough ? `${L.dataThrough} ${t.dataThrough}` : L.noData}`);
    const sections: [string, { label: string; impressions: number }[]][] = [
      [L.byArea, t.byArea.map((b) => ({ label: areaLabel(b.key, lang, b.label), impressions: b.impressions }))],
      [L.byGeo, t.byGeo.map((b) => ({ label: geoLabel(b.label, lang), impressions: b.impressions }))],
      [L.byMonth, t.byMonth.map((b) => ({ label: formatMonth(b.key, lang), impressions: b.impressions }))],
      [L.byPlatform, t.byPlatform.map((b) => ({ label: platformLabel(b.key), impressions: b.impressions }))],
    ];
    for (const [title, list] of sections) {
      if (list.length === 0 || t.achieved === 0) continue;
      lines.push(`  ${title}:`);
      const labels = list.map((b) => terminalText(b.label));
      const w = Math.max(...labels.map((l) => l.length));
      for (const [i, b] of list.entries()) lines.push(`    ${labels[i]!.padEnd(w)}  ${n(b.impressions).padStart(12)}`);
    }
  }

  lines.push('', L.messagingTitle, '');
  const rows: string[][] = [['', L.scheduled, L.sent, L.pct, L.delivered, L.failed, L.pending, L.deliveredPct]];
  for (const c of report.messaging.channels) {
    const name = c.channel === 'sms' ? L.sms : L.email;
    for (const s of [...c.sends, c.total]) rows.push(sendRow(`${name} — ${s.send === 'total' ? L.total : L.sendN(s.send)}`, s, L, lang));
  }
  lines.push(...grid(rows));
  return `${lines.join('\n')}\n`;
}

function pacingRow(name: string, p: Pacing, L: Labels, lang: Lang): string[] {
  const n = (v: number) => formatNumber(v, lang);
  const reach = p.reachedOn
    ? `${L.reachedOn} ${formatDate(p.reachedOn, lang)}`
    : p.reachDate
      ? `${formatDate(p.reachDate, lang)}${p.reachDate > p.periodEnd ? ` (${L.afterPeriod})` : ''}`
      : p.phase === 'before'
        ? '—'
        : p.phase === 'ended'
          ? L.notReachedEnded
          : L.notReached;
  return [
    name,
    n(p.expected),
    n(p.achieved),
    `${formatSigned(p.variance, lang)} (${formatSignedPct(p.variancePct, lang)})`,
    `${n(p.runRate)}${L.perDay}`,
    p.projectedFinal === null ? '—' : n(p.projectedFinal),
    reach,
    L.statusWord[p.status] + (p.phase === 'ended' ? ` (${L.phaseEnded})` : ''),
  ];
}

function sendRow(name: string, s: SendProgress, L: Labels, lang: Lang): string[] {
  const n = (v: number) => formatNumber(v, lang);
  return [
    name,
    s.scheduled === null ? L.noSchedule : n(s.scheduled),
    n(s.sent),
    formatPct(s.pct, lang),
    n(s.delivered),
    n(s.failed),
    n(s.pending),
    formatPct(s.deliveredPct, lang, 1),
  ];
}
