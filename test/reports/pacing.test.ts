// Pacing on constructed series: a 100-day period with a target of 10,000 impressions, so the
// linear plan expects exactly 100 a day and every number below can be checked by hand.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/config/load.ts';
import { addDays, eachDate } from '../../src/core/dates.ts';
import { impressionsIndicator } from '../../src/indicators/impressions.ts';
import { computePacing, expectedThrough, judge, targetPacing, type DailyImpressions } from '../../src/indicators/pacing.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import type { Store } from '../../src/store/store.ts';
import { openTestStore } from '../helpers/app.ts';
import { seedCampaigns } from './seed.ts';

const START = '2021-09-01';
const END = addDays(START, 99); // 2021-12-09: 100 days
const PLAN = { projected: 10_000, start: START, end: END };

function series(from: string, to: string, perDay: (date: string, i: number) => number): DailyImpressions[] {
  return eachDate({ from, to }).map((date, i) => ({ date, impressions: perDay(date, i) }));
}

function pace(daily: DailyImpressions[], asOf: string, tolerancePct = 5) {
  return computePacing({ ...PLAN, expectedAt: (d) => expectedThrough(PLAN, d), daily, asOf, tolerancePct, runRateDays: 7 });
}

describe('pacing against a linear plan', () => {
  it('exactly on track: 100 a day for 40 days', () => {
    const asOf = addDays(START, 39);
    const p = pace(series(START, asOf, () => 100), asOf);
    expect(p).toMatchObject({
      phase: 'running',
      status: 'on_track',
      evaluatedOn: asOf,
      expected: 4_000,
      achieved: 4_000,
      variance: 0,
      variancePct: 0,
      elapsedDays: 40,
      remainingDays: 60,
      runRate: 100,
      runRateDays: 7,
      requiredRate: 100,
      projectedFinal: 10_000,
      reachedOn: null,
      reachDate: END,
    });
  });

  it('ahead: 150 a day reaches the target on day 67 and projects 15,000', () => {
    const asOf = addDays(START, 19); // day 20
    const p = pace(series(START, asOf, () => 150), asOf);
    expect(p.status).toBe('ahead');
    expect(p.expected).toBe(2_000);
    expect(p.achieved).toBe(3_000);
    expect(p.variance).toBe(1_000);
    expect(p.variancePct).toBeCloseTo(50, 10);
    expect(p.runRate).toBe(150);
    expect(p.projectedFinal).toBe(3_000 + 150 * 80);
    // 7,000 to go at 150 a day: 46.67 → 47 more days after day 20 = day 67.
    expect(p.reachDate).toBe(addDays(asOf, 47));
    expect(p.reachDate).toBe(addDays(START, 66));
    expect(p.requiredRate).toBeCloseTo(7_000 / 80, 10);
  });

  it('behind: a slow start then a faster last week; the run-rate is the last 7 days only', () => {
    const asOf = addDays(START, 29); // day 30
    // 50 a day for 23 days, then 110 a day for the last 7: 1,150 + 770 = 1,920 against 3,000 expected.
    const p = pace(series(START, asOf, (_d, i) => (i < 23 ? 50 : 110)), asOf);
    expect(p.achieved).toBe(1_920);
    expect(p.expected).toBe(3_000);
    expect(p.status).toBe('behind');
    expect(p.variance).toBe(-1_080);
    expect(p.variancePct).toBeCloseTo(-36, 10);
    expect(p.runRate).toBe(110);
    expect(p.projectedFinal).toBe(1_920 + 110 * 70);
    expect(p.projectedFinal).toBeLessThan(10_000);
    // 8,080 to go at 110 a day: 73.45 → 74 days, after the period's end.
    expect(p.reachDate).toBe(addDays(asOf, 74));
    expect(p.reachDate! > END).toBe(true);
  });

  it('days without delivery count as zero in the run-rate', () => {
    const asOf = addDays(START, 29);
    const daily = series(START, addDays(START, 26), () => 100); // nothing on the last 3 days
    const p = pace(daily, asOf);
    expect(p.runRate).toBeCloseTo(400 / 7, 10);
    expect(p.achieved).toBe(2_700);
  });

  it('the tolerance decides the boundary: ±5 % is on track, beyond is not', () => {
    expect(judge(950, 1_000, 5)).toBe('on_track');
    expect(judge(1_050, 1_000, 5)).toBe('on_track');
    expect(judge(949, 1_000, 5)).toBe('behind');
    expect(judge(1_051, 1_000, 5)).toBe('ahead');
    expect(judge(949, 1_000, 10)).toBe('on_track');
    expect(judge(0, 0, 5)).toBe('on_track');
  });

  it('before the period: nothing expected, not started, no projection', () => {
    const p = pace([], addDays(START, -3));
    expect(p).toMatchObject({
      phase: 'before',
      status: 'not_started',
      expected: 0,
      achieved: 0,
      elapsedDays: 0,
      remainingDays: 100,
      runRate: 0,
      projectedFinal: null,
      reachDate: null,
      requiredRate: 100,
    });
  });

  it('after the period: judged at its end, against the whole target, data after it ignored', () => {
    const daily = series(START, addDays(END, 10), (_d, i) => (i < 100 ? 95 : 1_000));
    const p = pace(daily, addDays(END, 20));
    expect(p).toMatchObject({
      phase: 'ended',
      evaluatedOn: END,
      expected: 10_000,
      achieved: 9_500,
      variance: -500,
      remainingDays: 0,
      runRate: 95,
      requiredRate: null,
      projectedFinal: 9_500,
      reachedOn: null,
      reachDate: null,
      status: 'not_reached', // 5 % short: the period is over, so no longer "on track"
    });
    expect(pace(daily, addDays(END, 20), 4).status).toBe('not_reached');
    // The day the period ends it is still running, and judged against the plan.
    expect(pace(daily, END).status).toBe('on_track');
  });

  it('after the period: reached means the whole target, whatever the tolerance', () => {
    const short = pace(series(START, END, (_d, i) => (i === 0 ? 99 : 100)), addDays(END, 1), 50);
    expect(short).toMatchObject({ phase: 'ended', achieved: 9_999, status: 'not_reached' });
    const exact = pace(series(START, END, () => 100), addDays(END, 1));
    expect(exact).toMatchObject({ phase: 'ended', achieved: 10_000, status: 'reached', reachedOn: END });
  });

  it('after the period with the target met: the day it was reached', () => {
    const daily = series(START, END, () => 125);
    const p = pace(daily, addDays(END, 1));
    expect(p.reachedOn).toBe(addDays(START, 79)); // 80 × 125 = 10,000
    expect(p.reachDate).toBe(p.reachedOn);
    expect(p.status).toBe('reached');
  });

  it('the run-rate of the first days covers only the days elapsed', () => {
    const asOf = addDays(START, 2);
    const p = pace(series(START, asOf, (_d, i) => [90, 120, 150][i]!), asOf);
    expect(p.runRateDays).toBe(3);
    expect(p.runRate).toBe(120);
  });
});

