// The report as JSON. The shape is a contract (README.md "Report JSON"): fields are only added,
// never renamed; `schema` changes when that promise breaks.
import type { Breakdown, ImpressionsIndicator, TargetIndicator } from '../indicators/impressions.ts';
import type { ChannelProgress, SendProgress } from '../indicators/messaging.ts';
import type { Pacing } from '../indicators/pacing.ts';
import type { SourceFreshness } from './freshness.ts';
import type { ReportData, SeriesPoint } from './model.ts';

export const REPORT_SCHEMA = 'pauta.report/1';

const round2 = (n: number): number => Math.round(n * 100) / 100;
const round2OrNull = (n: number | null): number | null => (n === null ? null : round2(n));

function breakdown(list: readonly Breakdown[]) {
  return list.map((b) => ({ key: b.key, label: b.label, impressions: b.impressions }));
}

function target(t: TargetIndicator) {
  return {
    target_id: t.targetId,
    name: t.name,
    projected: t.projected,
    achieved: t.achieved,
    pct: round2(t.pct),
    period_start: t.periodStart,
    period_end: t.periodEnd,
    as_of: t.asOf,
    data_through: t.dataThrough,
    by_geo: breakdown(t.byGeo),
    by_month: breakdown(t.byMonth),
    by_platform: breakdown(t.byPlatform),
  };
}

function total(ind: ImpressionsIndicator) {
  return {
    target_id: 'total',
    name: ind.total.name,
    projected: ind.total.projected,
    achieved: ind.total.achieved,
    pct: round2(ind.total.pct),
    period_start: ind.total.periodStart,
    period_end: ind.total.periodEnd,
    as_of: ind.total.asOf,
    data_through: ind.total.dataThrough,
  };
}

export function pacingJson(p: Pacing) {
  return {
    phase: p.phase,
    status: p.status,
    evaluated_on: p.evaluatedOn,
    projected: p.projected,
    expected: Math.round(p.expected),
    achieved: p.achieved,
    variance: Math.round(p.variance),
    variance_pct: round2OrNull(p.variancePct),
    elapsed_days: p.elapsedDays,
    total_days: p.totalDays,
    remaining_days: p.remainingDays,
    run_rate: round2(p.runRate),
    run_rate_days: p.runRateDays,
    required_rate: round2OrNull(p.requiredRate),
    projected_final: p.projectedFinal === null ? null : Math.round(p.projectedFinal),
    projected_final_pct: p.projectedFinal === null || p.projected === 0 ? null : round2((p.projectedFinal * 100) / p.projected),
    reached_on: p.reachedOn,
    reach_date: p.reachDate,
    reach_within_period: p.reachDate === null ? null : p.reachDate <= p.periodEnd,
    tolerance_pct: p.tolerancePct,
  };
}

function daily(points: readonly SeriesPoint[]) {
  return points.map((d) => ({ date: d.date, impressions: d.impressions, cumulative: d.cumulative, expected: Math.round(d.expected) }));
}

function send(s: SendProgress) {
  return {
    send: s.send,
    scheduled: s.scheduled,
    scheduled_from: s.scheduledFrom,
    sent: s.sent,
    delivered: s.delivered,
    failed: s.failed,
    pending: s.pending,
    pct: round2OrNull(s.pct),
    delivered_pct: round2OrNull(s.deliveredPct),
    first_date: s.firstDate,
    last_date: s.lastDate,
  };
}

function channel(c: ChannelProgress) {
  return {
    channel: c.channel,
    sends: c.sends.map(send),
    total: send(c.total),
    daily: c.daily.map((d) => ({ send: d.send, date: d.date, sent: d.sent, delivered: d.delivered, failed: d.failed })),
  };
}

function source(s: SourceFreshness) {
  return {
    source_id: s.sourceId,
    platform: s.platform,
    data_through: s.dataThrough,
    expected_through: s.expectedThrough,
    complete: s.complete,
    missing_from: s.missingFrom,
    last_run: s.lastRun === null ? null : { status: s.lastRun.status, finished_at: s.lastRun.finishedAt, error: s.lastRun.error },
    last_success_at: s.lastSuccessAt,
  };
}

/** The three indicators of the plan, in one list: what dashboards read first. */
function indicators(r: ReportData) {
  const byChannel = (id: 'sms' | 'email') => r.messaging.channels.find((c) => c.channel === id)!.total;
  return [
    { id: 'impressions', achieved: r.impressions.total.achieved, planned: r.impressions.total.projected, pct: round2(r.impressions.total.pct), status: r.totalPacing.status },
    ...(['sms', 'email'] as const).map((id) => {
      const t = byChannel(id);
      return { id, achieved: t.sent, planned: t.scheduled, pct: round2OrNull(t.pct), status: null };
    }),
  ];
}

export type ReportJson = ReturnType<typeof fullReportJson>;

function fullReportJson(r: ReportData) {
  return {
    schema: REPORT_SCHEMA,
    generated_at: r.generatedAt,
    as_of: r.asOf,
    simulated: r.simulated,
    indicators: indicators(r),
    impressions: {
      targets: r.impressions.targets.map((t, i) => ({
        ...target(t),
        by_area: breakdown(t.byArea),
        pacing: pacingJson(r.pacing[i]!),
        daily: daily(r.series[i]!),
      })),
      total: {
        ...total(r.impressions),
        by_area: breakdown(r.impressions.total.byArea),
        by_month: breakdown(r.impressions.total.byMonth),
        by_platform: breakdown(r.impressions.total.byPlatform),
        pacing: pacingJson(r.totalPacing),
      },
    },
    messaging: { channels: r.messaging.channels.map(channel) },
    sources: r.sources.map(source),
  };
}

/** The full report, in the documented JSON shape. */
export function reportJson(report: ReportData): ReportJson {
  return fullReportJson(report);
}
