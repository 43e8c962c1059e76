// Google Ads: Display ("programmatic") and YouTube video campaigns, per day and place.
//
// For each customer, once per run (the session's accounts()):
//   1. `FROM customer`            → time zone (the days the numbers are in) and currency;
// then for each customer and window:
//   2. `FROM campaign`            → each campaign's authoritative daily total;
//   3. `FROM user_location_view`  → where those impressions were (or `geographic_view` with a
//                                   chosen location type);
//   4. `FROM geo_target_constant` → ISO codes for place ids not resolved before.
// Geo rows never exceed the total; the runner adds the rest as country `ZZ`. See README.md here.
import { nameMatcher } from '../../config/fields.ts';
import type { CheckLine, CheckResult, Connector, ConnectorContext, FetchEvent, Session, SourceAccounts } from '../types.ts';
import type { DateWindow } from '../../core/dates.ts';
import { isValidTimeZone } from '../../core/dates.ts';
import { FatalError, PayloadError, describeError } from '../../core/errors.ts';
import { inOrder } from '../../core/in-order.ts';
import type { AccountInfo, CampaignDay } from '../../core/records.ts';
import { readSecret } from '../../core/redact.ts';
import { GoogleAdsClient } from './client.ts';
import { googleAdsSourceSchema, type GoogleAdsSourceConfig } from './config.ts';
import { CustomerNotEnabledError, type CredentialNames } from './errors.ts';
import { campaignDaysQuery, customerQuery, geoQuery, geoTargetConstantsQuery, type CampaignFilter } from './gaql.ts';
import { GeoTargetDirectory } from './geo-targets.ts';
import { DAILY_DATA_RETENTION, LOOKBACK_DAYS, MAX_WINDOW_DAYS, earliestQueryableDate } from './limits.ts';
import {
  addCell,
  dayKey,
  geoMethodFor,
  parseCellKey,
  toCampaignDay,
  toCustomerInfo,
  toGeoCell,
  toGeoTarget,
  type CustomerInfo,
  type GeoCounts,
  type GeoTarget,
} from './mapping.ts';

/**
 * Customers of one window read at once: the developer token's quota counts operations, not how
 * many run together.
 */
const CUSTOMERS_AT_ONCE = 4;

/** A customer as a run reads it: the stored account facts, and whether it is a manager. */
export interface GoogleAdsAccount extends AccountInfo {
  /** A manager (MCC) account has no metrics of its own: a window that lists it fails. */
  manager: boolean;
}

type CustomerLookup = { kind: 'ok'; info: CustomerInfo } | { kind: 'not_enabled'; reason: string };

function credentialNames(cfg: GoogleAdsSourceConfig): CredentialNames {
  return {
    developerTokenEnv: cfg.developer_token_env,
    clientIdEnv: cfg.client_id_env,
    clientSecretEnv: cfg.client_secret_env,
    refreshTokenEnv: cfg.refresh_token_env,
    loginCustomerId: cfg.login_customer_id,
  };
}

async function createClient(cfg: GoogleAdsSourceConfig, ctx: ConnectorContext): Promise<GoogleAdsClient> {
  return GoogleAdsClient.create({
    developerToken: readSecret(ctx.env, cfg.developer_token_env, 'Google Ads developer token'),
    clientId: readSecret(ctx.env, cfg.client_id_env, 'Google Ads OAuth client id'),
    clientSecret: readSecret(ctx.env, cfg.client_secret_env, 'Google Ads OAuth client secret'),
    refreshToken: readSecret(ctx.env, cfg.refresh_token_env, 'Google Ads OAuth refresh token'),
    loginCustomerId: cfg.login_customer_id,
    apiUrl: cfg.endpoint?.api_url,
    tokenUrl: cfg.endpoint?.token_url,
    names: credentialNames(cfg),
  });
}

/** The customer's time zone and currency, or why it cannot be read (CUSTOMER_NOT_ENABLED). */
async function lookupCustomer(client: GoogleAdsClient, ctx: ConnectorContext, customerId: string): Promise<CustomerLookup> {
  try {
    const rows = await client.fold(
      ctx,
      { customerId, operation: 'customer details', query: customerQuery() },
      () => [] as CustomerInfo[],
      (acc, row) => void acc.push(toCustomerInfo(row, customerId)),
    );
    const info = rows[0];
    if (!info) throw new PayloadError(`customer ${customerId}: FROM customer returned no row`);
    if (!isValidTimeZone(info.timeZone)) throw new PayloadError(`customer ${customerId}: customer.time_zone: not an IANA zone: ${info.timeZone}`);
    return { kind: 'ok', info };
  } catch (error) {
    if (!(error instanceof CustomerNotEnabledError)) throw error;
    return { kind: 'not_enabled', reason: error.message };
  }
}

