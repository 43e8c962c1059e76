// The JSON report is a contract (README "Report JSON"): this schema is the documented one, key
// for key and in order. A change here is a change to the README and, if not additive, to `schema`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PautaConfig } from '../../src/config/load.ts';
import { REPORT_SCHEMA, reportJson, type ReportJson } from '../../src/report/json.ts';
import { buildReport } from '../../src/report/model.ts';
import type { Store } from '../../src/store/store.ts';
import { sampleStore } from './sample.ts';

type Spec = string | readonly [Spec] | { readonly [k: string]: Spec };

const BREAKDOWN = { key: 'string', label: 'string', impressions: 'number' } as const;
const PACING = {
  phase: 'string', status: 'string', evaluated_on: 'string', projected: 'number', expected: 'number', achieved: 'number',
  variance: 'number', variance_pct: 'number|null', elapsed_days: 'number', total_days: 'number', remaining_days: 'number',
  run_rate: 'number', run_rate_days: 'number', required_rate: 'number|null', projected_final: 'number|null',
  projected_final_pct: 'number|null', reached_on: 'string|null', reach_date: 'string|null', reach_within_period: 'boolean|null',
  tolerance_pct: 'number',
} as const;
const TARGET_BASE = {
  target_id: 'string', name: 'string', projected: 'number', achieved: 'number', pct: 'number', period_start: 'string',
  period_end: 'string', as_of: 'string', data_through: 'string|null',
} as const;
const SEND = {
  send: 'number|string', scheduled: 'number|null', scheduled_from: 'string|null', sent: 'number', delivered: 'number', failed: 'number',
  pending: 'number', pct: 'number|null', delivered_pct: 'number|null', first_date: 'string|null', last_date: 'string|null',
} as const;

export const REPORT_JSON_SCHEMA: Spec = {
  schema: 'string',
  generated_at: 'string',
  as_of: 'string',
  simulated: 'boolean',
  indicators: [{ id: 'string', achieved: 'number', planned: 'number|null', pct: 'number|null', status: 'string|null' }],
  impressions: {
    targets: [
      {
        ...TARGET_BASE,
        by_geo: [BREAKDOWN],
        by_month: [BREAKDOWN],
        by_platform: [BREAKDOWN],
        by_area: [BREAKDOWN],
        pacing: PACING,
        daily: [{ date: 'string', impressions: 'number', cumulative: 'number', expected: 'number' }],
      },
    ],
    total: { ...TARGET_BASE, by_area: [BREAKDOWN], by_month: [BREAKDOWN], by_platform: [BREAKDOWN], pacing: PACING },
  },
  messaging: {
    channels: [{ channel: 'string', sends: [SEND], total: SEND, daily: [{ send: 'number', date: 'string', sent: 'number', delivered: 'number', failed: 'number' }] }],
  },
  sources: [
    {
      source_id: 'string', platform: 'string', data_through: 'string|null', expected_through: 'string', complete: 'boolean',
      missing_from: 'string|null', last_run: 'object|null', last_success_at: 'string|null',
    },
  ],
};

