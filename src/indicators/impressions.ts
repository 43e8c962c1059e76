// The campaign plan's impressions indicator: achieved ÷ projected × 100, per target and
// combined, as of a date, with breakdowns by geography, month and platform.
import { sql } from 'kysely';
import type { TargetConfig } from '../config/schema.ts';
import { minDate, type IsoDate } from '../core/dates.ts';
import { REGION_LABELS, UNKNOWN_COUNTRY } from '../core/geo.ts';
import type { Store } from '../store/store.ts';
import { mergeDaily, type DailyImpressions } from './pacing.ts';
import { targetFor } from './targets.ts';

export interface Breakdown {
  key: string;
  label: string;
  impressions: number;
}

export interface TargetIndicator {
  targetId: string;
  name: string;
  projected: number;
  achieved: number;
  /** achieved ÷ projected × 100, unrounded. */
  pct: number;
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** The last date counted: min(as-of, period end). */
  asOf: IsoDate;
  /** Latest date with stored data for this target, up to asOf (null when none). */
  dataThrough: IsoDate | null;
  byGeo: Breakdown[];
  byMonth: Breakdown[];
  byPlatform: Breakdown[];
  /** The plan's fixed geography, the same for every target (see `planArea`). */
  byArea: Breakdown[];
  /** Impressions per day within the period up to asOf, in date order (days without data absent). */
  daily: DailyImpressions[];
}

export interface ImpressionsIndicator {
  asOf: IsoDate;
  targets: TargetIndicator[];
  total: Omit<TargetIndicator, 'byGeo' | 'byMonth' | 'byPlatform' | 'byArea' | 'targetId'> & {
    targetId: 'total';
    byMonth: Breakdown[];
    byPlatform: Breakdown[];
    byArea: Breakdown[];
  };
}

const COUNTRY_LABELS: Record<string, string> = {
  US: 'United States',
  CA: 'Canada',
  ES: 'Spain',
  MX: 'Mexico',
  [UNKNOWN_COUNTRY]: 'Unknown',
};

export function pct(achieved: number, projected: number): number {
  return projected === 0 ? 0 : (achieved * 100) / projected;
}

/** The places the plan reports on, in order: its three states, the rest of the US, Canada, Spain. */
export const PLAN_AREAS = [
  { key: 'US-CA', label: 'California' },
  { key: 'US-TX', label: 'Texas' },
  { key: 'US-IL', label: 'Illinois' },
  { key: 'US-rest', label: 'United States, rest' },
  { key: 'CA', label: 'Canada' },
  { key: 'ES', label: 'Spain' },
  { key: 'other', label: 'Other countries' },
  { key: UNKNOWN_COUNTRY, label: 'Unknown' },
] as const;

export type PlanAreaKey = (typeof PLAN_AREAS)[number]['key'];

/** The plan's area of a stored place (`US-CA` is California; `CA` alone is Canada). */
export function planArea(country: string, region: string): PlanAreaKey {
  if (region === 'US-CA' || region === 'US-TX' || region === 'US-IL') return region;
  if (country === 'US') return 'US-rest';
  if (country === 'CA' || country === 'ES' || country === UNKNOWN_COUNTRY) return country;
  return 'other';
}

/**
 * Geography buckets for a target: each focus region on its own, the rest of its country, each
 * other country of the target, then everything else and the unplaceable remainder.
 */
export function geoBucket(country: string, region: string, target: TargetConfig): { key: string; label: string } {
  if (region !== '' && target.focus_regions.includes(region)) {
    return { key: region, label: REGION_LABELS[region] ?? region };
  }
  if (country === UNKNOWN_COUNTRY) return { key: UNKNOWN_COUNTRY, label: COUNTRY_LABELS[UNKNOWN_COUNTRY]! };
  const hasFocus = target.focus_regions.some((r) => r.startsWith(`${country}-`));
  if (target.countries.includes(country) || target.countries.length === 0) {
    const name = COUNTRY_LABELS[country] ?? country;
    return hasFocus ? { key: `${country}-rest`, label: `${name}, rest` } : { key: country, label: name };
  }
  return { key: 'other', label: 'Other countries' };
}

/**
 * Which campaigns count toward each target, decided now by the config's rules (the plan in
 * memory), so a command that only reads never depends on a writer having mirrored the targets.
 */
async function campaignsOfTargets(store: Store, targets: readonly TargetConfig[]): Promise<Map<string, Set<string>>> {
  const campaigns = await store.db.selectFrom('campaigns').select(['source_id', 'account_id', 'campaign_id', 'platform', 'channel', 'campaign_name']).execute();
  const out = new Map<string, Set<string>>(targets.map((t) => [t.id, new Set<string>()]));
  for (const c of campaigns) {
    const target = targetFor({ sourceId: c.source_id, platform: c.platform, channel: c.channel, campaignId: c.campaign_id, campaignName: c.campaign_name }, targets);
    if (target !== null) out.get(target)!.add(campaignKey(c));
  }
  return out;
}

function campaignKey(c: { source_id: string; account_id: string; campaign_id: string }): string {
  return JSON.stringify([c.source_id, c.account_id, c.campaign_id]);
}

