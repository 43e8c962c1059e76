// The records pauta persists, shared by the layers that produce them (connectors, the runner, the
// config's targets) and the one that stores them (src/store/). Only shapes live here: the store
// imports nothing above core, so it knows no platform, no connector and no campaign plan.
import type { IsoDate } from './dates.ts';
import type { GeoImpressions } from './geo.ts';

/** What kind of inventory a campaign buys; targets select campaigns by it. */
export const CHANNELS = ['display', 'video', 'youtube', 'social', 'demand_gen', 'performance_max', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

/** An account of a source, as stored in `accounts`. */
export interface AccountInfo {
  accountId: string;
  name?: string | undefined;
  /** IANA zone the platform reports this account's days in. */
  timeZone: string;
  currency?: string | undefined;
}

/** One campaign's day, as the platform reports it, already normalized. */
export interface CampaignDay {
  /** YYYY-MM-DD in the account's time zone (the platform's own date). */
  date: IsoDate;
  accountId: string;
  campaignId: string;
  campaignName: string;
  channel: Channel;
  /** The platform's authoritative campaign total for the day. */
  impressions: number;
  clicks?: number | null;
  videoViews?: number | null;
  /** Cost in micros of the account currency, when the platform gives it. */
  costMicros?: number | null;
  /**
   * The day's geographic split. The runner adds the remainder (country `ZZ`) so the rows add
   * up to `impressions`; an empty array puts the whole day in `ZZ`.
   */
  geo: GeoImpressions[];
  /** How the geography was obtained, e.g. `user_location_view`, `regions`, `targeting`, `report`. */
  geoMethod: string;
}

/** A campaign day ready to store: its geo rows already reconciled with the total. */
export interface StoredDay extends CampaignDay {
  platform: string;
  geo: GeoImpressions[];
}

/**
 * What the store keeps for a source's connector between runs (`connector_state`): JSON values by
 * key. Values come back as stored, unchecked; connectors read them through a typed view
 * (src/connectors/state.ts) that validates each against the key's schema.
 */
export interface SourceState {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A campaign as the targets' include rules see it. */
export interface CampaignIdentity {
  sourceId: string;
  platform: string;
  channel: string;
  campaignId: string;
  campaignName: string;
}

/** A target as the store mirrors it in `targets`. */
export interface TargetRecord {
  id: string;
  name: string;
  projected: number;
  period: { start: IsoDate; end: IsoDate };
}

/** The plan's targets and the rule that assigns a campaign to one of them (null: none). */
export interface TargetAssignment {
  targets: readonly TargetRecord[];
  targetOf(campaign: CampaignIdentity): string | null;
}
