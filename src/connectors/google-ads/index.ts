// Google Ads: Display ("programmatic") and YouTube video campaigns, per day and place.
//
// For each customer and window:
//   1. `FROM customer`            → time zone (the days the numbers are in) and currency;
//   2. `FROM campaign`            → each campaign's authoritative daily total;
//   3. `FROM user_location_view`  → where those impressions were (or `geographic_view` with a
//                                   chosen location type);
//   4. `FROM geo_target_constant` → ISO codes for place ids not resolved before.
// Geo rows never exceed the total; the runner adds the rest as country `ZZ`. See README.md here.
import { nameMatcher } from '../../config/fields.ts';
import type { AccountInfo, CampaignDay, CheckLine, CheckResult, Connector, ConnectorContext, FetchEvent } from '../types.ts';
import type { DateWindow } from '../../core/dates.ts';
import { isValidTimeZone } from '../../core/dates.ts';
import { FatalError, PayloadError, describeError } from '../../core/errors.ts';
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

/** Customer details are re-read after this long (a daemon lives for months). */
const CUSTOMER_INFO_TTL_MS = 60 * 60_000;

type CustomerLookup =
  | { kind: 'ok'; info: CustomerInfo; at: number }
  | { kind: 'not_enabled'; reason: string; at: number };

interface Connection {
  client: GoogleAdsClient;
  /** The secrets it was built from: a changed environment builds a new connection. */
  fingerprint: string;
  customers: Map<string, CustomerLookup>;
}

/** One client per configured source, so the OAuth access token is reused across windows. */
const connections = new WeakMap<GoogleAdsSourceConfig, Connection>();

function credentialNames(cfg: GoogleAdsSourceConfig): CredentialNames {
  return {
    developerTokenEnv: cfg.developer_token_env,
    clientIdEnv: cfg.client_id_env,
    clientSecretEnv: cfg.client_secret_env,
    refreshTokenEnv: cfg.refresh_token_env,
    loginCustomerId: cfg.login_customer_id,
  };
}

async function openConnection(cfg: GoogleAdsSourceConfig, ctx: ConnectorContext): Promise<Connection> {
  const developerToken = readSecret(ctx.env, cfg.developer_token_env, 'Google Ads developer token');
  const clientId = readSecret(ctx.env, cfg.client_id_env, 'Google Ads OAuth client id');
  const clientSecret = readSecret(ctx.env, cfg.client_secret_env, 'Google Ads OAuth client secret');
  const refreshToken = readSecret(ctx.env, cfg.refresh_token_env, 'Google Ads OAuth refresh token');
  const client = await GoogleAdsClient.create({
    developerToken,
    clientId,
    clientSecret,
    refreshToken,
    loginCustomerId: cfg.login_customer_id,
    apiUrl: cfg.endpoint?.api_url,
    tokenUrl: cfg.endpoint?.token_url,
    names: credentialNames(cfg),
  });
  return { client, fingerprint: [developerToken, clientId, clientSecret, refreshToken].join('\n'), customers: new Map() };
}

async function connectionFor(cfg: GoogleAdsSourceConfig, ctx: ConnectorContext): Promise<Connection> {
  const existing = connections.get(cfg);
  const fingerprint = [cfg.developer_token_env, cfg.client_id_env, cfg.client_secret_env, cfg.refresh_token_env]
    .map((v) => ctx.env[v] ?? '')
    .join('\n');
  if (existing && existing.fingerprint === fingerprint) return existing;
  const connection = await openConnection(cfg, ctx);
  connections.set(cfg, connection);
  return connection;
}

/** The customer's time zone and currency, or why it cannot be read (CUSTOMER_NOT_ENABLED). */
async function lookupCustomer(connection: Connection, ctx: ConnectorContext, customerId: string): Promise<CustomerLookup> {
  const now = ctx.now().getTime();
  const cached = connection.customers.get(customerId);
  if (cached && now - cached.at < CUSTOMER_INFO_TTL_MS) return cached;
  let lookup: CustomerLookup;
  try {
    const rows = await connection.client.fold(
      ctx,
      { customerId, operation: 'customer details', query: customerQuery() },
      () => [] as CustomerInfo[],
      (acc, row) => void acc.push(toCustomerInfo(row, customerId)),
    );
    const info = rows[0];
    if (!info) throw new PayloadError(`customer ${customerId}: FROM customer returned no row`);
    if (!isValidTimeZone(info.timeZone)) throw new PayloadError(`customer ${customerId}: customer.time_zone: not an IANA zone: ${info.timeZone}`);
    lookup = { kind: 'ok', info, at: now };
  } catch (error) {
    if (!(error instanceof CustomerNotEnabledError)) throw error;
    lookup = { kind: 'not_enabled', reason: error.message, at: now };
  }
  connection.customers.set(customerId, lookup);
  return lookup;
}

