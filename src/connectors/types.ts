// The connector contract (docs/ARCHITECTURE.md, "Connectors and sessions"). A connector is a small
// typed object that opens one session per source run; the session knows one platform's API and
// turns its answers into CampaignDays, and whatever a run needs (clients, tokens) lives on it and
// dies with it. The runner owns windows, cursors, retries, transactions and the run log; a
// connector never opens the database.
import type { z } from 'zod';
import type { DateWindow, IsoDate } from '../core/dates.ts';
import type { Logger } from '../core/log.ts';
import type { AccountInfo, CampaignDay } from '../core/records.ts';
import type { ConnectorState } from './state.ts';

export const PLATFORMS = ['google_ads', 'x_ads', 'dv360'] as const;
export type Platform = (typeof PLATFORMS)[number] | `test_${string}`;

/** Fields every source in config/pauta.yaml has, whatever its platform. */
export interface SourceConfigBase {
  id: string;
  platform: string;
  enabled: boolean;
  lookback_days?: number | undefined;
  max_window_days?: number | undefined;
  start_date?: string | undefined;
  windows_at_once?: number | undefined;
}

export type FetchEvent =
  | { kind: 'day'; day: CampaignDay }
  /** Every day of this account in the window has been yielded: the runner may replace its rows. */
  | { kind: 'account_done'; accountId: string }
  /** This account could not be read for this window and is left untouched (e.g. older than the platform keeps). */
  | { kind: 'account_skipped'; accountId: string; reason: string };

export interface SkippedAccount {
  accountId: string;
  /** Why, as the run log says it: `customer 2345678901 is not enabled …`. */
  reason: string;
}

/** What `accounts()` found: the accounts a run reads, and those it cannot read at all. */
export interface SourceAccounts<A extends AccountInfo = AccountInfo> {
  /** In the config's order; their time zones are the days windows are made of. */
  accounts: A[];
  /** Listed by the config but unreadable for this whole run (a disabled customer); every window's run log names them. */
  skipped: SkippedAccount[];
}

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

export interface ConnectorContext {
  sourceId: string;
  log: Logger;
  /** Where secrets are read from (by the variable names the config gives). */
  env: NodeJS.ProcessEnv;
  /**
   * Runs one platform request under the runner's retry policy: TransientError and
   * RateLimitedError are retried, everything else is thrown at once. Each client calls it from
   * one place, its request method.
   */
  call<T>(label: string, request: () => Promise<T>): Promise<T>;
  /** Waits (polling a report, spacing requests); tests replace it so nothing really waits. */
  sleep(ms: number): Promise<void>;
  now(): Date;
  /** What the connector keeps in the database between runs, by its declared keys. */
  state: ConnectorState;
  signal?: AbortSignal | undefined;
}

/**
 * One source run's connection to the platform. `fetch` may be called again for a window it
 * already fetched (a retry) and for several windows at once: it keeps nothing per window except
 * what the connector state holds under a key of that window.
 */
export interface Session<A extends AccountInfo = AccountInfo> {
  /** The accounts this source reads, with their time zones. */
  accounts(): Promise<SourceAccounts<A>>;
  /** Everything the platform has for the window's local dates, for these accounts (the ones `accounts()` gave), one after the other. */
  fetch(window: DateWindow, accounts: readonly A[]): AsyncIterable<FetchEvent>;
  /** Verifies credentials and access; reports problems as lines, never throws. */
  check(): Promise<CheckResult>;
  /** Releases what the session holds (sockets, clients); the runner calls it once, whatever happened. */
  close(): Promise<void>;
}

export interface Connector<C extends SourceConfigBase = SourceConfigBase, A extends AccountInfo = AccountInfo> {
  platform: Platform;
  /** Validates this platform's entries of `sources:` in the config file. */
  configSchema: z.ZodType<C>;
  /** The most days one request or report may span. */
  maxWindowDays: number;
  /** How many trailing days each scheduled run re-pulls, since the platform restates them. */
  lookbackDays: number;
  /**
   * Optional: how many windows a run fetches at once by default (one when absent). Worth it where
   * a window is mostly waiting for the platform to prepare a report.
   */
  windowsAtOnce?: number;
  /**
   * A session for one run of the source. Cheap and never throws for credentials: nothing is read
   * or requested until a method needs it, so `check` can report a missing secret as a line.
   */
  open(cfg: C, ctx: ConnectorContext): Session<A>;
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
