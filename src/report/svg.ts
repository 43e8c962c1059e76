// Inline SVG charts for the HTML report, drawn here so the page needs no library and no network.
import { daysBetween, type IsoDate } from '../core/dates.ts';
import { LOCALE, formatNumber, type Lang } from './labels.ts';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const FONT = 'font-family="inherit"';
const f1 = (n: number) => (Math.round(n * 10) / 10).toString();

/** Round axis steps: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(max: number, ticks = 5): number {
  if (max <= 0) return 1;
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
}

function compact(n: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALE[lang], { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

function monthShort(date: IsoDate, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { month: 'short', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`)).replace('.', '');
}

export interface CumulativeChartInput {
  lang: Lang;
  title: string;
  start: IsoDate;
  end: IsoDate;
  projected: number;
  /** The plan's expected cumulative, every day of the period. */
  plan: readonly { date: IsoDate; expected: number }[];
  /** Achieved cumulative, every day from the start to the date judged. */
  achieved: readonly { date: IsoDate; cumulative: number }[];
  /** Where the run-rate leads from the date judged to the end of the period. */
  projection: { from: IsoDate; fromValue: number; to: IsoDate; toValue: number } | null;
  asOf: IsoDate | null;
  color: string;
  labels: { achieved: string; plan: string; target: string; projection: string };
  /** Drawing width in CSS pixels (the chart scales, so this sets the text's relative size). */
  width?: number;
}

