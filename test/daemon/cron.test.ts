// The schedule's next and previous runs for any instant, in the schedule's zone, DST included.
import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CronSchedule } from '../../src/daemon/cron.ts';
import { UsageError } from '../../src/core/errors.ts';

const made: CronSchedule[] = [];
function schedule(cron: string, zone: string): CronSchedule {
  const s = new CronSchedule(cron, zone);
  made.push(s);
  return s;
}
afterEach(() => {
  for (const s of made.splice(0)) s.dispose();
});

const iso = (d: Date | undefined) => d?.toISOString();

describe('cron schedule', () => {
  it('finds the runs around an instant in the schedule zone', () => {
    const daily = schedule('30 7 * * *', 'America/Mexico_City');
    const now = new Date('2021-10-05T12:00:00Z'); // 07:00 in Mexico City (UTC−5 then)
    expect(iso(daily.previous(now))).toBe('2021-10-04T12:30:00.000Z');
    expect(iso(daily.next(now))).toBe('2021-10-05T12:30:00.000Z');
    // A run due exactly now counts as the previous one, not the next.
    expect(iso(daily.previous(new Date('2021-10-05T12:30:00Z')))).toBe('2021-10-05T12:30:00.000Z');
    expect(iso(daily.next(new Date('2021-10-05T12:30:00Z')))).toBe('2021-10-06T12:30:00.000Z');
  });

  it('follows the zone across a DST change', () => {
    const madrid = schedule('0 6 * * *', 'Europe/Madrid');
    // Madrid leaves summer time on 2021-10-31: 06:00 is 04:00 UTC before, 05:00 UTC after.
    expect(iso(madrid.next(new Date('2021-10-30T12:00:00Z')))).toBe('2021-10-31T05:00:00.000Z');
    expect(iso(madrid.previous(new Date('2021-10-30T12:00:00Z')))).toBe('2021-10-30T04:00:00.000Z');
  });

  it('honours day-of-week fields and steps', () => {
    const mondays = schedule('0 9 * * 1', 'UTC');
    expect(iso(mondays.previous(new Date('2021-10-06T00:00:00Z')))).toBe('2021-10-04T09:00:00.000Z');
    expect(iso(mondays.next(new Date('2021-10-06T00:00:00Z')))).toBe('2021-10-11T09:00:00.000Z');
    const quarterly = schedule('*/15 * * * *', 'UTC');
    expect(iso(quarterly.previous(new Date('2021-10-06T10:07:00Z')))).toBe('2021-10-06T10:00:00.000Z');
    expect(iso(quarterly.next(new Date('2021-10-06T10:07:00Z')))).toBe('2021-10-06T10:15:00.000Z');
  });

  it('agrees with the runs node-cron\'s own timer will make', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2021-10-28T00:00:00Z'));
      for (const [expression, zone] of [['0 6 * * *', 'Europe/Madrid'], ['30 7 * * 1-5', 'America/Mexico_City'], ['0 */6 * * *', 'Asia/Kolkata']] as const) {
        const timer = cron.createTask(expression, () => undefined, { timezone: zone });
        const ours: string[] = [];
        let at = new Date();
        for (let i = 0; i < 6; i++) {
          at = schedule(expression, zone).next(at)!;
          ours.push(at.toISOString());
        }
        expect(ours).toEqual(timer.getNextRuns(6).map((d) => d.toISOString()));
        void timer.destroy();
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects an expression that is not cron as a configuration error', () => {
    expect(() => new CronSchedule('61 7 * * *', 'UTC')).toThrow(UsageError);
    expect(() => new CronSchedule('every morning', 'UTC')).toThrow(/schedule\.cron: "every morning" is not a cron expression/);
  });
});
