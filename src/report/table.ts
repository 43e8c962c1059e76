// The report for a terminal: the indicator per target, then its breakdowns.
import type { ImpressionsIndicator } from '../indicators/impressions.ts';

export type Lang = 'es' | 'en';

const LABELS = {
  es: {
    title: 'Indicador de impresiones (logradas ÷ proyectadas × 100)',
    asOf: 'al',
    target: 'Meta',
    projected: 'Proyectadas',
    achieved: 'Logradas',
    pct: '%',
    total: 'Total',
    byGeo: 'por geografía',
    byMonth: 'por mes',
    byPlatform: 'por plataforma',
    noData: 'sin datos',
    dataThrough: 'datos hasta',
    simulated: 'DATOS SIMULADOS (sandbox) — no son cifras reales de campaña',
  },
  en: {
    title: 'Impressions indicator (achieved ÷ projected × 100)',
    asOf: 'as of',
    target: 'Target',
    projected: 'Projected',
    achieved: 'Achieved',
    pct: '%',
    total: 'Total',
    byGeo: 'by geography',
    byMonth: 'by month',
    byPlatform: 'by platform',
    noData: 'no data',
    dataThrough: 'data through',
    simulated: 'SIMULATED DATA (sandbox) — not real campaign figures',
  },
} as const;

export function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'es' ? 'es-MX' : 'en-US').format(n);
}

export function formatPct(n: number, lang: Lang): string {
  return `${new Intl.NumberFormat(lang === 'es' ? 'es-MX' : 'en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)} %`;
}

export function reportTable(ind: ImpressionsIndicator, opts: { lang: Lang; simulated?: boolean }): string {
  const L = LABELS[opts.lang];
  const n = (v: number) => formatNumber(v, opts.lang);
  const lines: string[] = [];
  if (opts.simulated) lines.push(`*** ${L.simulated} ***`, '');
  lines.push(`${L.title} — ${L.asOf} ${ind.asOf}`, '');
  const rows = [
    [L.target, L.projected, L.achieved, L.pct],
    ...ind.targets.map((t) => [`${t.name} (${t.targetId})`, n(t.projected), n(t.achieved), formatPct(t.pct, opts.lang)]),
    [L.total, n(ind.total.projected), n(ind.total.achieved), formatPct(ind.total.pct, opts.lang)],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, r] of rows.entries()) {
    lines.push(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) lines.push(widths.map((w) => '─'.repeat(w)).join('  '));
  }
  for (const t of ind.targets) {
    lines.push('', `${t.name} — ${t.dataThrough ? `${L.dataThrough} ${t.dataThrough}` : L.noData}`);
    for (const [title, list] of [
      [L.byGeo, t.byGeo],
      [L.byMonth, t.byMonth],
      [L.byPlatform, t.byPlatform],
    ] as const) {
      if (list.length === 0) continue;
      lines.push(`  ${title}:`);
      const w = Math.max(...list.map((b) => b.label.length));
      for (const b of list) lines.push(`    ${b.label.padEnd(w)}  ${n(b.impressions).padStart(12)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
