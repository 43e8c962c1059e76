// The demo path end to end: the sandbox on loopback, every connector through its endpoint
// override, the real runner and SQLite. What is stored must equal the sandbox's ground truth
// exactly — per campaign and day, per country and region — and a second run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { defaultRegistry } from '../src/connectors/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { impressionsIndicator } from '../src/indicators/impressions.ts';
import { runDemo, startSandbox } from '../src/sandbox/demo.ts';
import type { RunningSandbox } from '../src/sandbox/http.ts';
import { SANDBOX_PLATFORMS } from '../src/sandbox/platforms.ts';
import { SIM_CAMPAIGNS, SIM_PERIOD, simDays } from '../src/sandbox/world.ts';
import type { Store } from '../src/store/store.ts';
import type { TargetConfig } from '../src/config/schema.ts';
import { openTestStore, snapshot } from './helpers/app.ts';

let sandbox: RunningSandbox;
let demoTargets: TargetConfig[] = [];
let store: Store;
const registry = defaultRegistry();
const served = new Set(SANDBOX_PLATFORMS.map((p) => p.sandbox.name));
const campaigns = SIM_CAMPAIGNS.filter((c) => served.has(c.platform));

beforeAll(async () => {
  sandbox = await startSandbox();
  store = await openTestStore();
});
afterAll(async () => {
  await store?.close();
  await sandbox?.close();
});

describe.skipIf(campaigns.length === 0)('demo end to end', () => {
  it('stores exactly the sandbox ground truth, per campaign, day and place', async () => {
    const { results, config } = await runDemo({ store, registry, log: silentLogger(), baseUrl: sandbox.baseUrl });
    demoTargets = config.targets;
    expect(results.map((r) => [r.sourceId, r.status, r.error])).toEqual(results.map((r) => [r.sourceId, 'ok', undefined]));
    expect(results.map((r) => r.sourceId).sort()).toEqual([...served].map((p) => p.replace('_', '-')).sort());

    for (const c of campaigns) {
      const truth = simDays(c, SIM_PERIOD.from, SIM_PERIOD.to);
      const stored = await store.db
        .selectFrom('campaign_days')
        .select(['date', 'impressions'])
        .where('account_id', '=', c.accountId)
        .where('campaign_id', '=', c.campaignId)
        .orderBy('date')
        .execute();
      expect(stored, `${c.platform} ${c.campaignId} daily totals`).toEqual(truth.map((d) => ({ date: d.date, impressions: d.impressions })));

      const geo = await sql<{ date: string; country: string; region: string; impressions: number }>`
        SELECT date, country, region, impressions FROM impressions_daily
        WHERE account_id = ${c.accountId} AND campaign_id = ${c.campaignId}
        ORDER BY date, country, region`.execute(store.db);
      const expected = truth
        .flatMap((d) => d.geo.map((g) => ({ date: d.date, country: g.country, region: g.region, impressions: g.impressions })))
        .sort((a, b) => (a.date + a.country + a.region).localeCompare(b.date + b.country + b.region));
      expect(geo.rows, `${c.platform} ${c.campaignId} geography`).toEqual(expected);
    }
  });

  it('computes the indicator from it: per target and combined', async () => {
    const ind = await impressionsIndicator(store, demoTargets, SIM_PERIOD.to);
    const byChannel = (ch: string[]) =>
      campaigns.filter((c) => ch.includes(c.channel)).reduce((s, c) => s + simDays(c, SIM_PERIOD.from, SIM_PERIOD.to).reduce((t, d) => t + d.impressions, 0), 0);
    expect(ind.targets[0]!.achieved).toBe(byChannel(['display']));
    expect(ind.targets[1]!.achieved).toBe(byChannel(['youtube', 'social']));
    expect(ind.total.achieved).toBe(byChannel(['display', 'youtube', 'social']));
  });

  it('a second run changes nothing', async () => {
    const before = await snapshot(store);
    const { results } = await runDemo({ store, registry, log: silentLogger(), baseUrl: sandbox.baseUrl });
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(await snapshot(store)).toEqual(before);
  });
});