function managerError(customerId: string): FatalError {
  return new FatalError(
    `customer ${customerId} is a manager account, which has no metrics of its own: ` +
      'put it in login_customer_id and list its client accounts in customer_ids',
  );
}

/** The window's campaign days for one customer: totals first, then their geography. */
async function readCustomerWindow(
  cfg: GoogleAdsSourceConfig,
  client: GoogleAdsClient,
  ctx: ConnectorContext,
  customerId: string,
  window: DateWindow,
): Promise<CampaignDay[]> {
  const filter: CampaignFilter = { channels: cfg.channels, campaignIds: cfg.campaigns?.ids };
  // The name pattern is tested here, never sent as GAQL.
  const keep = nameMatcher(cfg.campaigns?.name_pattern);
  const span = `${window.from}..${window.to}`;
  const geoMethod = geoMethodFor(cfg.geo);

  const totals = await client.fold(
    ctx,
    { customerId, operation: `campaign totals ${span}`, query: campaignDaysQuery(window, filter) },
    () => ({ days: new Map<string, CampaignDay>(), excluded: new Set<string>() }),
    (acc, row, index) => {
      const day = toCampaignDay(row, customerId, index);
      if (!keep(day.campaignName)) {
        acc.excluded.add(day.campaignId);
        return;
      }
      const key = dayKey(day.campaignId, day.date);
      if (acc.days.has(key)) throw new PayloadError(`customer ${customerId}: campaign ${day.campaignId} on ${day.date} came twice in FROM campaign`);
      acc.days.set(key, { ...day, geoMethod });
    },
  );
  if (totals.days.size === 0) return [];

  const geoCounts = await client.fold(
    ctx,
    { customerId, operation: `${cfg.geo.view} ${span}`, query: geoQuery(cfg.geo, window, filter) },
    () => new Map<string, GeoCounts>(),
    (acc, row, index) => {
      const cell = toGeoCell(row, cfg.geo, customerId, index);
      if (cell === null || cell.impressions === 0 || totals.excluded.has(cell.campaignId)) return;
      const key = dayKey(cell.campaignId, cell.date);
      if (!totals.days.has(key)) {
        throw new PayloadError(
          `customer ${customerId}: ${cfg.geo.view} has ${cell.impressions} impressions for campaign ${cell.campaignId} on ${cell.date}, ` +
            'which FROM campaign did not report (numbers restated between the two queries? the next run re-reads the window)',
        );
      }
      const counts = acc.get(key) ?? new Map<string, number>();
      addCell(counts, cell);
      acc.set(key, counts);
    },
  );

  const directory = await GeoTargetDirectory.load(ctx.state);
  const ids = new Set<string>();
  for (const counts of geoCounts.values()) {
    for (const key of counts.keys()) {
      const { countryId, regionId } = parseCellKey(key);
      if (countryId) ids.add(countryId);
      if (regionId) ids.add(regionId);
    }
  }
  const unresolved = await directory.resolve(ids, (batch) =>
    client.fold(
      ctx,
      { customerId, operation: `geo target constants (${batch.length})`, query: geoTargetConstantsQuery(batch) },
      () => [] as GeoTarget[],
      (acc, row, index) => void acc.push(toGeoTarget(row, index)),
    ),
  );
  if (unresolved.length > 0) {
    ctx.log.warn(
      { customer: customerId, ids: unresolved },
      'Google did not resolve these geo target constants: rows in those countries stay unplaced (ZZ), in those regions country-only',
    );
  }

  const days = [...totals.days.values()];
  for (const day of days) {
    const counts = geoCounts.get(dayKey(day.campaignId, day.date));
    if (counts) day.geo = directory.place(counts);
  }
  return days.sort((a, b) => a.date.localeCompare(b.date) || a.campaignId.localeCompare(b.campaignId));
}

/** One source run against the Google Ads API: one client, so one OAuth access token serves every window. */
class GoogleAdsSession implements Session<GoogleAdsAccount> {
  private client: Promise<GoogleAdsClient> | undefined;

  constructor(
    private readonly cfg: GoogleAdsSourceConfig,
    private readonly ctx: ConnectorContext,
  ) {}

  /** Built on first use, and again after a failed attempt. */
  private connect(): Promise<GoogleAdsClient> {
    const client = (this.client ??= createClient(this.cfg, this.ctx));
    client.catch(() => {
      if (this.client === client) this.client = undefined;
    });
    return client;
  }

  async accounts(): Promise<SourceAccounts<GoogleAdsAccount>> {
    const client = await this.connect();
    const found: SourceAccounts<GoogleAdsAccount> = { accounts: [], skipped: [] };
    for (const customerId of this.cfg.customer_ids) {
      const lookup = await lookupCustomer(client, this.ctx, customerId);
      if (lookup.kind === 'not_enabled') {
        found.skipped.push({ accountId: customerId, reason: lookup.reason });
        continue;
      }
      const { info } = lookup;
      found.accounts.push({ accountId: customerId, name: info.name, timeZone: info.timeZone, currency: info.currency, manager: info.manager });
    }
    return found;
  }

