// Window planning (docs/ARCHITECTURE.md, "One window"), written once for every connector:
// scheduled runs re-pull `lookbackDays` and catch up any gap since the cursor; backfills take an
// explicit range; both are sliced into the connector's `maxWindowDays`.
import {
  addDays,
  localYesterday,
  maxDate,
  minDate,
  sliceWindow,
  type DateWindow,
  type IsoDate,
} from '../core/dates.ts';

/**
 * The last complete day for a source: yesterday in the account zone that is furthest behind
 * (the westernmost), so every account has finished that day.
 */
export function lastCompleteDay(now: Date, timeZones: readonly string[]): IsoDate {
  if (timeZones.length === 0) return localYesterday(now, 'UTC');
  return timeZones.map((z) => localYesterday(now, z)).reduce(minDate);
}

export interface ScheduledPlanInput {
  cursor: IsoDate | undefined;
  lastComplete: IsoDate;
  lookbackDays: number;
  maxWindowDays: number;
  /** Where a source with no cursor starts; default: the lookback before `lastComplete`. */
  startDate?: IsoDate | undefined;
}

/** `[cursor − lookback + 1, lastComplete]`: the restatement window plus any gap (catch-up). */
export function planScheduled(input: ScheduledPlanInput): DateWindow[] {
  const lookbackStart = addDays(input.lastComplete, -Math.max(input.lookbackDays, 1) + 1);
  const from =
    input.cursor !== undefined
      ? minDate(addDays(input.cursor, -input.lookbackDays + 1), addDays(input.cursor, 1))
      : input.startDate ?? lookbackStart;
  if (from > input.lastComplete) return [];
  return sliceWindow({ from, to: input.lastComplete }, input.maxWindowDays);
}

export interface BackfillPlanInput {
  from: IsoDate;
  to: IsoDate;
  lastComplete: IsoDate;
  maxWindowDays: number;
}

/** An explicit range, clamped to the last complete day (today is never final). */
export function planBackfill(input: BackfillPlanInput): { windows: DateWindow[]; clampedTo?: IsoDate } {
  const to = minDate(input.to, input.lastComplete);
  const windows = input.from > to ? [] : sliceWindow({ from: input.from, to }, input.maxWindowDays);
  return to < input.to ? { windows, clampedTo: to } : { windows };
}

/**
 * Where the cursor goes after a window commits: forward only, and only when the window touches
 * the ingested run of days (a backfill beyond a gap must not jump over the gap).
 */
export function nextCursor(cursor: IsoDate | undefined, window: DateWindow): IsoDate | undefined {
  if (cursor === undefined) return window.to;
  if (window.from > addDays(cursor, 1)) return undefined;
  return window.to > cursor ? maxDate(cursor, window.to) : undefined;
}
