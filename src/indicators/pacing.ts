// Pacing of an impressions target: how much the plan expects by a date, how much was achieved,
// the recent run-rate and where that rate lands by the end of the period.
import type { PacingConfig, TargetConfig } from '../config/schema.ts';
import { addDays, daysBetween, maxDate, type IsoDate } from '../core/dates.ts';

export const DEFAULT_TOLERANCE_PCT = 5;
export const DEFAULT_RUN_RATE_DAYS = 7;

export type PacingPhase = 'before' | 'running' | 'ended';
/**
 * `not_started` before the period; `ahead` / `on_track` / `behind` the plan while it runs; once it
 * is over, only whether the whole target was reached (`reached` / `not_reached`): a total 3.8 %
 * short is within the tolerance, but it is not the target.
 */
export type PacingStatus = 'not_started' | 'ahead' | 'on_track' | 'behind' | 'reached' | 'not_reached';

export interface DailyImpressions {
  date: IsoDate;
  impressions: number;
}

export interface PacingPlan {
  projected: number;
  start: IsoDate;
  end: IsoDate;
  /** Percent of `projected` per month (`YYYY-MM`), adding up to 100; linear when absent. */
  monthlyPct?: Readonly<Record<string, number>> | undefined;
}

export interface Pacing {
  phase: PacingPhase;
  status: PacingStatus;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** The date judged: the as-of date, clipped to the period's end. */
  evaluatedOn: IsoDate;
  projected: number;
  /** Cumulative impressions the plan expects by the end of `evaluatedOn`. */
  expected: number;
  achieved: number;
  /** achieved − expected. */
  variance: number;
  /** (achieved ÷ expected − 1) × 100; null while nothing is expected yet. */
  variancePct: number | null;
  elapsedDays: number;
  totalDays: number;
  remainingDays: number;
  /** Mean impressions per day over the last `runRateDays` days of the period up to `evaluatedOn`. */
  runRate: number;
  runRateDays: number;
  /** Impressions per day needed from tomorrow to reach the target; null once the period is over. */
  requiredRate: number | null;
  /** Achieved plus the run-rate over the remaining days; null before the period. */
  projectedFinal: number | null;
  /** The day the cumulative total reached the target, if it did by `evaluatedOn`. */
  reachedOn: IsoDate | null;
  /** reachedOn, or the day the target is reached at the run-rate (may fall after the period). */
  reachDate: IsoDate | null;
  tolerancePct: number;
}

/** The plan for a target as the config describes it. */
export function planOf(t: TargetConfig): PacingPlan {
  return { projected: t.projected, start: t.period.start, end: t.period.end, monthlyPct: t.pacing?.monthly_pct };
}

export function pacingSettings(p: PacingConfig | undefined): { tolerancePct: number; runRateDays: number } {
  return { tolerancePct: p?.tolerance_pct ?? DEFAULT_TOLERANCE_PCT, runRateDays: p?.run_rate_days ?? DEFAULT_RUN_RATE_DAYS };
}

/**
 * Cumulative impressions the plan expects by the end of `date`: linear over the period, or
 * each month's share spread evenly over the month's days that fall in the period.
 */
export function expectedThrough(plan: PacingPlan, date: IsoDate): number {
  if (date < plan.start) return 0;
  if (date >= plan.end) return plan.projected;
  if (plan.monthlyPct === undefined) {
    return (plan.projected * (daysBetween(plan.start, date) + 1)) / (daysBetween(plan.start, plan.end) + 1);
  }
  let pct = 0;
  for (const [month, share] of Object.entries(plan.monthlyPct)) {
    const monthStart = maxDate(`${month}-01`, plan.start);
    const monthEnd = minDateOf(lastDayOfMonth(month), plan.end);
    if (date < monthStart) continue;
    const days = daysBetween(monthStart, monthEnd) + 1;
    const done = Math.min(days, daysBetween(monthStart, date) + 1);
    pct += (share * done) / days;
  }
  return (plan.projected * pct) / 100;
}

