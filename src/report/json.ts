// The report as JSON. The shape is a contract (README.md "Report JSON"): fields are only added,
// never renamed; `schema` changes when that promise breaks.
import type { Breakdown, ImpressionsIndicator, TargetIndicator } from '../indicators/impressions.ts';

export const REPORT_SCHEMA = 'pauta.report/1';

const round2 = (n: number): number => Math.round(n * 100) / 100;

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

export function reportJson(ind: ImpressionsIndicator, meta: { generatedAt: string; simulated?: boolean }) {
  return {
    schema: REPORT_SCHEMA,
    generated_at: meta.generatedAt,
    as_of: ind.asOf,
    simulated: meta.simulated ?? false,
    impressions: {
      targets: ind.targets.map(target),
      total: {
        target_id: 'total',
        name: ind.total.name,
        projected: ind.total.projected,
        achieved: ind.total.achieved,
        pct: round2(ind.total.pct),
        period_start: ind.total.periodStart,
        period_end: ind.total.periodEnd,
        as_of: ind.total.asOf,
        data_through: ind.total.dataThrough,
      },
    },
  };
}
