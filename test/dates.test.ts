// Account-local days: DST changes make 23- and 25-hour days, and "yesterday" depends on the zone.
import { describe, expect, it } from 'vitest';
import { localDayHours, localMidnight, localYesterday, sliceWindow, eachDate } from '../src/core/dates.ts';
import { lastCompleteDay, planBackfill, planScheduled, nextCursor } from '../src/ingest/plan.ts';

describe('account-local dates', () => {
  it('knows 2021-11-07 lasts 25 hours in Los Angeles and 2021-03-14 lasts 23', () => {
    expect(localDayHours('2021-11-07', 'America/Los_Angeles')).toBe(25);
    expect(localDayHours('2021-03-14', 'America/Los_Angeles')).toBe(23);
    expect(localDayHours('2021-11-08', 'America/Los_Angeles')).toBe(24);
  });

  it('knows Madrid changes on the last Sunday of October and March', () => {
    expect(localDayHours('2021-10-31', 'Europe/Madrid')).toBe(25);
    expect(localDayHours('2022-03-27', 'Europe/Madrid')).toBe(23);
  });

  it('puts local midnight at the right UTC instant on both sides of the change', () => {
    expect(localMidnight('2021-11-07', 'America/Los_Angeles').toUTC().toISO()).toBe('2021-11-07T07:00:00.000Z');
    expect(localMidnight('2021-11-08', 'America/Los_Angeles').toUTC().toISO()).toBe('2021-11-08T08:00:00.000Z');
    expect(localMidnight('2021-11-01', 'Europe/Madrid').toUTC().toISO()).toBe('2021-10-31T23:00:00.000Z');
  });

  it('takes yesterday in the account zone, west and east of UTC', () => {
    // 07:30 UTC on Nov 8 is 23:30 on Nov 7 in Los Angeles (PST) and 08:30 on Nov 8 in Madrid.
    const now = new Date('2021-11-08T07:30:00Z');
    expect(localYesterday(now, 'America/Los_Angeles')).toBe('2021-11-06');
    expect(localYesterday(now, 'Europe/Madrid')).toBe('2021-11-07');
    expect(lastCompleteDay(now, ['Europe/Madrid', 'America/Los_Angeles'])).toBe('2021-11-06');
  });

  it('slices windows over the DST change into whole local days', () => {
    const windows = sliceWindow({ from: '2021-11-01', to: '2021-11-14' }, 7);
    expect(windows).toEqual([
      { from: '2021-11-01', to: '2021-11-07' },
      { from: '2021-11-08', to: '2021-11-14' },
    ]);
    expect(eachDate(windows[0]!)).toHaveLength(7);
    const hours = eachDate(windows[0]!).reduce((h, d) => h + localDayHours(d, 'America/Los_Angeles'), 0);
    expect(hours).toBe(7 * 24 + 1);
  });

  it('plans a scheduled run in Los Angeles right after the change', () => {
    const lastComplete = lastCompleteDay(new Date('2021-11-08T09:00:00Z'), ['America/Los_Angeles']);
    expect(lastComplete).toBe('2021-11-07');
    expect(planScheduled({ cursor: '2021-11-06', lastComplete, lookbackDays: 7, maxWindowDays: 30 })).toEqual([
      { from: '2021-10-31', to: '2021-11-07' },
    ]);
  });

  it('plans nothing when already up to date, and a first run from start_date', () => {
    expect(planScheduled({ cursor: '2021-11-07', lastComplete: '2021-11-07', lookbackDays: 0, maxWindowDays: 30 })).toEqual([]);
    expect(planScheduled({ cursor: undefined, lastComplete: '2021-09-10', lookbackDays: 7, maxWindowDays: 5, startDate: '2021-09-01' })).toEqual([
      { from: '2021-09-01', to: '2021-09-05' },
      { from: '2021-09-06', to: '2021-09-10' },
    ]);
  });

  it('clamps a backfill to the last complete day', () => {
    expect(planBackfill({ from: '2021-12-25', to: '2022-01-10', lastComplete: '2021-12-31', maxWindowDays: 90 })).toEqual({
      windows: [{ from: '2021-12-25', to: '2021-12-31' }],
      clampedTo: '2021-12-31',
    });
  });

  it('moves the cursor forward over contiguous days only', () => {
    expect(nextCursor(undefined, { from: '2021-09-01', to: '2021-09-07' })).toBe('2021-09-07');
    expect(nextCursor('2021-09-07', { from: '2021-09-08', to: '2021-09-10' })).toBe('2021-09-10');
    expect(nextCursor('2021-09-07', { from: '2021-09-09', to: '2021-09-10' })).toBeUndefined();
    expect(nextCursor('2021-09-07', { from: '2021-09-01', to: '2021-09-03' })).toBeUndefined();
  });
});
