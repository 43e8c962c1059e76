// Everything a report shows, computed once from the stored data as of a date; the formats
// (table, json, csv, html) only lay it out.
import type { PautaConfig } from '../config/load.ts';
import { eachDate, localYesterday, minDate, type IsoDate } from '../core/dates.ts';
import { impressionsIndicator, type ImpressionsIndicator } from '../indicators/impressions.ts';
import { messagingIndicator, type MessagingIndicator } from '../indicators/messaging.ts';
import { combinedPacing, expectedThrough, planOf, targetPacing, type Pacing } from '../indicators/pacing.ts';
import type { Store } from '../store/store.ts';
import { sourceFreshness, type SourceFreshness } from './freshness.ts';
import { isSimulated } from './meta.ts';

export interface SeriesPoint {
  date: IsoDate;
  impressions: number;
  cumulative: number;
  expected: number;
}

export interface ReportData {
  asOf: IsoDate;
  generatedAt: string;
  simulated: boolean;
  impressions: ImpressionsIndicator;
  /** Same order as impressions.targets. */
  pacing: Pacing[];
  totalPacing: Pacing;
  /** Per target (same order), every day of the period up to the date judged. */
  series: SeriesPoint[][];
  /** Per target, the plan's expected cumulative for every day of the whole period (the pacing line). */
  plan: { date: IsoDate; expected: number }[][];
  messaging: MessagingIndicator;
  /** Each enabled source of the config: how far its data reach (empty when the config has none). */
  sources: SourceFreshness[];
}

export interface BuildOptions {
  asOf: IsoDate;
  now?: Date;
  /** Overrides the database's `meta.simulated`. */
  simulated?: boolean;
}

/** The date a report judges unless told otherwise: yesterday in schedule.timezone (platforms report whole days). */
export function defaultAsOf(now: Date, config: Pick<PautaConfig, 'schedule'>): IsoDate {
  return localYesterday(now, config.schedule.timezone);
}

export async function buildReport(
  store: Store,
  config: Pick<PautaConfig, 'targets' | 'messaging'> & Partial<Pick<PautaConfig, 'sources'>>,
  opts: BuildOptions,
): Promise<ReportData> {
  const now = opts.now ?? new Date();
  const impressions = await impressionsIndicator(store, config.targets, opts.asOf);
  const pacing = config.targets.map((t, i) => targetPacing(t, impressions.targets[i]!.daily, opts.asOf));
  const series = config.targets.map((t, i) => {
    const until = minDate(opts.asOf, t.period.end);
    if (until < t.period.start) return [];
    const byDate = new Map(impressions.targets[i]!.daily.map((d) => [d.date, d.impressions]));
    const plan = planOf(t);
    let cumulative = 0;
    return eachDate({ from: t.period.start, to: until }).map((date) => {
      const n = byDate.get(date) ?? 0;
      cumulative += n;
      return { date, impressions: n, cumulative, expected: expectedThrough(plan, date) };
    });
  });
  const plan = config.targets.map((t) => {
    const p = planOf(t);
    return eachDate({ from: t.period.start, to: t.period.end }).map((date) => ({ date, expected: expectedThrough(p, date) }));
  });
  return {
    asOf: opts.asOf,
    generatedAt: now.toISOString(),
    simulated: opts.simulated ?? (await isSimulated(store.db)),
    impressions,
    pacing,
    totalPacing: combinedPacing(config.targets, impressions.targets.map((t) => t.daily), opts.asOf),
    series,
    plan,
    messaging: await messagingIndicator(store, config.messaging, opts.asOf),
    sources: await sourceFreshness(store, { sources: config.sources ?? [] }, opts.asOf, now),
  };
}