/** Cumulative impressions against the target line and the plan's pacing line. */
export function cumulativeChart(c: CumulativeChartInput): string {
  const W = c.width ?? 1030;
  const H = Math.round(W * 0.32);
  const m = { top: 38, right: 18, bottom: 30, left: 58 };
  const iw = W - m.left - m.right;
  const ih = H - m.top - m.bottom;
  const span = Math.max(1, daysBetween(c.start, c.end));
  const top = Math.max(c.projected, c.achieved.at(-1)?.cumulative ?? 0, c.projection?.toValue ?? 0) * 1.06;
  const step = niceStep(top);
  const yMax = Math.ceil(top / step) * step;
  const x = (d: IsoDate) => m.left + (daysBetween(c.start, d) / span) * iw;
  const y = (v: number) => m.top + ih - (v / yMax) * ih;
  const out: string[] = [];
  out.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(c.title)}" xmlns="http://www.w3.org/2000/svg">`);
  out.push(`<title>${esc(c.title)}</title>`);
  for (let v = 0; v <= yMax + step / 2; v += step) {
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${f1(y(v))}" y2="${f1(y(v))}" class="grid"/>`);
    out.push(`<text x="${m.left - 8}" y="${f1(y(v) + 4)}" text-anchor="end" class="tick" ${FONT}>${esc(compact(v, c.lang))}</text>`);
  }
  for (const p of c.plan) {
    if (p.date.endsWith('-01') || p.date === c.start) {
      const px = x(p.date);
      out.push(`<line x1="${f1(px)}" x2="${f1(px)}" y1="${m.top}" y2="${m.top + ih}" class="grid grid-v"/>`);
      out.push(`<text x="${f1(px + 4)}" y="${H - 10}" class="tick" ${FONT}>${esc(monthShort(p.date, c.lang))}</text>`);
    }
  }
  const path = (pts: readonly [number, number][]) => pts.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${f1(px)},${f1(py)}`).join('');
  // Target line.
  out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${f1(y(c.projected))}" y2="${f1(y(c.projected))}" class="target-line"/>`);
  out.push(`<text x="${m.left + 6}" y="${f1(y(c.projected) - 6)}" class="target-label" ${FONT}>${esc(`${c.labels.target}: ${formatNumber(c.projected, c.lang)}`)}</text>`);
  // Plan pacing line, starting from zero the day before the period.
  out.push(`<path d="${path([[x(c.start), y(0)], ...c.plan.map((p): [number, number] => [x(p.date), y(p.expected)])])}" class="plan-line"/>`);
  if (c.achieved.length > 0) {
    const pts: [number, number][] = [[x(c.start), y(0)], ...c.achieved.map((p): [number, number] => [x(p.date), y(p.cumulative)])];
    const last = c.achieved.at(-1)!;
    out.push(`<path d="${path(pts)}L${f1(x(last.date))},${f1(y(0))}Z" fill="${c.color}" fill-opacity="0.12" stroke="none"/>`);
    out.push(`<path d="${path(pts)}" fill="none" stroke="${c.color}" stroke-width="2.5" stroke-linejoin="round"/>`);
  }
  /** A number on a white pill, readable over lines and fills. */
  const pill = (px: number, py: number, text: string, anchor: 'start' | 'end', cls: string) => {
    const w = text.length * 7.4 + 12;
    const x0 = anchor === 'end' ? px - w : px;
    out.push(`<rect x="${f1(x0)}" y="${f1(py - 14)}" width="${f1(w)}" height="19" rx="9.5" fill="#fff" fill-opacity="0.92" stroke="#d9e2ec"/>`);
    out.push(`<text x="${f1(x0 + w / 2)}" y="${f1(py)}" text-anchor="middle" class="${cls}" ${FONT}>${esc(text)}</text>`);
  };
  if (c.projection) {
    const p = c.projection;
    out.push(`<path d="M${f1(x(p.from))},${f1(y(p.fromValue))}L${f1(x(p.to))},${f1(y(p.toValue))}" class="projection-line" stroke="${c.color}"/>`);
    out.push(`<circle cx="${f1(x(p.to))}" cy="${f1(y(p.toValue))}" r="3.5" fill="#fff" stroke="${c.color}" stroke-width="1.5"/>`);
    const below = y(p.toValue) + 24 < m.top + ih ? y(p.toValue) + 24 : y(p.toValue) - 12;
    pill(x(p.to) - 2, below, formatNumber(Math.round(p.toValue), c.lang), 'end', 'point-label muted-label');
  }
  if (c.asOf && c.achieved.length > 0) {
    const last = c.achieved.at(-1)!;
    const cx = x(last.date);
    const cy = y(last.cumulative);
    out.push(`<circle cx="${f1(cx)}" cy="${f1(cy)}" r="4.5" fill="${c.color}" stroke="#fff" stroke-width="1.5"/>`);
    const text = formatNumber(last.cumulative, c.lang);
    // Below and to the right of the point, where neither the plan nor the curve so far runs.
    const anchor = cx > W - 160 ? 'end' : 'start';
    pill(cx + (anchor === 'end' ? -10 : 10), Math.min(cy + 26, m.top + ih - 6), text, anchor, 'point-label');
  }
  // Legend.
  const legend: [string, string][] = [
    [`<line x1="0" x2="22" y1="0" y2="0" stroke="${c.color}" stroke-width="2.5"/>`, c.labels.achieved],
    ['<line x1="0" x2="22" y1="0" y2="0" class="plan-line"/>', c.labels.plan],
    ...(c.projection ? ([[`<line x1="0" x2="22" y1="0" y2="0" class="projection-line" stroke="${c.color}"/>`, c.labels.projection]] as [string, string][]) : []),
    ['<line x1="0" x2="22" y1="0" y2="0" class="target-line"/>', c.labels.target],
  ];
  let lx = m.left;
  for (const [mark, text] of legend) {
    out.push(`<g transform="translate(${f1(lx)},14)">${mark}<text x="28" y="4" class="legend" ${FONT}>${esc(text)}</text></g>`);
    lx += 40 + text.length * 6.6;
  }
  out.push('</svg>');
  return out.join('');
}

export interface BarSeries {
  name: string;
  color: string;
}

export interface BarRow {
  label: string;
  /** One value per series, stacked. */
  values: number[];
  /** No total above the column (a month still to come). */
  hideTotal?: boolean;
}

