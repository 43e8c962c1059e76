// Account-local calendar arithmetic. Every date in pauta is a `YYYY-MM-DD` string in the
// account's own time zone; DST (23- and 25-hour days) is Luxon's job, never hand arithmetic.
import { DateTime, IANAZone } from 'luxon';

export type IsoDate = string;

export interface DateWindow {
  /** First local date, inclusive. */
  from: IsoDate;
  /** Last local date, inclusive. */
  to: IsoDate;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

export function assertIsoDate(value: string, what = 'date'): IsoDate {
  if (!isIsoDate(value)) throw new Error(`${what}: expected a date as YYYY-MM-DD, got "${value}"`);
  return value;
}

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

function day(date: IsoDate): DateTime {
  return DateTime.fromISO(date, { zone: 'UTC' });
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return day(date).plus({ days }).toISODate()!;
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round(day(b).diff(day(a), 'days').days);
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a <= b ? a : b;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

/** Every date of a window, in order. */
export function eachDate(window: DateWindow): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = window.from; d <= window.to; d = addDays(d, 1)) out.push(d);
  return out;
}

export function windowDays(window: DateWindow): number {
  return daysBetween(window.from, window.to) + 1;
}

/** Splits a window into consecutive windows of at most `maxDays` days. */
export function sliceWindow(window: DateWindow, maxDays: number): DateWindow[] {
  if (maxDays < 1) throw new Error(`maxWindowDays must be at least 1, got ${maxDays}`);
  const out: DateWindow[] = [];
  for (let from = window.from; from <= window.to; from = addDays(from, maxDays)) {
    out.push({ from, to: minDate(addDays(from, maxDays - 1), window.to) });
  }
  return out;
}

/** The local calendar date of an instant in a time zone. */
export function localDate(instant: Date, zone: string): IsoDate {
  return DateTime.fromJSDate(instant, { zone }).toISODate()!;
}

/** Yesterday, as the account in `zone` sees it at `instant`. */
export function localYesterday(instant: Date, zone: string): IsoDate {
  return addDays(localDate(instant, zone), -1);
}

/** The instant a local date begins (local midnight) in a zone. */
export function localMidnight(date: IsoDate, zone: string): DateTime {
  return DateTime.fromISO(date, { zone }).startOf('day');
}

/** Length in hours of a local day: 23 or 25 on DST changes. */
export function localDayHours(date: IsoDate, zone: string): number {
  return localMidnight(addDays(date, 1), zone).diff(localMidnight(date, zone), 'hours').hours;
}

export function monthOf(date: IsoDate): string {
  return date.slice(0, 7);
}
