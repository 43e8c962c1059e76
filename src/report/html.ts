// The report as one self-contained HTML file: inline CSS and SVG, no scripts, fonts or requests,
// so it opens offline and survives being forwarded by e-mail.
import type { IsoDate } from '../core/dates.ts';
import { periodMonths } from '../config/schema.ts';
import type { ChannelProgress, SendProgress } from '../indicators/messaging.ts';
import type { Pacing, PacingStatus } from '../indicators/pacing.ts';
import {
  LABELS,
  LOCALE,
  areaLabel,
  formatDate,
  formatDateRange,
  formatDecimal,
  formatMonth,
  formatNumber,
  formatPct,
  formatSigned,
  formatSignedPct,
  formatTimestamp,
  platformLabel,
  type Labels,
  type Lang,
} from './labels.ts';
import { hasProblem, problemNotes, sourceLabel, type SourceFreshness } from './freshness.ts';
import type { ReportData } from './model.ts';
import { columns, cumulativeChart, esc, horizontalBars, progressBar, type BarSeries } from './svg.ts';

const TARGET_COLORS = ['#1d4e89', '#e07a1f', '#2a9d8f', '#8e5572', '#6c757d'];
const CHANNEL_COLORS = { sms: '#2a9d8f', email: '#7b5ea7' } as const;
const STATUS_CLASS: Record<PacingStatus, string> = {
  ahead: 'ahead',
  on_track: 'on-track',
  behind: 'behind',
  not_started: 'not-started',
  reached: 'reached',
  not_reached: 'not-reached',
};

