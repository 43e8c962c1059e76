// The X (Twitter) Ads connector: daily impressions per campaign in the account's days, with
// geography by REGIONS segmentation or by each line item's targeted location.
import { nameMatcher } from '../../config/fields.ts';
import type { CheckLine, CheckResult, Connector, ConnectorContext, FetchEvent, Session, SourceAccounts } from '../types.ts';
import { FatalError, PayloadError, describeError } from '../../core/errors.ts';
import { isValidTimeZone, localDate, windowDays, type DateWindow } from '../../core/dates.ts';
import { inOrder } from '../../core/in-order.ts';
import type { AccountInfo, CampaignDay } from '../../core/records.ts';
import { XAdsClient } from './client.ts';
import { xAdsSourceSchema, type XAdsSourceConfig } from './config.ts';
import { toCampaignDays } from './mapping.ts';
import type { XAccount, XCampaign } from './payloads.ts';
import { JobSlots, windowJobs } from './jobs.ts';
import { regionsGeo, MAX_SEGMENTED_DAYS } from './regions.ts';
import { syncDailyTotals, type AccountWindow } from './stats.ts';
import { targetingGeo } from './targeting.ts';

/**
 * Accounts of one window read at once: X's rate limits are per user and count requests, not
 * requests at once, and the running-job limit is per account (kept by JobSlots).
 */
const ACCOUNTS_AT_ONCE = 4;

/** X reports every account in America/Los_Angeles until its `timezone_switch_at`. */
const ORIGINAL_ZONE = 'America/Los_Angeles';

/** An X ads account as a run reads it: the stored account facts and when it changed zones. */
export interface XAdsAccount extends AccountInfo {
  /** When X moved the account off America/Los_Angeles (days before are reported there). */
  timezoneSwitchAt?: string | undefined;
}

function accountZone(account: XAccount): string {
  if (!isValidTimeZone(account.timezone)) {
    throw new PayloadError(`X Ads account ${account.id}: unknown time zone "${account.timezone}"`);
  }
  return account.timezone;
}

/** Days before the switch are in America/Los_Angeles; pauta keeps one zone per account. */
function assertAfterZoneSwitch(account: XAdsAccount, window: DateWindow): void {
  const zone = account.timeZone;
  if (!account.timezoneSwitchAt || zone === ORIGINAL_ZONE) return;
  const switchDate = localDate(new Date(account.timezoneSwitchAt), zone);
  if (window.from < switchDate) {
    throw new FatalError(
      `X Ads account ${account.accountId} switched from ${ORIGINAL_ZONE} to ${zone} on ${switchDate}; ` +
        `X reports earlier days in ${ORIGINAL_ZONE}, so pauta reads this account from ${switchDate} on (window starts ${window.from})`,
    );
  }
}

async function selectCampaigns(client: XAdsClient, accountId: string, cfg: XAdsSourceConfig): Promise<XCampaign[]> {
  const all = await client.campaigns(accountId, cfg.campaigns?.ids);
  const matches = nameMatcher(cfg.campaigns?.name_pattern);
  const seen = new Set<string>();
  return all.filter((c) => {
    if (seen.has(c.id)) return false;
    seen.add(c.id);
    return matches(c.name);
  });
}

/** One source run against the X Ads API: one signed client and one count of running jobs for every window. */
class XAdsSession implements Session<XAdsAccount> {
  private client: XAdsClient | undefined;
  private readonly jobSlots = new JobSlots();

  constructor(
    private readonly cfg: XAdsSourceConfig,
    private readonly ctx: ConnectorContext,
  ) {}

  /** Built on first use, so `check` reports a missing credential as a line. */
  private api(): XAdsClient {
    return (this.client ??= XAdsClient.fromConfig(this.cfg, this.ctx));
  }

  async accounts(): Promise<SourceAccounts<XAdsAccount>> {
    const client = this.api();
    const accounts: XAdsAccount[] = [];
    for (const accountId of this.cfg.account_ids) {
      const account = await client.getAccount(accountId);
      accounts.push({
        accountId,
        name: account.name ?? undefined,
        timeZone: accountZone(account),
        timezoneSwitchAt: account.timezone_switch_at ?? undefined,
      });
    }
    return { accounts, skipped: [] };
  }

