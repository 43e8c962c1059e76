// Reads a stats payload (sync response or a job's downloaded file: the same schema) into dated
// values. Bucket i is the range's first local date plus i days; `null` (a whole metric or one
// bucket) means 0. https://docs.x.com/x-ads-api/analytics
import { PayloadError } from '../../core/errors.ts';
import type { IsoDate } from '../../core/dates.ts';
import type { XStats } from './payloads.ts';
import { bucketDate, type StatsRange } from './time-windows.ts';

export interface StatsSegment {
  name: string | null;
  value: string | null;
}

export interface StatsValue {
  entityId: string;
  /** null for unsegmented stats. */
  segment: StatsSegment | null;
  date: IsoDate;
  impressions: number;
  clicks: number;
}

function series(values: readonly (number | null)[] | null | undefined, length: number, what: string): number[] {
  if (values === null || values === undefined) return new Array<number>(length).fill(0);
  if (values.length !== length) {
    throw new PayloadError(`${what}: ${values.length} buckets where time_series_length is ${length}`);
  }
  return values.map((v) => v ?? 0);
}

/** Every non-zero (entity, segment, date) of a DAY-granularity payload for `range`. */
export function readStats(stats: XStats, range: StatsRange, what: string): StatsValue[] {
  if (stats.time_series_length !== range.days) {
    throw new PayloadError(`${what}: time_series_length is ${stats.time_series_length} for the ${range.days} days ${range.from}..${range.to}`);
  }
  const out: StatsValue[] = [];
  for (const entity of stats.data) {
    for (const datum of entity.id_data) {
      const impressions = series(datum.metrics.impressions, range.days, `${what}, ${entity.id} impressions`);
      const clicks = series(datum.metrics.clicks, range.days, `${what}, ${entity.id} clicks`);
      const segment = datum.segment ? { name: datum.segment.segment_name ?? null, value: datum.segment.segment_value ?? null } : null;
      for (let i = 0; i < range.days; i++) {
        if (impressions[i] === 0 && clicks[i] === 0) continue;
        out.push({ entityId: entity.id, segment, date: bucketDate(range.from, i), impressions: impressions[i]!, clicks: clicks[i]! });
      }
    }
  }
  return out;
}