describe('pacing with monthly shares from the config', () => {
  const plan = {
    projected: 120_000,
    start: '2021-09-01',
    end: '2021-12-31',
    monthlyPct: { '2021-09': 10, '2021-10': 20, '2021-11': 30, '2021-12': 40 },
  };

  it('spreads each month evenly over its days', () => {
    expect(expectedThrough(plan, '2021-08-31')).toBe(0);
    expect(expectedThrough(plan, '2021-09-15')).toBeCloseTo(12_000 * (15 / 30), 9);
    expect(expectedThrough(plan, '2021-09-30')).toBeCloseTo(12_000, 9);
    expect(expectedThrough(plan, '2021-10-31')).toBeCloseTo(36_000, 9);
    expect(expectedThrough(plan, '2021-11-10')).toBeCloseTo(36_000 + 36_000 * (10 / 30), 9);
    expect(expectedThrough(plan, '2021-12-31')).toBe(120_000);
  });

  it('a partial first month spreads its share over the days in the period', () => {
    const p = { projected: 1_000, start: '2021-09-16', end: '2021-10-31', monthlyPct: { '2021-09': 50, '2021-10': 50 } };
    expect(expectedThrough(p, '2021-09-20')).toBeCloseTo(500 * (5 / 15), 9);
    expect(expectedThrough(p, '2021-09-30')).toBeCloseTo(500, 9);
  });

  it('the config rejects shares that miss a month or do not add up to 100', () => {
    const yaml = (shares: string) => `
targets:
  - id: t
    name: T
    projected: 1000
    period: { start: 2021-09-01, end: 2021-11-30 }
    include: [{ channel: display }]
    pacing:
      monthly_pct: ${shares}
`;
    expect(() => parseConfig(yaml('{ 2021-09: 30, 2021-10: 30, 2021-11: 40 }'), 't.yaml', new Map())).not.toThrow();
    expect(() => parseConfig(yaml('{ 2021-09: 50, 2021-10: 50 }'), 't.yaml', new Map())).toThrow(/targets\[0\]\.pacing\.monthly_pct: month 2021-11 of the period has no share/);
    expect(() => parseConfig(yaml('{ 2021-09: 30, 2021-10: 30, 2021-11: 30 }'), 't.yaml', new Map())).toThrow(/add up to 90, not 100/);
    expect(() => parseConfig(yaml('{ 2021-09: 30, 2021-10: 30, 2021-11: 30, 2021-12: 10 }'), 't.yaml', new Map())).toThrow(ConfigError);
  });
});

describe('pacing from stored data', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('reads each target\'s daily series from the database, tolerance from the config', async () => {
    const config = parseConfig(
      `
targets:
  - id: display
    name: Display
    projected: 10000
    period: { start: ${START}, end: ${END} }
    include: [{ channel: display }]
    pacing: { tolerance_pct: 10, run_rate_days: 5 }
`,
      't.yaml',
      new Map(),
    );
    store = await openTestStore();
    await store.syncTargets(targetAssignment(config.targets));
    // 92 a day from two platforms (60 + 32), plus a campaign of another channel that must not count.
    await seedCampaigns(store, config.targets, START, addDays(START, 49), [
      { platform: 'google_ads', campaignId: '1', channel: 'display', perDay: () => 60 },
      { platform: 'dv360', campaignId: '2', channel: 'display', perDay: () => 32 },
      { platform: 'x_ads', campaignId: '3', channel: 'social', perDay: () => 1_000 },
    ]);
    const asOf = addDays(START, 49);
    const ind = await impressionsIndicator(store, config.targets, asOf);
    expect(ind.targets[0]!.daily).toHaveLength(50);
    const p = targetPacing(config.targets[0]!, ind.targets[0]!.daily, asOf);
    expect(p).toMatchObject({ achieved: 4_600, expected: 5_000, runRate: 92, runRateDays: 5, tolerancePct: 10, status: 'on_track' });
    expect(p.projectedFinal).toBe(4_600 + 92 * 50);
  });
});