function managerError(info: CustomerInfo): FatalError {
  return new FatalError(
    `customer ${info.customerId} is a manager account, which has no metrics of its own: ` +
      'put it in login_customer_id and list its client accounts in customer_ids',
  );
}

/** The window's campaign days for one customer: totals first, then their geography. */
async function readCustomerWindow(
  cfg: GoogleAdsSourceConfig,
  connection: Connection,
  ctx: ConnectorContext,
  customerId: string,
  window: DateWindow,
): Promise<CampaignDay[]> {
  const { client } = connection;
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

export const googleAdsConnector: Connector<GoogleAdsSourceConfig> = {
  platform: 'google_ads',
  configSchema: googleAdsSourceSchema,
  maxWindowDays: MAX_WINDOW_DAYS,
  lookbackDays: LOOKBACK_DAYS,

  async accounts(cfg, ctx): Promise<AccountInfo[]> {
    const connection = await connectionFor(cfg, ctx);
    const accounts: AccountInfo[] = [];
    for (const customerId of cfg.customer_ids) {
      const lookup = await lookupCustomer(connection, ctx, customerId);
      if (lookup.kind === 'not_enabled') {
        ctx.log.warn({ customer: customerId }, lookup.reason);
        continue;
      }
      const { info } = lookup;
      accounts.push({ accountId: customerId, name: info.name, timeZone: info.timeZone, currency: info.currency });
    }
    return accounts;
  },

  async *fetch(cfg, window, ctx): AsyncIterable<FetchEvent> {
    const connection = await connectionFor(cfg, ctx);
    for (const customerId of cfg.customer_ids) {
      const lookup = await lookupCustomer(connection, ctx, customerId);
      if (lookup.kind === 'not_enabled') {
        yield { kind: 'account_skipped', accountId: customerId, reason: lookup.reason };
        continue;
      }
      if (lookup.info.manager) throw managerError(lookup.info);
      // Older days cannot be queried; replacing the window with nothing would erase stored rows.
      const earliest = earliestQueryableDate(ctx.now(), lookup.info.timeZone);
      if (window.from < earliest) {
        yield {
          kind: 'account_skipped',
          accountId: customerId,
          reason: `Google Ads keeps daily metrics for 37 months: days before ${earliest} cannot be queried, so ${window.from}..${window.to} was not read and stored rows were kept`,
        };
        continue;
      }
      let days: CampaignDay[];
      try {
        days = await readCustomerWindow(cfg, connection, ctx, customerId, window);
      } catch (error) {
        if (!(error instanceof CustomerNotEnabledError)) throw error;
        connection.customers.set(customerId, { kind: 'not_enabled', reason: error.message, at: ctx.now().getTime() });
        yield { kind: 'account_skipped', accountId: customerId, reason: error.message };
        continue;
      }
      for (const day of days) yield { kind: 'day', day };
      yield { kind: 'account_done', accountId: customerId };
    }
  },

  async check(cfg, ctx): Promise<CheckResult> {
    const lines: CheckLine[] = [];
    let connection: Connection;
    try {
      connection = await openConnection(cfg, ctx);
      await connection.client.accessToken();
      lines.push({ ok: true, subject: 'OAuth', detail: `access token issued for the refresh token in ${cfg.refresh_token_env}` });
    } catch (error) {
      lines.push({ ok: false, subject: 'OAuth', detail: describeError(error) });
      return { ok: false, lines };
    }
    if (cfg.login_customer_id) {
      try {
        const lookup = await lookupCustomer(connection, ctx, cfg.login_customer_id);
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
        const lookup = await lookupCustomer(connection, ctx, customerId);
        if (lookup.kind === 'not_enabled') {
          lines.push({ ok: false, subject, detail: `${lookup.reason} — it will be skipped` });
          continue;
        }
        const { info } = lookup;
        if (info.manager) {
          lines.push({ ok: false, subject, detail: managerError(info).message });
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
  },

  estimateRequests(cfg) {
    // customer details + campaign totals + geography, per customer (geo lookups are cached).
    return cfg.customer_ids.length * 3;
  },

  retention: DAILY_DATA_RETENTION,
};
