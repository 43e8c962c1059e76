// The connector contract (DESIGN.md "A connector"). A connector is a small typed object: it
// knows one platform's API and how to turn its answers into CampaignDays. The runner owns
// windows, cursors, retries, transactions and the run log; a connector never opens the database.
import type { z } from 'zod';
import type { DateWindow, IsoDate } from '../core/dates.ts';
import type { GeoImpressions } from '../core/geo.ts';
import type { Logger } from '../core/log.ts';

export const PLATFORMS = ['google_ads', 'x_ads', 'dv360'] as const;
export type Platform = (typeof PLATFORMS)[number] | `test_${string}`;

/** What kind of inventory a campaign buys; targets select campaigns by it. */
export const CHANNELS = ['display', 'video', 'youtube', 'social', 'demand_gen', 'performance_max', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Fields every source in config/pauta.yaml has, whatever its platform. */
export interface SourceConfigBase {
  id: string;
  platform: string;
  enabled: boolean;
  lookback_days?: number | undefined;
  max_window_days?: number | undefined;
  start_date?: string | undefined;
}

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

export type FetchEvent =
  | { kind: 'day'; day: CampaignDay }
  /** Every day of this account in the window has been yielded: the runner may replace its rows. */
  | { kind: 'account_done'; accountId: string }
  /** This account could not be read and is left untouched (e.g. CUSTOMER_NOT_ENABLED). */
  | { kind: 'account_skipped'; accountId: string; reason: string };

export interface CheckLine {
  ok: boolean;
  /** What was checked: an account, a credential. */
  subject: string;
  detail: string;
}

export interface CheckResult {
  ok: boolean;
  lines: CheckLine[];
}

/** Small persistent key-value store a connector may use (a saved query id, a lookup cache). */
export interface ConnectorState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface ConnectorContext {
  sourceId: string;
  log: Logger;
  /** Where secrets are read from (by the variable names the config gives). */
  env: NodeJS.ProcessEnv;
  /**
   * Runs one platform request under the runner's retry policy: TransientError and
   * RateLimitedError are retried, everything else is thrown at once.
   */
  call<T>(label: string, request: () => Promise<T>): Promise<T>;
  /** Waits (polling a report, spacing requests); tests replace it so nothing really waits. */
  sleep(ms: number): Promise<void>;
  now(): Date;
  state: ConnectorState;
  signal?: AbortSignal | undefined;
}

export interface Connector<C extends SourceConfigBase = SourceConfigBase> {
  platform: Platform;
  /** Validates this platform's entries of `sources:` in the config file. */
  configSchema: z.ZodType<C>;
  /** The most days one request or report may span. */
  maxWindowDays: number;
  /** How many trailing days each scheduled run re-pulls, since the platform restates them. */
  lookbackDays: number;
  /** The accounts this source reads, with their time zones (the days windows are made of). */
  accounts(cfg: C, ctx: ConnectorContext): Promise<AccountInfo[]>;
  /** Verifies credentials and access; reports problems as lines, never throws. */
  check(cfg: C, ctx: ConnectorContext): Promise<CheckResult>;
  /** Everything the platform has for the window's local dates, account by account. */
  fetch(cfg: C, window: DateWindow, ctx: ConnectorContext): AsyncIterable<FetchEvent>;
  /** Optional: how many API requests one window costs, for `backfill --dry-run`. */
  estimateRequests?(cfg: C, window: DateWindow): number;
  /**
   * Optional: how far back the platform keeps daily data. An account's window that starts before
   * `earliestDate` is not queried (its stored rows are kept); `backfill --dry-run` marks it.
   */
  retention?: DataRetention;
}

export interface DataRetention {
  /** The oldest account-local date the platform still answers for at `now`. */
  earliestDate(now: Date, timeZone: string): IsoDate;
  /** The rule, as a person reads it: "Google Ads keeps daily metrics for 37 months". */
  rule: string;
}
