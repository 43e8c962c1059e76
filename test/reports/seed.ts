// Puts impressions into a test database through Store.commitWindow, the path the runner uses.
import type { TargetConfig } from '../../src/config/schema.ts';
import type { Channel, StoredDay } from '../../src/core/records.ts';
import { eachDate, type IsoDate } from '../../src/core/dates.ts';
import { reconcileGeo, type GeoImpressions } from '../../src/core/geo.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { SIM_CAMPAIGNS, simDays } from '../../src/sandbox/world.ts';
import type { Store } from '../../src/store/store.ts';

export interface SeedCampaign {
  sourceId?: string;
  platform: string;
  accountId?: string;
  campaignId: string;
  channel: Channel;
  /** Impressions on a date (0 or less: no row that day). */
  perDay: (date: IsoDate) => number;
  /** The geography of a day's impressions; default: all in California. */
  geo?: (date: IsoDate, total: number) => GeoImpressions[];
}

export async function seedCampaigns(store: Store, targets: readonly TargetConfig[], from: IsoDate, to: IsoDate, campaigns: readonly SeedCampaign[]): Promise<void> {
  const bySource = new Map<string, StoredDay[]>();
  for (const c of campaigns) {
    const sourceId = c.sourceId ?? c.platform.replace('_', '-');
    const days = bySource.get(sourceId) ?? [];
    for (const date of eachDate({ from, to })) {
      const n = c.perDay(date);
      if (n <= 0) continue;
      const geo = c.geo?.(date, n) ?? [{ country: 'US', region: 'US-CA', impressions: n }];
      days.push({
        date,
        accountId: c.accountId ?? '100',
        campaignId: c.campaignId,
        campaignName: `Campaign ${c.campaignId}`,
        channel: c.channel,
        impressions: n,
        geoMethod: 'test',
        platform: c.platform,
        geo: reconcileGeo(n, geo),
      });
    }
    bySource.set(sourceId, days);
  }
  for (const [sourceId, days] of bySource) {
    await store.commitWindow({
      runId: `seed-${sourceId}`,
      sourceId,
      trigger: 'backfill',
      window: { from, to },
      accounts: [...new Set(days.map((d) => d.accountId))],
      days,
      targetOf: targetAssignment(targets).targetOf,
      startedAt: '2022-01-01T00:00:00.000Z',
      finishedAt: '2022-01-01T00:00:00.000Z',
    });
  }
}

/** The sandbox's simulated campaigns (the demo's world), stored as the connectors would. */
export async function seedSimWorld(store: Store, targets: readonly TargetConfig[], from: IsoDate, to: IsoDate): Promise<void> {
  const bySource = new Map<string, StoredDay[]>();
  for (const c of SIM_CAMPAIGNS) {
    const days = bySource.get(c.platform) ?? [];
    for (const d of simDays(c, from, to)) {
      days.push({
        date: d.date,
        accountId: c.accountId,
        campaignId: c.campaignId,
        campaignName: c.name,
        channel: c.channel,
        impressions: d.impressions,
        clicks: d.clicks,
        geoMethod: 'sandbox',
        platform: c.platform,
        geo: reconcileGeo(d.impressions, d.geo),
      });
    }
    bySource.set(c.platform, days);
  }
  for (const [sourceId, days] of bySource) {
    await store.commitWindow({
      runId: 'seed-sim',
      sourceId,
      trigger: 'demo',
      window: { from, to },
      accounts: [...new Set(days.map((d) => d.accountId))],
      days,
      targetOf: targetAssignment(targets).targetOf,
      startedAt: '2022-01-01T00:00:00.000Z',
      finishedAt: '2022-01-01T00:00:00.000Z',
    });
  }
}
