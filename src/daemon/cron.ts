// The config's cron expression, read by node-cron (the same parser and matcher the daemon's timer
// uses), plus what node-cron only answers for the real clock: the run due before and after any
// instant. Catch-up at start-up and `pauta status` need both for an injected `now`.
import cron, { type ScheduledTask } from 'node-cron';
import { DateTime } from 'luxon';
import { UsageError } from '../core/errors.ts';

/** How far to look for a matching minute; an expression that fires less than yearly is not a schedule. */
const SEARCH_DAYS = 400;

export class CronSchedule {
  private readonly hours: number[];
  private readonly minutes: number[];
  private readonly seconds: number[];
  private readonly months: Set<number>;
  private readonly matcher: ScheduledTask;

  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    const detail = cron.validateDetailed(expression);
    if (!detail.valid || !detail.fields) {
      const why = detail.errors.map((e) => e.message).join('; ');
      throw new UsageError(`schedule.cron: "${expression}" is not a cron expression (${why})`);
    }
    const f = detail.fields;
    this.hours = [...f.hour].sort((a, b) => a - b);
    this.minutes = [...f.minute].sort((a, b) => a - b);
    this.seconds = [...f.second].sort((a, b) => a - b);
    this.months = new Set(f.month);
    // Never started: only its matcher is used (day-of-month/week rules such as L and #).
    this.matcher = cron.createTask(expression, () => undefined, { timezone: timeZone, name: `pauta-match-${expression}` });
  }

  /** The first run strictly after `instant`. */
  next(instant: Date): Date | undefined {
    return this.search(instant, 1);
  }

  /** The last run at or before `instant`. */
  previous(instant: Date): Date | undefined {
    return this.search(instant, -1);
  }

  /** Stops node-cron keeping the matcher in its task list. */
  dispose(): void {
    void this.matcher.destroy();
  }

  private search(instant: Date, direction: 1 | -1): Date | undefined {
    const t = instant.getTime();
    let day = DateTime.fromJSDate(instant, { zone: this.timeZone }).startOf('day');
    for (let i = 0; i < SEARCH_DAYS; i++, day = day.plus({ days: direction })) {
      if (!this.months.has(day.month)) continue;
      const times = this.timesOn(day);
      if (direction === -1) times.reverse();
      for (const candidate of times) {
        const ms = candidate.getTime();
        if (direction === 1 ? ms <= t : ms > t) continue;
        if (this.matcher.match(candidate)) return candidate;
      }
    }
    return undefined;
  }

  /** Every hour/minute/second combination on a local day, ascending; DST gaps drop out in `match`. */
  private timesOn(day: DateTime): Date[] {
    const out: Date[] = [];
    for (const hour of this.hours) {
      for (const minute of this.minutes) {
        for (const second of this.seconds) {
          out.push(day.set({ hour, minute, second, millisecond: 0 }).toJSDate());
        }
      }
    }
    return out.sort((a, b) => a.getTime() - b.getTime());
  }
}
