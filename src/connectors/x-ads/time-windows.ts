// X Ads stats are asked for in instants, answered in the account's days. With DAY granularity
// start_time and end_time must be local midnights of the account's zone (else 400
// INVALID_TIME_WINDOW), end exclusive, and bucket i of a metric array is the local start date
// plus i days — a DST day is 23 or 25 hours, never UTC + 24 h.
// https://docs.x.com/x-ads-api/fundamentals/timezones
import { addDays, daysBetween, localMidnight, type DateWindow, type IsoDate } from '../../core/dates.ts';

export interface StatsRange {
  /** First local date, inclusive. */
  from: IsoDate;
  /** Last local date, inclusive. */
  to: IsoDate;
  /** Local midnight starting `from`, as the API takes it. */
  startTime: string;
  /** Local midnight after `to` (exclusive end). */
  endTime: string;
  days: number;
}

/** An instant as X accepts it: UTC, whole seconds ("Expected time, got ..." with milliseconds). */
export function apiTime(date: IsoDate, zone: string): string {
  return localMidnight(date, zone).toUTC().toISO({ suppressMilliseconds: true })!;
}

export function statsRange(window: DateWindow, zone: string): StatsRange {
  const end = addDays(window.to, 1);
  const days = daysBetween(window.from, end);
  return { from: window.from, to: window.to, startTime: apiTime(window.from, zone), endTime: apiTime(end, zone), days };
}

function hoursBetween(from: IsoDate, toExclusive: IsoDate, zone: string): number {
  return localMidnight(toExclusive, zone).diff(localMidnight(from, zone), 'hours').hours;
}

/**
 * Splits a window into ranges of at most `maxDays` local days that also span at most
 * `maxDays` × 24 hours: whether X measures its 7- and 45-day limits in days or in hours is
 * undocumented, and a week holding the 25-hour fall-back day is 169 hours.
 */
export function splitForApi(window: DateWindow, zone: string, maxDays: number): StatsRange[] {
  const out: StatsRange[] = [];
  for (let from = window.from; from <= window.to; ) {
    let to = from;
    for (;;) {
      const next = addDays(to, 1);
      if (next > window.to) break;
      if (daysBetween(from, next) + 1 > maxDays) break;
      if (hoursBetween(from, addDays(next, 1), zone) > maxDays * 24) break;
      to = next;
    }
    out.push(statsRange({ from, to }, zone));
    from = addDays(to, 1);
  }
  return out;
}

/** The local date of metric bucket `i` of a DAY-granularity series starting at `from`. */
export function bucketDate(from: IsoDate, i: number): IsoDate {
  return addDays(from, i);
}