export async function impressionsIndicator(
  store: Store,
  targets: readonly TargetConfig[],
  asOf: IsoDate,
): Promise<ImpressionsIndicator> {
  const out: TargetIndicator[] = [];
  const assigned = await campaignsOfTargets(store, targets);
  for (const t of targets) {
    const until = minDate(asOf, t.period.end);
    const mine = assigned.get(t.id)!;
    const rows =
      until < t.period.start || mine.size === 0
        ? []
        : await sql<{ source_id: string; account_id: string; campaign_id: string; country: string; region: string; month: string; platform: string; impressions: number; last: string }>`
            SELECT g.source_id, g.account_id, g.campaign_id, g.country, g.region,
                   substr(g.date, 1, 7) AS month, c.platform,
                   SUM(g.impressions) AS impressions, MAX(g.date) AS last
            FROM geo_days g
            JOIN campaigns c USING (source_id, account_id, campaign_id)
            WHERE g.date BETWEEN ${t.period.start} AND ${until}
            GROUP BY g.source_id, g.account_id, g.campaign_id, g.country, g.region, month, c.platform
          `
            .execute(store.db)
            .then((r) => r.rows.filter((row) => mine.has(campaignKey(row))));
    const perCampaignDaily =
      until < t.period.start || mine.size === 0
        ? []
        : await sql<DailyImpressions & { source_id: string; account_id: string; campaign_id: string }>`
            SELECT g.source_id, g.account_id, g.campaign_id, g.date, SUM(g.impressions) AS impressions
            FROM geo_days g
            WHERE g.date BETWEEN ${t.period.start} AND ${until}
            GROUP BY g.source_id, g.account_id, g.campaign_id, g.date
          `
            .execute(store.db)
            .then((r) => r.rows.filter((row) => mine.has(campaignKey(row))));
    const daily = mergeDaily([perCampaignDaily.map((d) => ({ date: d.date, impressions: d.impressions }))]);
    const geo = new Map<string, Breakdown>();
    const area = new Map<string, Breakdown>();
    const month = new Map<string, Breakdown>();
    const platform = new Map<string, Breakdown>();
    let achieved = 0;
    let dataThrough: string | null = null;
    for (const r of rows) {
      achieved += r.impressions;
      if (dataThrough === null || r.last > dataThrough) dataThrough = r.last;
      const b = geoBucket(r.country, r.region, t);
      add(geo, b.key, b.label, r.impressions);
      const a = planArea(r.country, r.region);
      add(area, a, PLAN_AREAS.find((p) => p.key === a)!.label, r.impressions);
      add(month, r.month, r.month, r.impressions);
      add(platform, r.platform, r.platform, r.impressions);
    }
    out.push({
      targetId: t.id,
      name: t.name,
      projected: t.projected,
      achieved,
      pct: pct(achieved, t.projected),
      periodStart: t.period.start,
      periodEnd: t.period.end,
      asOf: until,
      dataThrough,
      byGeo: orderGeo([...geo.values()], t),
      byMonth: [...month.values()].sort((a, b) => a.key.localeCompare(b.key)),
      byPlatform: [...platform.values()].sort((a, b) => b.impressions - a.impressions),
      byArea: orderAreas([...area.values()]),
      daily,
    });
  }
  const projected = out.reduce((s, t) => s + t.projected, 0);
  const achieved = out.reduce((s, t) => s + t.achieved, 0);
  const through = out.map((t) => t.dataThrough).filter((d): d is string => d !== null).sort();
  return {
    asOf,
    targets: out,
    total: {
      targetId: 'total',
      name: 'Total',
      projected,
      achieved,
      pct: pct(achieved, projected),
      periodStart: out.map((t) => t.periodStart).sort()[0] ?? asOf,
      periodEnd: out.map((t) => t.periodEnd).sort().at(-1) ?? asOf,
      asOf: minDate(asOf, out.map((t) => t.periodEnd).sort().at(-1) ?? asOf),
      dataThrough: through.at(-1) ?? null,
      byMonth: mergeBreakdowns(out.map((t) => t.byMonth)).sort((a, b) => a.key.localeCompare(b.key)),
      byPlatform: mergeBreakdowns(out.map((t) => t.byPlatform)).sort((a, b) => b.impressions - a.impressions),
      byArea: orderAreas(mergeBreakdowns(out.map((t) => t.byArea))),
      daily: mergeDaily(out.map((t) => t.daily)),
    },
  };
}

function mergeBreakdowns(lists: readonly (readonly Breakdown[])[]): Breakdown[] {
  const map = new Map<string, Breakdown>();
  for (const list of lists) for (const b of list) add(map, b.key, b.label, b.impressions);
  return [...map.values()];
}

/** Every plan area in order, zeros included, so reports always show the same rows; `other` only when non-zero. */
function orderAreas(list: readonly Breakdown[]): Breakdown[] {
  return PLAN_AREAS.map((a) => ({ key: a.key as string, label: a.label as string, impressions: list.find((b) => b.key === a.key)?.impressions ?? 0 })).filter(
    (b) => b.key !== 'other' || b.impressions > 0,
  );
}

function add(map: Map<string, Breakdown>, key: string, label: string, n: number): void {
  const b = map.get(key);
  if (b) b.impressions += n;
  else map.set(key, { key, label, impressions: n });
}

/** Focus regions first (in config order), then the target's countries, then the rest. */
function orderGeo(list: Breakdown[], t: TargetConfig): Breakdown[] {
  const rank = (k: string): number => {
    const f = t.focus_regions.indexOf(k);
    if (f >= 0) return f;
    const c = t.countries.findIndex((c) => k === c || k === `${c}-rest`);
    if (c >= 0) return 100 + c * 2 + (k.endsWith('-rest') ? 0 : 1);
    if (k === 'other') return 900;
    if (k === UNKNOWN_COUNTRY) return 1000;
    return 500;
  };
  return list.sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
}
