// A test-only connector: its "platform" is a function from (account, date) to campaign days,
// so tests can restate a day, throw mid-window or count calls.
import { z } from 'zod';
import { envVarName, sourceBaseShape } from '../../src/config/fields.ts';
import type { Connector, ConnectorContext, FetchEvent } from '../../src/connectors/types.ts';
import type { CampaignDay } from '../../src/core/records.ts';
import { eachDate, type DateWindow } from '../../src/core/dates.ts';
import { readSecret } from '../../src/core/redact.ts';

export const fakeSchema = z.strictObject({
  ...sourceBaseShape,
  platform: z.literal('test_fake'),
  accounts: z.array(z.strictObject({ id: z.string(), time_zone: z.string() })).min(1),
  api_key_env: envVarName.optional(),
});
export type FakeConfig = z.infer<typeof fakeSchema>;

export interface FakePlatform {
  /** Days the platform reports for one account and date (absent = no delivery that day). */
  days: (accountId: string, date: string) => Omit<CampaignDay, 'accountId' | 'date'>[];
  /** Throw while fetching this (account, date), after earlier days were yielded. */
  failOn?: { accountId?: string; date: string; error: () => Error };
  skip?: { accountId: string; reason: string };
  windows: DateWindow[];
  /**
   * Runs before each (account, date) is read, with the runner's context: a test can make a
   * request through `ctx.call`, wait on a gate, or stop the run there.
   */
  onDate?: (accountId: string, date: string, ctx: ConnectorContext) => Promise<void> | void;
  /** Gives the connector an `estimateRequests` (for `backfill --dry-run`). */
  requestsPerWindow?: (cfg: FakeConfig, window: DateWindow) => number;
}

export function fakeConnector(platform: FakePlatform, defaults = { maxWindowDays: 10, lookbackDays: 3 }): Connector<FakeConfig> {
  return {
    platform: 'test_fake',
    configSchema: fakeSchema,
    maxWindowDays: defaults.maxWindowDays,
    lookbackDays: defaults.lookbackDays,
    open(cfg, ctx) {
      return {
        async accounts() {
          return { accounts: cfg.accounts.map((a) => ({ accountId: a.id, timeZone: a.time_zone, name: `Account ${a.id}` })), skipped: [] };
        },
        async check() {
          return { ok: true, lines: cfg.accounts.map((a) => ({ ok: true, subject: a.id, detail: a.time_zone })) };
        },
        async *fetch(window, accounts): AsyncIterable<FetchEvent> {
          platform.windows.push(window);
          // Read the way a real connector reads its credential, so it is registered for redaction.
          if (cfg.api_key_env) readSecret(ctx.env, cfg.api_key_env, `source ${cfg.id}: api key`);
          for (const { accountId } of accounts) {
            if (platform.skip?.accountId === accountId) {
              yield { kind: 'account_skipped', accountId, reason: platform.skip.reason };
              continue;
            }
            for (const date of eachDate(window)) {
              const f = platform.failOn;
              await platform.onDate?.(accountId, date, ctx);
              if (f && f.date === date && (f.accountId === undefined || f.accountId === accountId)) throw f.error();
              for (const d of platform.days(accountId, date)) {
                yield { kind: 'day', day: { ...d, accountId, date } };
              }
            }
            yield { kind: 'account_done', accountId };
          }
        },
        async close() {},
      };
    },
    ...(platform.requestsPerWindow ? { estimateRequests: platform.requestsPerWindow } : {}),
  };
}

/** A steady campaign: `n` impressions a day split between California, Canada and the rest. */
export function steadyCampaign(id: string, n: number, extra: Partial<CampaignDay> = {}): Omit<CampaignDay, 'accountId' | 'date'> {
  return {
    campaignId: id,
    campaignName: `Campaign ${id}`,
    channel: 'display',
    impressions: n,
    geoMethod: 'test',
    geo: [
      { country: 'US', region: 'US-CA', impressions: Math.floor(n / 2) },
      { country: 'CA', region: '', impressions: Math.floor(n / 4) },
    ],
    ...extra,
  };
}