/** Horizontal stacked bars with the total at the end of each bar. */
export function horizontalBars(rows: readonly BarRow[], series: readonly BarSeries[], opts: { lang: Lang; title: string; labelWidth?: number; width?: number }): string {
  const W = opts.width ?? 1030;
  const rowH = 30;
  const lw = opts.labelWidth ?? 170;
  const valueW = 120;
  const H = rows.length * rowH + 8;
  const max = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const scale = (W - lw - valueW) / max;
  const out = [`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}" xmlns="http://www.w3.org/2000/svg"><title>${esc(opts.title)}</title>`];
  const total = rows.reduce((s, r) => s + r.values.reduce((a, b) => a + b, 0), 0);
  rows.forEach((r, i) => {
    const yy = 4 + i * rowH;
    out.push(`<text x="${lw - 10}" y="${yy + 19}" text-anchor="end" class="bar-label" ${FONT}>${esc(r.label)}</text>`);
    let xx = lw;
    r.values.forEach((v, j) => {
      if (v <= 0) return;
      out.push(`<rect x="${f1(xx)}" y="${yy + 5}" width="${f1(Math.max(1, v * scale))}" height="${rowH - 10}" rx="2" fill="${series[j]!.color}"><title>${esc(`${series[j]!.name}: ${formatNumber(v, opts.lang)}`)}</title></rect>`);
      xx += v * scale;
    });
    const sum = r.values.reduce((a, b) => a + b, 0);
    const share = total > 0 ? ` · ${new Intl.NumberFormat(LOCALE[opts.lang], { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format((sum * 100) / total)} %` : '';
    out.push(`<text x="${f1(xx + 8)}" y="${yy + 19}" class="bar-value" ${FONT}>${esc(formatNumber(sum, opts.lang))}<tspan class="muted">${esc(share)}</tspan></text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** Vertical stacked columns (one per month) with the total above each. */
export function columns(rows: readonly BarRow[], series: readonly BarSeries[], opts: { lang: Lang; title: string; width?: number }): string {
  const W = opts.width ?? 1030;
  const H = 250;
  const m = { top: 24, right: 12, bottom: 30, left: 58 };
  const ih = H - m.top - m.bottom;
  const max = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const step = niceStep(max * 1.1, 4);
  const yMax = Math.ceil((max * 1.1) / step) * step;
  const y = (v: number) => m.top + ih - (v / yMax) * ih;
  const slot = (W - m.left - m.right) / Math.max(1, rows.length);
  const bw = Math.min(86, slot * 0.56);
  const out = [`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}" xmlns="http://www.w3.org/2000/svg"><title>${esc(opts.title)}</title>`];
  for (let v = 0; v <= yMax + step / 2; v += step) {
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${f1(y(v))}" y2="${f1(y(v))}" class="grid"/>`);
    out.push(`<text x="${m.left - 8}" y="${f1(y(v) + 4)}" text-anchor="end" class="tick" ${FONT}>${esc(compact(v, opts.lang))}</text>`);
  }
  rows.forEach((r, i) => {
    const cx = m.left + slot * i + slot / 2;
    let acc = 0;
    r.values.forEach((v, j) => {
      if (v <= 0) return;
      out.push(`<rect x="${f1(cx - bw / 2)}" y="${f1(y(acc + v))}" width="${f1(bw)}" height="${f1(y(acc) - y(acc + v))}" fill="${series[j]!.color}"><title>${esc(`${series[j]!.name}: ${formatNumber(v, opts.lang)}`)}</title></rect>`);
      acc += v;
    });
    if (!r.hideTotal) out.push(`<text x="${f1(cx)}" y="${f1(y(acc) - 6)}" text-anchor="middle" class="bar-value" ${FONT}>${esc(formatNumber(acc, opts.lang))}</text>`);
    out.push(`<text x="${f1(cx)}" y="${H - 10}" text-anchor="middle" class="tick" ${FONT}>${esc(r.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** A thin progress bar; `marker` draws where the plan expects to be. */
export function progressBar(pct: number | null, color: string, marker?: number | null): string {
  const w = Math.max(0, Math.min(100, pct ?? 0));
  const mk = marker === undefined || marker === null ? '' : `<span class="bar-marker" style="left:${f1(Math.max(0, Math.min(100, marker)))}%"></span>`;
  return `<div class="bar"><span class="bar-fill" style="width:${f1(w)}%;background:${color}"></span>${mk}</div>`;
}