  async check(): Promise<CheckResult> {
    const lines: CheckLine[] = [];
    let client: XAdsClient;
    try {
      // No retries: check reports a rate limit instead of waiting it out.
      client = XAdsClient.fromConfig(this.cfg, { ...this.ctx, call: (_label, request) => request() });
      lines.push({ ok: true, subject: 'credentials', detail: 'OAuth 1.0a consumer key/secret and access token/secret are set' });
    } catch (error) {
      return { ok: false, lines: [{ ok: false, subject: 'credentials', detail: describeError(error) }] };
    }
    try {
      for (const accountId of this.cfg.account_ids) {
        try {
          const account = await client.getAccount(accountId);
          lines.push({ ok: true, subject: `account ${accountId}`, detail: `${account.name ?? '(no name)'}, time zone ${accountZone(account)}` });
        } catch (error) {
          lines.push({ ok: false, subject: `account ${accountId}`, detail: describeError(error) });
        }
      }
    } finally {
      client.close();
    }
    return { ok: lines.every((l) => l.ok), lines };
  }

  /** The window's accounts are read up to ACCOUNTS_AT_ONCE at a time and handed back in order. */
  async *fetch(window: DateWindow, accounts: readonly XAdsAccount[]): AsyncIterable<FetchEvent> {
    for await (const read of inOrder(accounts, ACCOUNTS_AT_ONCE, (account) => this.readAccount(window, account))) {
      if (!read.ok) throw read.error;
      for (const day of read.value) yield { kind: 'day', day };
      yield { kind: 'account_done', accountId: read.item.accountId };
    }
  }

  /** Every campaign day of one account in the window. */
  private async readAccount(window: DateWindow, account: XAdsAccount): Promise<CampaignDay[]> {
    const { cfg, ctx } = this;
    const client = this.api();
    const { accountId } = account;
    assertAfterZoneSwitch(account, window);
    const campaigns = await selectCampaigns(client, accountId, cfg);
    if (campaigns.length === 0) return [];
    const aw: AccountWindow = { client, ctx, cfg, accountId, zone: account.timeZone, window, campaignIds: campaigns.map((c) => c.id), jobSlots: this.jobSlots };
    const geo = cfg.geo.strategy === 'regions' ? await regionsGeo(aw) : await targetingGeo(aw);
    // Totals last, so they are the freshest snapshot next to the jobs' geography.
    const totals = await syncDailyTotals(aw, 'CAMPAIGN', aw.campaignIds);
    const days = [...toCampaignDays(accountId, campaigns, totals, geo, cfg.geo.strategy)];
    // This window's jobs are spent: a later run of the same dates must see restated numbers.
    if (cfg.geo.strategy === 'regions') await ctx.state.delete(windowJobs(accountId, window));
    return days;
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }
}

export const xAdsConnector: Connector<XAdsSourceConfig, XAdsAccount> = {
  platform: 'x_ads',
  configSchema: xAdsSourceSchema,
  // One window fits one REGIONS job range (≤ 45 days segmented); the ≤ 7-day limit of
  // synchronous stats is met inside the connector by splitting each window.
  maxWindowDays: MAX_SEGMENTED_DAYS,
  // Impressions are final after 24 hours: re-pull the last three days.
  lookbackDays: 3,
  // Several windows create their REGIONS jobs before any is polled; the session keeps each
  // account within MAX_JOBS_AT_ONCE running jobs whatever the number of windows.
  windowsAtOnce: 4,

  open: (cfg, ctx) => new XAdsSession(cfg, ctx),

  // Per account, assuming ≤ 20 campaigns (one id batch): the account, one campaign page, the
  // ≤ 7-day synchronous chunks per placement, and the geography — per country and placement a
  // REGIONS job (create, about two polls, the download), or the line items, their targeting
  // criteria and their own synchronous chunks.
  estimateRequests(cfg, window) {
    const chunks = Math.ceil(windowDays(window) / 7) + 1;
    const placements = cfg.placements.length;
    const geo = cfg.geo.strategy === 'regions' ? cfg.geo.countries.length * placements * 4 : 2 + chunks * placements;
    return cfg.account_ids.length * (2 + chunks * placements + geo);
  },
};
