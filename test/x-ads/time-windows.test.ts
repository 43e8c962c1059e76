// Account-local ranges as X takes them: local midnights in UTC without milliseconds, split so
// that no range exceeds the API's limit in days or in hours (a week holding the 25-hour
// fall-back Sunday is 169 hours).
import { describe, expect, it } from 'vitest';
import { apiTime, bucketDate, splitForApi } from '../../src/connectors/x-ads/time-windows.ts';

const LA = 'America/Los_Angeles';

describe('X Ads time windows', () => {
  it('writes a local midnight in UTC, whole seconds', () => {
    expect(apiTime('2021-11-06', LA)).toBe('2021-11-06T07:00:00Z');
    expect(apiTime('2021-11-07', LA)).toBe('2021-11-07T07:00:00Z');
    expect(apiTime('2021-11-08', LA)).toBe('2021-11-08T08:00:00Z');
    expect(apiTime('2021-03-14', LA)).toBe('2021-03-14T08:00:00Z');
    expect(apiTime('2021-03-15', LA)).toBe('2021-03-15T07:00:00Z');
    expect(apiTime('2021-10-31', 'Europe/Madrid')).toBe('2021-10-30T22:00:00Z');
    expect(apiTime('2021-11-01', 'Europe/Madrid')).toBe('2021-10-31T23:00:00Z');
  });

  it('splits 2021-11-01..14 in Los Angeles into ≤ 7-day, ≤ 168-hour ranges', () => {
    expect(splitForApi({ from: '2021-11-01', to: '2021-11-14' }, LA, 7).map((r) => [r.from, r.to, r.startTime, r.endTime, r.days])).toEqual([
      ['2021-11-01', '2021-11-06', '2021-11-01T07:00:00Z', '2021-11-07T07:00:00Z', 6],
      ['2021-11-07', '2021-11-12', '2021-11-07T07:00:00Z', '2021-11-13T08:00:00Z', 6],
      ['2021-11-13', '2021-11-14', '2021-11-13T08:00:00Z', '2021-11-15T08:00:00Z', 2],
    ]);
  });

  it('keeps full weeks where no day is longer than 24 hours (spring forward: 167 hours)', () => {
    expect(splitForApi({ from: '2021-03-08', to: '2021-03-21' }, LA, 7).map((r) => [r.from, r.to])).toEqual([
      ['2021-03-08', '2021-03-14'],
      ['2021-03-15', '2021-03-21'],
    ]);
  });

  it('fits 45 segmented days unless the fall-back day makes them 1081 hours', () => {
    expect(splitForApi({ from: '2021-09-01', to: '2021-10-15' }, LA, 45).map((r) => r.days)).toEqual([45]);
    expect(splitForApi({ from: '2021-10-16', to: '2021-11-29' }, LA, 45).map((r) => [r.from, r.to])).toEqual([
      ['2021-10-16', '2021-11-28'],
      ['2021-11-29', '2021-11-29'],
    ]);
  });

  it('a single day is one range, even a 25-hour one', () => {
    expect(splitForApi({ from: '2021-11-07', to: '2021-11-07' }, LA, 1)).toEqual([
      { from: '2021-11-07', to: '2021-11-07', startTime: '2021-11-07T07:00:00Z', endTime: '2021-11-08T08:00:00Z', days: 1 },
    ]);
  });

  it('bucket i is the local start date plus i days, across month ends', () => {
    expect(bucketDate('2021-10-30', 0)).toBe('2021-10-30');
    expect(bucketDate('2021-10-30', 2)).toBe('2021-11-01');
  });
});