function lastDayOfMonth(month: string): IsoDate {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return addDays(m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`, -1);
}

function minDateOf(a: IsoDate, b: IsoDate): IsoDate {
  return a <= b ? a : b;
}

export interface PacingInput {
  projected: number;
  start: IsoDate;
  end: IsoDate;
  /** Cumulative expected by the end of a date. */
  expectedAt: (date: IsoDate) => number;
  /** Impressions per day (any order; days without delivery may be absent). */
  daily: readonly DailyImpressions[];
  asOf: IsoDate;
  tolerancePct?: number;
  runRateDays?: number;
}

export function computePacing(input: PacingInput): Pacing {
  const tolerancePct = input.tolerancePct ?? DEFAULT_TOLERANCE_PCT;
  const runRateDays = input.runRateDays ?? DEFAULT_RUN_RATE_DAYS;
  const { start, end, projected } = input;
  const phase: PacingPhase = input.asOf < start ? 'before' : input.asOf > end ? 'ended' : 'running';
  const evaluatedOn = phase === 'ended' ? end : input.asOf;
  const totalDays = daysBetween(start, end) + 1;
  const days = [...input.daily].filter((d) => d.date >= start && d.date <= evaluatedOn).sort((a, b) => a.date.localeCompare(b.date));
  const achieved = days.reduce((s, d) => s + d.impressions, 0);

  if (phase === 'before') {
    return {
      phase, status: 'not_started', periodStart: start, periodEnd: end, evaluatedOn, projected, expected: 0, achieved, variance: achieved, variancePct: null,
      elapsedDays: 0, totalDays, remainingDays: totalDays, runRate: 0, runRateDays: 0,
      requiredRate: projected / totalDays, projectedFinal: null, reachedOn: null, reachDate: null, tolerancePct,
    };
  }

  const expected = input.expectedAt(evaluatedOn);
  const elapsedDays = daysBetween(start, evaluatedOn) + 1;
  const remainingDays = totalDays - elapsedDays;
  const rateFrom = maxDate(start, addDays(evaluatedOn, -(runRateDays - 1)));
  const rateDays = daysBetween(rateFrom, evaluatedOn) + 1;
  const runRate = days.filter((d) => d.date >= rateFrom).reduce((s, d) => s + d.impressions, 0) / rateDays;

  let reachedOn: IsoDate | null = null;
  let cumulative = 0;
  for (const d of days) {
    cumulative += d.impressions;
    if (cumulative >= projected) {
      reachedOn = d.date;
      break;
    }
  }
  let reachDate = reachedOn;
  if (reachDate === null && phase === 'running' && runRate > 0) {
    reachDate = addDays(evaluatedOn, Math.ceil((projected - achieved) / runRate));
  }

  return {
    phase,
    status: phase === 'ended' ? (achieved >= projected ? 'reached' : 'not_reached') : judge(achieved, expected, tolerancePct),
    periodStart: start,
    periodEnd: end,
    evaluatedOn,
    projected,
    expected,
    achieved,
    variance: achieved - expected,
    variancePct: expected > 0 ? (achieved / expected - 1) * 100 : null,
    elapsedDays,
    totalDays,
    remainingDays,
    runRate,
    runRateDays: rateDays,
    requiredRate: remainingDays > 0 ? Math.max(0, projected - achieved) / remainingDays : null,
    projectedFinal: achieved + runRate * remainingDays,
    reachedOn,
    reachDate,
    tolerancePct,
  };
}

/** Beyond the tolerance either way is ahead or behind; the boundary itself is on track. */
export function judge(achieved: number, expected: number, tolerancePct: number): 'ahead' | 'on_track' | 'behind' {
  if (expected <= 0) return achieved > 0 ? 'ahead' : 'on_track';
  const ratio = achieved / expected;
  if (ratio > 1 + tolerancePct / 100) return 'ahead';
  if (ratio < 1 - tolerancePct / 100) return 'behind';
  return 'on_track';
}

/** Pacing of one target from its daily series. */
export function targetPacing(t: TargetConfig, daily: readonly DailyImpressions[], asOf: IsoDate): Pacing {
  const plan = planOf(t);
  return computePacing({
    projected: t.projected,
    start: t.period.start,
    end: t.period.end,
    expectedAt: (d) => expectedThrough(plan, d),
    daily,
    asOf,
    ...pacingSettings(t.pacing),
  });
}

/** Pacing of all targets together: plans and series add up; the tolerance is shared when all agree. */
export function combinedPacing(targets: readonly TargetConfig[], dailyByTarget: readonly (readonly DailyImpressions[])[], asOf: IsoDate): Pacing {
  const plans = targets.map(planOf);
  const settings = targets.map((t) => pacingSettings(t.pacing));
  const same = <K extends 'tolerancePct' | 'runRateDays'>(k: K, fallback: number) =>
    settings.every((s) => s[k] === settings[0]?.[k]) ? (settings[0]?.[k] ?? fallback) : fallback;
  return computePacing({
    projected: plans.reduce((s, p) => s + p.projected, 0),
    start: plans.map((p) => p.start).sort()[0] ?? asOf,
    end: plans.map((p) => p.end).sort().at(-1) ?? asOf,
    expectedAt: (d) => plans.reduce((s, p) => s + expectedThrough(p, d), 0),
    daily: mergeDaily(dailyByTarget),
    asOf,
    tolerancePct: same('tolerancePct', DEFAULT_TOLERANCE_PCT),
    runRateDays: same('runRateDays', DEFAULT_RUN_RATE_DAYS),
  });
}

export function mergeDaily(series: readonly (readonly DailyImpressions[])[]): DailyImpressions[] {
  const byDate = new Map<IsoDate, number>();
  for (const s of series) for (const d of s) byDate.set(d.date, (byDate.get(d.date) ?? 0) + d.impressions);
  return [...byDate].map(([date, impressions]) => ({ date, impressions })).sort((a, b) => a.date.localeCompare(b.date));
}
