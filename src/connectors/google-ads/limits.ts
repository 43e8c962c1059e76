// How far and how often Google Ads is read. https://developers.google.com/google-ads/api/docs/best-practices/quotas
import { DateTime } from 'luxon';
import type { IsoDate } from '../../core/dates.ts';
import type { DataRetention } from '../types.ts';

/**
 * One window = per customer three searchStream calls (customer, campaign totals, geography)
 * plus a geo target lookup for ids not yet cached. A searchStream costs one operation whatever
 * it returns (Basic access: 15,000 a day), so long windows are cheap in quota; what bounds them
 * is the runner holding a window in memory (days × campaigns × regions) and re-pulling a failed
 * window whole. A month keeps both small: a four-month backfill is four windows per customer.
 */
export const MAX_WINDOW_DAYS = 31;

/** Invalid-traffic adjustments restate impressions for several days; a week covers them. */
export const LOOKBACK_DAYS = 7;

/** Metrics segmented by date are kept for 37 months. */
export const DAILY_DATA_RETENTION_MONTHS = 37;

/** The earliest date a query may still ask for, as the customer's calendar sees `now`. */
export function earliestQueryableDate(now: Date, timeZone: string): IsoDate {
  return DateTime.fromJSDate(now, { zone: timeZone }).startOf('day').minus({ months: DAILY_DATA_RETENTION_MONTHS }).toISODate()!;
}

export const DAILY_DATA_RETENTION: DataRetention = {
  earliestDate: earliestQueryableDate,
  rule: `Google Ads keeps daily metrics for ${DAILY_DATA_RETENTION_MONTHS} months`,
};
