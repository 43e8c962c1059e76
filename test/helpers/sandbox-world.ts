// One platform's demo source against a fresh sandbox on loopback, through the real runner and a
// fresh SQLite file; and the simulated world's numbers to compare what was stored with.
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { defaultRegistry } from '../../src/connectors/index.ts';
import { parseConfig, type PautaConfig } from '../../src/config/load.ts';
import type { DateWindow } from '../../src/core/dates.ts';
import { silentLogger } from '../../src/core/log.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { Runner, type RunnerDeps, type SourceRunResult } from '../../src/ingest/runner.ts';
import { startSandbox } from '../../src/sandbox/demo.ts';
import type { RunningSandbox } from '../../src/sandbox/http.ts';
import { SANDBOX_PLATFORMS } from '../../src/sandbox/platforms.ts';
import { SIM_NOW, simCampaigns, simDays, type SimPlatform } from '../../src/sandbox/world.ts';
import type { Store } from '../../src/store/store.ts';
import { TARGETS_YAML, openTestStore } from './app.ts';

export const registry = defaultRegistry();

/** The demo source of `platform` at `baseUrl`, with windows of `maxWindowDays`. */
export function platformSource(platform: SimPlatform, baseUrl: string, maxWindowDays?: number): { source: Record<string, unknown>; env: Record<string, string> } {
  const entry = SANDBOX_PLATFORMS.find((p) => p.sandbox.name === platform)!.demoSource(baseUrl);
  return { source: { ...entry.source, ...(maxWindowDays ? { max_window_days: maxWindowDays } : {}) }, env: entry.env };
}

export function sandboxConfig(sources: Record<string, unknown>[]): PautaConfig {
  return parseConfig(`${stringify({ sources })}\n${TARGETS_YAML}`, 'sandbox.yaml', registry);
}

export interface PlatformHarness {
  sandbox: RunningSandbox;
  store: Store;
  config: PautaConfig;
  env: Record<string, string>;
  run(range: DateWindow, deps?: Partial<RunnerDeps>): Promise<SourceRunResult>;
  close(): Promise<void>;
}

/** `settings`: more keys of the source's config entry (e.g. `windows_at_once`). */
export async function platformHarness(platform: SimPlatform, maxWindowDays?: number, settings: Record<string, unknown> = {}): Promise<PlatformHarness> {
  const sandbox = await startSandbox();
  const { source, env } = platformSource(platform, sandbox.baseUrl, maxWindowDays);
  const config = sandboxConfig([{ ...source, ...settings }]);
  const store = await openTestStore();
  await store.syncTargets(targetAssignment(config.targets));
  return {
    sandbox,
    store,
    config,
    env,
    async run(range, deps = {}) {
      // Google Ads answers for 37 months before `now`: its clock is the world's. The others keep
      // the real clock, which their servers' rate-limit reset times are in.
      const now = platform === 'google_ads' ? { now: () => SIM_NOW } : {};
      const runner = new Runner(config, registry, { store, log: silentLogger(), env, ...now, sleep: async () => undefined, ...deps });
      const [result] = await runner.runAll({ kind: 'backfill', ...range }, `r${Math.random().toString(36).slice(2, 8)}`, 'backfill');
      return result!;
    },
    async close() {
      await store.close();
      await sandbox.close();
    },
  };
}

export interface StoredNumbers {
  days: string[];
  geo: string[];
}

/** The world's campaign-day totals and geo rows of `platform` over the windows, as sorted lines. */
export function worldNumbers(platform: SimPlatform, windows: readonly DateWindow[]): StoredNumbers {
  const days: string[] = [];
  const geo: string[] = [];
  for (const c of simCampaigns(platform)) {
    for (const w of windows) {
      for (const d of simDays(c, w.from, w.to)) {
        days.push(`${c.campaignId} ${d.date} ${d.impressions}`);
        for (const g of d.geo) geo.push(`${c.campaignId} ${d.date} ${g.country}/${g.region} ${g.impressions}`);
      }
    }
  }
  return { days: days.sort(), geo: geo.sort() };
}

/** What the store holds, in the same lines. */
export async function storedNumbers(store: Store): Promise<StoredNumbers> {
  const days = await store.db.selectFrom('campaign_days').select(['campaign_id', 'date', 'impressions']).execute();
  const geo = await sql<{ campaign_id: string; date: string; country: string; region: string; impressions: number }>`
    SELECT campaign_id, date, country, region, impressions FROM impressions_daily`.execute(store.db);
  return {
    days: days.map((d) => `${d.campaign_id} ${d.date} ${d.impressions}`).sort(),
    geo: geo.rows.map((g) => `${g.campaign_id} ${g.date} ${g.country}/${g.region} ${g.impressions}`).sort(),
  };
}