/** Every key present, none extra, in the documented order, with the documented types. */
function checkShape(value: unknown, spec: Spec, at = '$'): string[] {
  if (typeof spec === 'string') {
    const t = value === null ? 'null' : typeof value;
    return spec.split('|').includes(t) ? [] : [`${at}: expected ${spec}, got ${t}`];
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) return [`${at}: expected an array`];
    return value.flatMap((v, i) => checkShape(v, spec[0], `${at}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected an object`];
  const keys = Object.keys(value);
  const want = Object.keys(spec);
  const problems = keys.join(',') === want.join(',') ? [] : [`${at}: keys ${keys.join(',')} instead of ${want.join(',')}`];
  return [...problems, ...want.flatMap((k) => checkShape((value as Record<string, unknown>)[k], (spec as Record<string, Spec>)[k]!, `${at}.${k}`))];
}

let store: Store;
let config: PautaConfig;
beforeAll(async () => {
  ({ store, config } = await sampleStore());
});
afterAll(async () => {
  await store.close();
});

describe('report JSON', () => {
  it('keeps the documented schema at every stage of the campaign', async () => {
    for (const asOf of ['2021-08-15', '2021-09-03', '2021-11-20', '2022-01-31']) {
      const json = reportJson(await buildReport(store, config, { asOf, now: new Date('2022-02-01T12:00:00Z') }));
      expect(checkShape(json, REPORT_JSON_SCHEMA), asOf).toEqual([]);
      expect(json.schema).toBe(REPORT_SCHEMA);
      expect(json.schema).toBe('pauta.report/1');
      // Non-empty lists, so their items were checked too.
      if (asOf > '2021-09-01') {
        expect(json.impressions.targets.every((t) => t.daily.length > 0 && t.by_area.length > 0)).toBe(true);
      }
    }
  });

  it('the numbers agree with each other', async () => {
    const json: ReportJson = reportJson(await buildReport(store, config, { asOf: '2021-11-20' }));
    expect(json.simulated).toBe(true);
    const [programmatic, social] = json.impressions.targets;
    for (const t of [programmatic!, social!]) {
      const sum = (list: { impressions: number }[]) => list.reduce((s, b) => s + b.impressions, 0);
      expect(sum(t.by_area)).toBe(t.achieved);
      expect(sum(t.by_geo)).toBe(t.achieved);
      expect(sum(t.by_month)).toBe(t.achieved);
      expect(sum(t.by_platform)).toBe(t.achieved);
      expect(t.daily.at(-1)!.cumulative).toBe(t.achieved);
      expect(t.daily).toHaveLength(81); // Sept 1 .. Nov 20
      expect(t.pacing.achieved).toBe(t.achieved);
      expect(t.pct).toBe(Math.round((t.achieved * 10000) / t.projected) / 100);
    }
    // The plan's areas: the three states, the rest of the US, Canada, Spain, unknown.
    expect(json.impressions.total.by_area.map((b) => b.key)).toEqual(['US-CA', 'US-TX', 'US-IL', 'US-rest', 'CA', 'ES', 'ZZ']);
    expect(json.impressions.total.achieved).toBe(programmatic!.achieved + social!.achieved);
    expect(json.impressions.total.pacing.expected).toBe(Math.round(programmatic!.pacing.expected + social!.pacing.expected));
    // Linear plan: 81 of 122 days.
    expect(programmatic!.pacing.expected).toBe(Math.round((517242 * 81) / 122));
    expect(json.indicators.map((i) => i.id)).toEqual(['impressions', 'sms', 'email']);
    const sms = json.messaging.channels.find((c) => c.channel === 'sms')!;
    // 1 % of the simulated plan: 420 programmed per send; send 2 (Nov 22–23) has not gone out by Nov 20.
    expect(sms.sends.map((s) => [s.send, s.scheduled, s.scheduled_from])).toEqual([
      [1, 420, 'list'],
      [2, 420, 'list'],
    ]);
    expect(sms.sends[1]!.sent).toBe(0);
    expect(sms.sends[0]!.sent).toBeGreaterThan(400);
    expect(json.indicators[1]).toEqual({ id: 'sms', achieved: sms.total.sent, planned: 840, pct: sms.total.pct, status: null });
  });

  it('--as-of reproduces the report of a past date from the stored data', async () => {
    // A database that only ever received data through Oct 15 gives the same report as today's
    // database asked as of Oct 15.
    const past = await sampleStore({ through: '2021-10-15' });
    try {
      const now = new Date('2021-10-16T08:00:00Z');
      const then = reportJson(await buildReport(past.store, past.config, { asOf: '2021-10-15', now }));
      const later = reportJson(await buildReport(store, config, { asOf: '2021-10-15', now }));
      expect(later).toEqual(then);
      expect(later.impressions.total.data_through).toBe('2021-10-15');
    } finally {
      await past.store.close();
    }
  });
});