function longDate(date: IsoDate, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

function badge(status: PacingStatus, L: Labels): string {
  return `<span class="badge ${STATUS_CLASS[status]}" data-status="${status}">${esc(L.statusWord[status])}</span>`;
}

export function reportHtml(r: ReportData, opts: { lang: Lang }): string {
  const lang = opts.lang;
  const L = LABELS[lang];
  const n = (v: number) => formatNumber(v, lang);
  const ind = r.impressions;
  const series: BarSeries[] = ind.targets.map((t, i) => ({ name: t.name, color: TARGET_COLORS[i % TARGET_COLORS.length]! }));
  const title = `${L.reportTitle} — ${L.asOf} ${formatDate(r.asOf, lang)}`;
  const sms = r.messaging.channels.find((c) => c.channel === 'sms')!;
  const email = r.messaging.channels.find((c) => c.channel === 'email')!;

  const body: string[] = [];
  if (r.simulated) {
    body.push(`<div class="sim-banner" role="alert" data-simulated="true"><strong>${esc(L.simulated)}</strong> — ${esc(L.simulatedDetail)}</div>`);
  }
  body.push(`<header class="page-head">
  <div><h1>${esc(L.reportTitle)}</h1><p class="sub">${esc(L.reportSubtitle)}</p></div>
  <div class="asof"><span>${esc(L.cutoff)}</span><strong data-as-of="${r.asOf}">${esc(longDate(r.asOf, lang))}</strong><small>${esc(L.generatedAt)} ${esc(formatTimestamp(r.generatedAt, lang))}</small></div>
</header>`);
  const missing = r.sources.filter(hasProblem);
  if (missing.length > 0) body.push(sourcesAlert(missing, lang));

  // The three indicators of the plan.
  const expectedPct = r.totalPacing.projected > 0 ? (r.totalPacing.expected * 100) / r.totalPacing.projected : null;
  body.push(`<section class="kpis">
  <article class="card kpi" data-indicator="impressions">
    <h3>${esc(L.impressions)}</h3>
    <div class="kpi-value" data-pct="${ind.total.pct.toFixed(2)}">${esc(formatPct(ind.total.pct, lang))}</div>
    <div class="kpi-detail"><strong>${esc(n(ind.total.achieved))}</strong> ${esc(L.of)} ${esc(n(ind.total.projected))} <span class="muted">(${esc(L.impressionsFormula)})</span></div>
    ${progressBar(ind.total.pct, TARGET_COLORS[0]!, r.totalPacing.phase === 'before' ? null : expectedPct)}
    <div class="kpi-foot">${badge(r.totalPacing.status, L)} <span class="muted">${esc(L.expectedToDate)}: ${esc(formatPct(expectedPct, lang, 1))}</span></div>
  </article>
  ${messagingKpi(sms, L.sms, L.smsFormula, lang)}
  ${messagingKpi(email, L.email, L.emailFormula, lang)}
</section>`);

  // Each target: pacing figures and the cumulative chart.
  body.push(`<h2>${esc(L.cumulativeTitle)}</h2>`);
  ind.targets.forEach((t, i) => {
    const p = r.pacing[i]!;
    const color = series[i]!.color;
    const points = r.series[i]!;
    const projection =
      p.phase === 'running' && p.projectedFinal !== null && p.remainingDays > 0
        ? { from: p.evaluatedOn, fromValue: p.achieved, to: t.periodEnd, toValue: p.projectedFinal }
        : null;
    const chart = cumulativeChart({
      lang,
      title: `${L.cumulativeTitle}: ${t.name}`,
      start: t.periodStart,
      end: t.periodEnd,
      projected: t.projected,
      plan: r.plan[i]!,
      achieved: points,
      projection,
      asOf: p.phase === 'before' ? null : p.evaluatedOn,
      color,
      labels: { achieved: L.legendAchieved, plan: L.legendPlan, target: L.legendTarget, projection: L.legendProjection },
    });
    body.push(`<article class="card target" data-target="${esc(t.targetId)}">
  <div class="target-head">
    <div><h3><span class="swatch" style="background:${color}"></span>${esc(t.name)}</h3>
    <p class="muted">${esc(L.period)} ${esc(formatDate(t.periodStart, lang))} – ${esc(formatDate(t.periodEnd, lang))}${p.phase === 'running' ? ` · ${esc(L.dayOf(p.elapsedDays, p.totalDays))}` : p.phase === 'ended' ? ` · ${esc(L.phaseEnded)}` : ''}${t.dataThrough ? ` · ${esc(L.dataThrough)} ${esc(formatDate(t.dataThrough, lang))}` : ` · ${esc(L.noData)}`}</p></div>
    <div class="target-pct"><span class="big" data-pct="${t.pct.toFixed(2)}">${esc(formatPct(t.pct, lang))}</span>${badge(p.status, L)}</div>
  </div>
  ${progressBar(t.pct, color, p.phase === 'before' ? null : (p.expected * 100) / Math.max(1, p.projected))}
  <dl class="stats">
    ${stat(L.achieved, n(t.achieved), `${L.of} ${n(t.projected)}`)}
    ${stat(L.expectedToDate, n(p.expected), p.phase === 'before' ? '' : `${formatSigned(p.variance, lang)} (${formatSignedPct(p.variancePct, lang)})`, p.variance < 0 ? 'neg' : 'pos')}
    ${stat(`${L.runRate}`, `${n(p.runRate)}${L.perDay}`, p.runRateDays > 0 ? L.lastDays(p.runRateDays) : '')}
    ${stat(L.requiredRate, p.requiredRate === null ? '—' : `${n(p.requiredRate)}${L.perDay}`, '')}
    ${stat(L.projectedFinal, p.projectedFinal === null ? '—' : n(p.projectedFinal), p.projectedFinal === null ? '' : formatPct((p.projectedFinal * 100) / Math.max(1, p.projected), lang, 1))}
    ${stat(L.reachDate, reachText(p, lang), reachNote(p, L), p.reachedOn || (p.reachDate !== null && p.reachDate <= p.periodEnd) ? 'pos' : p.phase === 'before' ? '' : 'neg')}
  </dl>
  <figure>${chart}</figure>
</article>`);
  });

  // Geography, month and platform.
  const areaKeys = ind.total.byArea.map((b) => b.key);
  const areaRows = areaKeys.map((k) => ({
    label: areaLabel(k, lang),
    values: ind.targets.map((t) => t.byArea.find((b) => b.key === k)?.impressions ?? 0),
  }));
  body.push(`<section class="card" data-section="geo">
  <h2>${esc(L.geoTitle)}</h2>
  ${legend(series)}
  ${ind.total.achieved > 0 ? horizontalBars(areaRows, series, { lang, title: L.geoTitle }) : `<p class="muted">${esc(L.noData)}</p>`}
  <table class="data">
    <thead><tr><th>${esc(L.area)}</th>${ind.targets.map((t) => `<th class="num">${esc(t.name)}</th>`).join('')}<th class="num">${esc(L.total)}</th><th class="num">${esc(L.share)}</th></tr></thead>
    <tbody>${areaRows
      .map((row) => {
        const sum = row.values.reduce((a, b) => a + b, 0);
        return `<tr><td>${esc(row.label)}</td>${row.values.map((v) => `<td class="num">${esc(n(v))}</td>`).join('')}<td class="num strong">${esc(n(sum))}</td><td class="num muted">${esc(formatPct(ind.total.achieved > 0 ? (sum * 100) / ind.total.achieved : null, lang, 1))}</td></tr>`;
      })
      .join('')}</tbody>
    <tfoot><tr><td>${esc(L.total)}</td>${ind.targets.map((t) => `<td class="num">${esc(n(t.achieved))}</td>`).join('')}<td class="num strong">${esc(n(ind.total.achieved))}</td><td class="num muted">${esc(formatPct(ind.total.achieved > 0 ? 100 : null, lang, 1))}</td></tr></tfoot>
  </table>
</section>`);

  const months = periodMonths(ind.total.periodStart, ind.total.periodEnd);
  const monthRows = months.map((m) => ({
    label: formatMonth(m, lang, 'short').replace('.', ''),
    values: ind.targets.map((t) => t.byMonth.find((b) => b.key === m)?.impressions ?? 0),
    hideTotal: m > r.asOf.slice(0, 7),
  }));
  const platforms = ind.total.byPlatform.map((b) => b.key);
  const platformRows = platforms.map((k) => ({ label: platformLabel(k), values: ind.targets.map((t) => t.byPlatform.find((b) => b.key === k)?.impressions ?? 0) }));
  body.push(`<div class="two">
<section class="card" data-section="month">
  <h2>${esc(L.monthTitle)}</h2>
  ${legend(series)}
  ${ind.total.achieved > 0 ? columns(monthRows, series, { lang, title: L.monthTitle, width: 490 }) : `<p class="muted">${esc(L.noData)}</p>`}
</section>
<section class="card" data-section="platform">
  <h2>${esc(L.platformTitle)}</h2>
  ${legend(series)}
  ${platformRows.length > 0 ? horizontalBars(platformRows, series, { lang, title: L.platformTitle, labelWidth: 150, width: 490 }) : `<p class="muted">${esc(L.noData)}</p>`}
</section>
</div>`);

  // SMS and e-mail per send.
  body.push(`<section class="card" data-section="messaging">
  <h2>${esc(L.messagingTitle)}</h2>
  <table class="data messaging">
    <thead><tr><th></th><th class="num">${esc(L.scheduled)}</th><th class="num">${esc(L.sent)}</th><th class="wide">${esc(L.smsFormula)}</th><th class="num">${esc(L.delivered)}</th><th class="num">${esc(L.failed)}</th><th class="num">${esc(L.pending)}</th><th class="num">${esc(L.deliveredPct)}</th><th>${esc(L.sendsDates)}</th></tr></thead>
    <tbody>${[sms, email].map((c) => messagingRows(c, c.channel === 'sms' ? L.sms : L.emailShort, L, lang)).join('')}</tbody>
  </table>
  <p class="muted small note">${esc(scheduleNote([sms, email], L))}</p>
</section>`);

  const bySource = r.sources.map((src) => `${src.sourceId} ${src.dataThrough === null ? L.noDataYet : `${L.through} ${formatDate(src.dataThrough, lang)}`}`);
  body.push(`<footer>${esc(L.footer)}${r.simulated ? ` <strong>${esc(L.simulated)}.</strong>` : ''}${bySource.length > 0 ? `<br><span data-section="sources-line">${esc(L.sourcesLine)}: ${esc(bySource.join(' · '))}</span>` : ''}</footer>`);

  return `<!doctype html>
<html lang="${LOCALE[lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pauta">
<title>${esc(r.simulated ? `[${L.simulated}] ${title}` : title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.join('\n')}
</main>
</body>
</html>
`;
}

/** Sources whose data stop short of the cut-off or whose last run failed: above everything else. */
function sourcesAlert(missing: readonly SourceFreshness[], lang: Lang): string {
  const L = LABELS[lang];
  const items = missing.map(
    (src) => `<li data-source="${esc(src.sourceId)}" data-missing-from="${src.missingFrom ?? ''}"><strong>${esc(sourceLabel(src))}</strong>: ${problemNotes(src, lang).map(esc).join(' · ')}</li>`,
  );
  return `<section class="data-alert" role="alert" data-section="sources"><strong>${esc(L.incompleteTitle)}</strong> — ${esc(L.incompleteDetail)}<ul>${items.join('')}</ul></section>`;
}

function stat(label: string, value: string, note: string, tone = ''): string {
  return `<div class="stat"><dt>${esc(label)}</dt><dd><span class="stat-value">${esc(value)}</span>${note ? `<span class="stat-note ${tone}">${esc(note)}</span>` : ''}</dd></div>`;
}

function reachText(p: Pacing, lang: Lang): string {
  if (p.reachedOn) return formatDate(p.reachedOn, lang);
  if (p.reachDate) return formatDate(p.reachDate, lang);
  return '—';
}

function reachNote(p: Pacing, L: Labels): string {
  if (p.reachedOn) return L.reachedNote;
  if (p.reachDate) return p.reachDate > p.periodEnd ? L.estimateAfterNote : L.estimateNote;
  return p.phase === 'before' ? '' : p.phase === 'ended' ? L.notReachedEnded : L.notReached;
}

/** Where the scheduled totals come from, once per channel. */
function scheduleNote(channels: readonly ChannelProgress[], L: Labels): string {
  return channels
    .map((c) => {
      const name = c.channel === 'sms' ? L.sms : L.emailShort;
      const from = new Set(c.sends.map((s) => s.scheduledFrom));
      const words = [...from].map((f) => (f === 'config' ? L.fromConfig : f === 'list' ? L.fromList : L.noSchedule));
      return `${name}: ${L.scheduled.toLowerCase()} — ${words.join(', ')}`;
    })
    .join(' · ');
}

function legend(series: readonly BarSeries[]): string {
  return `<div class="legend">${series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`).join('')}</div>`;
}

function messagingKpi(c: ChannelProgress, name: string, formula: string, lang: Lang): string {
  const L = LABELS[lang];
  const t = c.total;
  const color = CHANNEL_COLORS[c.channel];
  const perSend = c.sends.map((s) => `${L.sendN(s.send as number)}: ${formatPct(s.pct, lang, 1)}`).join(' · ');
  return `<article class="card kpi" data-indicator="${c.channel}">
    <h3>${esc(name)}</h3>
    <div class="kpi-value" data-pct="${t.pct === null ? '' : t.pct.toFixed(2)}">${esc(t.pct === null ? '—' : formatPct(t.pct, lang))}</div>
    <div class="kpi-detail"><strong>${esc(formatNumber(t.sent, lang))}</strong> ${esc(L.of)} ${esc(t.scheduled === null ? L.noSchedule : formatNumber(t.scheduled, lang))} <span class="muted">(${esc(formula)})</span></div>
    ${progressBar(t.pct, color)}
    <div class="kpi-foot muted">${esc(perSend)}</div>
    <div class="kpi-foot muted">${t.deliveredPct === null ? esc(L.noneSent) : esc(L.deliveredOfSent(formatDecimal(t.deliveredPct, lang, 1)))}</div>
  </article>`;
}

function messagingRows(c: ChannelProgress, name: string, L: Labels, lang: Lang): string {
  const n = (v: number) => formatNumber(v, lang);
  const color = CHANNEL_COLORS[c.channel];
  const row = (s: SendProgress) => {
    const label = s.send === 'total' ? `${name} — ${L.total}` : `${name} — ${L.sendN(s.send)}`;
    const dates = formatDateRange(s.firstDate, s.lastDate, lang);
    return `<tr class="${s.send === 'total' ? 'total' : ''}" data-channel="${c.channel}" data-send="${s.send}"><td>${esc(label)}</td><td class="num">${s.scheduled === null ? `<span class="muted">${esc(L.noSchedule)}</span>` : esc(n(s.scheduled))}</td><td class="num">${esc(n(s.sent))}</td><td class="wide"><div class="inline-bar">${progressBar(s.pct, color)}<span>${esc(formatPct(s.pct, lang, 1))}</span></div></td><td class="num">${esc(n(s.delivered))}</td><td class="num">${esc(n(s.failed))}</td><td class="num">${esc(n(s.pending))}</td><td class="num">${esc(formatPct(s.deliveredPct, lang, 1))}</td><td class="muted small">${esc(dates)}</td></tr>`;
  };
  return [...c.sends, c.total].map(row).join('');
}

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f5f8;color:#1f2933;font:15px/1.45 "Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif;font-variant-numeric:tabular-nums}
main{max-width:1120px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:26px;margin:0;letter-spacing:-.01em}
h2{font-size:18px;margin:28px 0 12px}
.card h2{margin:0 0 10px}
h3{font-size:15px;margin:0;font-weight:600}
.muted{color:#66788a}
.small{font-size:12px}
.strong{font-weight:600}
.sim-banner{background:repeating-linear-gradient(135deg,#fff3cd 0 14px,#ffe8a1 14px 28px);border:2px solid #d39e00;color:#5c4300;border-radius:8px;padding:10px 16px;margin:0 0 16px;font-size:15px;text-align:center}
.sim-banner strong{letter-spacing:.08em;font-size:17px}
.data-alert{background:#fde2d8;border:2px solid #b4441c;color:#6b1f05;border-radius:8px;padding:10px 16px;margin:0 0 16px}
.data-alert ul{margin:6px 0 0;padding-left:20px}
.data-alert li{margin:2px 0;overflow-wrap:anywhere}
.page-head{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;border-bottom:3px solid #1d4e89;padding:6px 0 14px;margin-bottom:18px}
.page-head .sub{margin:4px 0 0;color:#52606d}
.asof{text-align:right;display:flex;flex-direction:column}
.asof span{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#66788a}
.asof strong{font-size:19px;color:#1d4e89}
.asof small{color:#7b8794}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 2px rgba(16,42,67,.08),0 2px 8px rgba(16,42,67,.05);padding:18px 20px;margin-bottom:16px}
.kpis{display:grid;grid-template-columns:repeat(3,1fr);gap:16px}
.kpi{margin:0;display:flex;flex-direction:column;gap:6px;border-top:4px solid #1d4e89}
.kpi[data-indicator=sms]{border-top-color:${CHANNEL_COLORS.sms}}
.kpi[data-indicator=email]{border-top-color:${CHANNEL_COLORS.email}}
.kpi h3{text-transform:uppercase;font-size:12.5px;letter-spacing:.07em;color:#52606d}
.kpi-value{font-size:38px;font-weight:700;line-height:1.1;color:#102a43}
.kpi-detail{font-size:14px}
.kpi-foot{font-size:12.5px;display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-top:2px}
.kpi-foot+.kpi-foot{margin-top:-4px}
.note{margin:8px 0 0}
.bar{position:relative;height:10px;background:#e4e9f0;border-radius:5px;overflow:visible;margin:4px 0}
.bar-fill{display:block;height:100%;border-radius:5px}
.bar-marker{position:absolute;top:-4px;width:2px;height:18px;background:#102a43;border-radius:1px}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:600;letter-spacing:.02em}
.badge.ahead{background:#d6eef7;color:#0b5772}
.badge.on-track{background:#d7f2e0;color:#1b6b3a}
.badge.behind{background:#fde2d8;color:#9a3412}
.badge.not-started{background:#e4e9f0;color:#52606d}
.badge.reached{background:#d7f2e0;color:#1b6b3a}
.badge.not-reached{background:#fde2d8;color:#9a3412}
.target-head{display:flex;justify-content:space-between;gap:12px;align-items:flex-start}
.target-head h3{font-size:17px;display:flex;align-items:center;gap:8px}
.target-head p{margin:3px 0 0;font-size:13px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px}
.target-pct{display:flex;flex-direction:column;align-items:flex-end;gap:4px}
.target-pct .big{font-size:28px;font-weight:700;color:#102a43;line-height:1}
.stats{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin:14px 0 6px}
.stat{background:#f7f9fb;border-radius:8px;padding:8px 10px;margin:0}
.stat dt{font-size:11.5px;color:#66788a;text-transform:uppercase;letter-spacing:.04em}
.stat dd{margin:2px 0 0;display:flex;flex-direction:column}
.stat-value{font-size:17px;font-weight:600;color:#102a43}
.stat-note{font-size:12px;color:#66788a}
.stat-note.neg{color:#b4441c}
.stat-note.pos{color:#1b6b3a}
figure{margin:8px 0 0}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#e4e9f0;stroke-width:1}
svg .grid-v{stroke-dasharray:2 3}
svg .tick{font-size:11px;fill:#7b8794}
svg .legend{font-size:12px;fill:#3e4c59}
svg .target-line{stroke:#b4441c;stroke-width:1.5;stroke-dasharray:6 4}
svg .target-label{font-size:11.5px;fill:#b4441c;font-weight:600}
svg .plan-line{stroke:#7b8794;stroke-width:1.6;stroke-dasharray:3 3;fill:none}
svg .projection-line{stroke-width:2;stroke-dasharray:1 4;stroke-linecap:round;fill:none}
svg .point-label{font-size:12px;font-weight:700;fill:#102a43}
svg .muted-label{fill:#52606d;font-weight:600}
svg .bar-label{font-size:13px;fill:#3e4c59}
svg .bar-value{font-size:12.5px;font-weight:600;fill:#102a43}
svg .muted{fill:#7b8794;font-weight:400}
.legend{display:flex;gap:16px;flex-wrap:wrap;font-size:12.5px;color:#3e4c59;margin:0 0 6px}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.two .card{margin-bottom:0}
table.data{width:100%;border-collapse:collapse;font-size:13.5px;margin-top:10px}
table.data th{font-size:11.5px;text-transform:uppercase;letter-spacing:.04em;color:#66788a;font-weight:600;text-align:left;border-bottom:2px solid #e4e9f0;padding:6px 8px}
table.data td{padding:6px 8px;border-bottom:1px solid #eef1f5}
table.data .num{text-align:right;white-space:nowrap}
table.data td:first-child{white-space:nowrap}
table.data tfoot td{font-weight:600;border-top:2px solid #e4e9f0;border-bottom:none}
table.data tr.total td{font-weight:600;background:#f7f9fb}
table.data .wide{min-width:160px}
.inline-bar{display:flex;align-items:center;gap:8px}
.inline-bar .bar{flex:1;margin:0}
.inline-bar>span{font-size:12.5px;white-space:nowrap;min-width:52px;text-align:right}
footer{font-size:12px;color:#7b8794;margin-top:22px;border-top:1px solid #e4e9f0;padding-top:10px}
@media (max-width:900px){.kpis,.two{grid-template-columns:1fr}.stats{grid-template-columns:repeat(2,1fr)}}
@media print{body{background:#fff}main{padding:0}.card{box-shadow:none;border:1px solid #e4e9f0;break-inside:avoid}.sim-banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;