  /** The window's customers are read up to CUSTOMERS_AT_ONCE at a time and handed back in order. */
  async *fetch(window: DateWindow, accounts: readonly GoogleAdsAccount[]): AsyncIterable<FetchEvent> {
    const client = await this.connect();
    for await (const read of inOrder(accounts, CUSTOMERS_AT_ONCE, (account) => this.readCustomer(client, window, account))) {
      if (!read.ok) throw read.error;
      const customerId = read.item.accountId;
      if ('skipped' in read.value) {
        yield { kind: 'account_skipped', accountId: customerId, reason: read.value.skipped };
        continue;
      }
      for (const day of read.value.days) yield { kind: 'day', day };
      yield { kind: 'account_done', accountId: customerId };
    }
  }

  /** One customer's days in the window, or why it was not read (its stored rows are kept). */
  private async readCustomer(client: GoogleAdsClient, window: DateWindow, account: GoogleAdsAccount): Promise<{ days: CampaignDay[] } | { skipped: string }> {
    const { cfg, ctx } = this;
    const customerId = account.accountId;
    if (account.manager) throw managerError(customerId);
    // Older days cannot be queried; replacing the window with nothing would erase stored rows.
    const earliest = earliestQueryableDate(ctx.now(), account.timeZone);
    if (window.from < earliest) {
      return {
        skipped: `Google Ads keeps daily metrics for 37 months: days before ${earliest} cannot be queried, so ${window.from}..${window.to} was not read and stored rows were kept`,
      };
    }
    try {
      return { days: await readCustomerWindow(cfg, client, ctx, customerId, window) };
    } catch (error) {
      if (!(error instanceof CustomerNotEnabledError)) throw error;
      return { skipped: error.message };
    }
  }

  async check(): Promise<CheckResult> {
    const { cfg, ctx } = this;
    const lines: CheckLine[] = [];
    let client: GoogleAdsClient;
    try {
      client = await this.connect();
      await client.accessToken();
      lines.push({ ok: true, subject: 'OAuth', detail: `access token issued for the refresh token in ${cfg.refresh_token_env}` });
    } catch (error) {
      lines.push({ ok: false, subject: 'OAuth', detail: describeError(error) });
      return { ok: false, lines };
    }
    if (cfg.login_customer_id) {
      try {
        const lookup = await lookupCustomer(client, ctx, cfg.login_customer_id);
        if (lookup.kind === 'not_enabled') lines.push({ ok: false, subject: `login_customer_id ${cfg.login_customer_id}`, detail: lookup.reason });
        else if (!lookup.info.manager) {
          lines.push({
            ok: false,
            subject: `login_customer_id ${cfg.login_customer_id}`,
            detail: `"${lookup.info.name ?? ''}" is not a manager account: set login_customer_id to the manager (MCC) the access goes through, or remove it`,
          });
        } else lines.push({ ok: true, subject: `login_customer_id ${cfg.login_customer_id}`, detail: `manager account "${lookup.info.name ?? ''}"` });
      } catch (error) {
        lines.push({ ok: false, subject: `login_customer_id ${cfg.login_customer_id}`, detail: describeError(error) });
      }
    }
    for (const customerId of cfg.customer_ids) {
      const subject = `customer ${customerId}`;
      try {
        const lookup = await lookupCustomer(client, ctx, customerId);
        if (lookup.kind === 'not_enabled') {
          lines.push({ ok: false, subject, detail: `${lookup.reason} — it will be skipped` });
          continue;
        }
        const { info } = lookup;
        if (info.manager) {
          lines.push({ ok: false, subject, detail: managerError(customerId).message });
          continue;
        }
        lines.push({
          ok: true,
          subject,
          detail: `"${info.name ?? ''}": time zone ${info.timeZone}, currency ${info.currency ?? 'unknown'}`,
        });
      } catch (error) {
        lines.push({ ok: false, subject, detail: describeError(error) });
      }
    }
    return { ok: lines.every((l) => l.ok), lines };
  }

  async close(): Promise<void> {
    this.client = undefined;
  }
}

export const googleAdsConnector: Connector<GoogleAdsSourceConfig, GoogleAdsAccount> = {
  platform: 'google_ads',
  configSchema: googleAdsSourceSchema,
  maxWindowDays: MAX_WINDOW_DAYS,
  lookbackDays: LOOKBACK_DAYS,

  open: (cfg, ctx) => new GoogleAdsSession(cfg, ctx),

  estimateRequests(cfg) {
    // customer details + campaign totals + geography, per customer (geo lookups are kept in the connector state).
    return cfg.customer_ids.length * 3;
  },

  retention: DAILY_DATA_RETENTION,
};
