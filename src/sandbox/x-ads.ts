// X Ads API v12 (https://ads-api.x.com/12/) for the simulated world: the x_ads accounts and
// campaigns of world.ts in X's wire format, validated as strictly as the real API so the sandbox
// catches connector bugs: DAY ranges on the account's local midnights, whole seconds, ≤ 20 entity
// ids, ≤ 7 days synchronous (measured in hours), ≤ 45 days segmented, `country` with REGIONS,
// an OAuth 1.0a signature made with the sandbox credentials. Errors have X's shape:
// {"errors":[{"code","message","parameter"}],"request":{"params":{...}}}.
// Faults (faults.ts): x_ads.rate_limit (429 + x-rate-limit-reset), .unavailable (503 +
// Retry-After), .too_many_jobs, .job_slow (PROCESSING one more poll), .job_failed, .job_gone,
// .jobs_paged (one job per page), .download_unavailable, .download_cut, .unauthorized,
// .regions_unavailable (REGIONS rejected as on an API without it).
// Geography: each campaign is served as line items, one per place of its world geo weights
// (targeting that single region or country) plus one multi-country line item carrying the
// unplaceable remainder; REGIONS jobs split each country by region name.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { addDays } from '../core/dates.ts';
import { UNKNOWN_COUNTRY } from '../core/geo.ts';
import { json, type PlatformSandbox, type SandboxContext, type SandboxRequest, type SandboxResponse } from './http.ts';
import { SIM_ACCOUNTS, simCampaigns, simDay, type SimAccount, type SimCampaign } from './world.ts';

export const X_SANDBOX_CREDENTIALS = {
  consumerKey: 'sandbox-x-consumer-key',
  consumerSecret: 'sandbox-x-consumer-secret',
  accessToken: '1450000000000000000-sandboxXAccessToken',
  accessSecret: 'sandbox-x-access-token-secret',
} as const;

export const X_SANDBOX_ENV_NAMES = {
  consumerKey: 'PAUTA_SANDBOX_X_CONSUMER_KEY',
  consumerSecret: 'PAUTA_SANDBOX_X_CONSUMER_SECRET',
  accessToken: 'PAUTA_SANDBOX_X_ACCESS_TOKEN',
  accessSecret: 'PAUTA_SANDBOX_X_ACCESS_TOKEN_SECRET',
} as const;

const PREFIX = '/12/';
const DOWNLOADS = '/downloads/x-ads/';

// ---------------------------------------------------------------- places

interface Place {
  country: string;
  /** ISO 3166-2, or '' for the country itself. */
  region: string;
  name: string;
  targetingValue: string;
}

/** United States' value is the one X documents; the others are the sandbox's own. */
const COUNTRIES: Place[] = [
  { country: 'US', region: '', name: 'United States', targetingValue: '96683cc9126741d1' },
  { country: 'CA', region: '', name: 'Canada', targetingValue: '3376992a082d67c7' },
  { country: 'ES', region: '', name: 'Spain', targetingValue: 'ecdce75d48b13b64' },
];

const REGION_NAMES: Record<string, string> = {
  'US-CA': 'California', 'US-TX': 'Texas', 'US-IL': 'Illinois', 'US-FL': 'Florida', 'US-AZ': 'Arizona',
  'US-NY': 'New York', 'US-WA': 'Washington', 'CA-ON': 'Ontario', 'CA-QC': 'Quebec', 'CA-BC': 'British Columbia',
  'CA-AB': 'Alberta', 'ES-MD': 'Community of Madrid', 'ES-CT': 'Catalonia', 'ES-AN': 'Andalusia',
  'ES-VC': 'Valencian Community',
};

const hex16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

const REGIONS: Place[] = Object.entries(REGION_NAMES).map(([code, name]) => ({
  country: code.slice(0, 2),
  region: code,
  name,
  targetingValue: hex16(`region:${code}`),
}));

function placeOf(country: string, region: string): Place | undefined {
  return region === '' ? COUNTRIES.find((p) => p.country === country) : REGIONS.find((p) => p.region === region);
}

// ---------------------------------------------------------------- entities

interface LineItem {
  id: string;
  campaign: SimCampaign;
  /** Index into campaign.geo, or 'rest' for the multi-location line item. */
  slot: number | 'rest';
}

function lineItemsOf(c: SimCampaign): LineItem[] {
  return [...c.geo.map((_, i): LineItem => ({ id: `${c.campaignId}l${i}`, campaign: c, slot: i })), { id: `${c.campaignId}lm`, campaign: c, slot: 'rest' }];
}

/** A deleted draft, listed only with with_deleted=true, that never delivered. */
function deletedCampaign(accountId: string) {
  return { id: 'f2a1d', name: 'Borrador — eliminado', entity_status: 'PAUSED', deleted: true, account_id: accountId };
}

function campaignObject(c: SimCampaign) {
  return {
    id: c.campaignId,
    name: c.name,
    account_id: c.accountId,
    entity_status: 'ACTIVE',
    effective_status: c.end < '2022-01-01' ? 'EXPIRED' : 'RUNNING',
    currency: 'USD',
    funding_instrument_id: 'lygyi',
    daily_budget_amount_local_micro: 50_000_000,
    created_at: `${c.start}T16:00:00Z`,
    updated_at: `${c.end}T16:00:00Z`,
    deleted: false,
  };
}

function lineItemObject(li: LineItem) {
  return {
    id: li.id,
    campaign_id: li.campaign.campaignId,
    name: li.slot === 'rest' ? 'Resto — varios países' : `Geo ${li.campaign.geo[li.slot]!.region || li.campaign.geo[li.slot]!.country}`,
    placements: ['ALL_ON_TWITTER'],
    product_type: 'PROMOTED_TWEETS',
    objective: 'REACH',
    entity_status: 'ACTIVE',
    currency: 'USD',
    start_time: `${li.campaign.start}T07:00:00Z`,
    end_time: null,
    created_at: `${li.campaign.start}T16:00:00Z`,
    updated_at: `${li.campaign.start}T16:00:00Z`,
    deleted: false,
  };
}

function criteriaOf(li: LineItem) {
  const base = (suffix: string, type: string, value: string, name: string, locationType?: string) => ({
    id: hex16(`${li.id}:${suffix}`).slice(0, 6),
    line_item_id: li.id,
    targeting_type: type,
    targeting_value: value,
    name,
    ...(locationType ? { location_type: locationType } : {}),
    operator_type: 'EQ',
    created_at: `${li.campaign.start}T16:00:00Z`,
    updated_at: `${li.campaign.start}T16:00:00Z`,
    deleted: false,
  });
  const language = base('lang', 'LANGUAGE', 'es', 'Spanish');
  if (li.slot === 'rest') {
    return [base('us', 'LOCATION', COUNTRIES[0]!.targetingValue, 'United States', 'COUNTRIES'), base('ca', 'LOCATION', COUNTRIES[1]!.targetingValue, 'Canada', 'COUNTRIES'), language];
  }
  const g = li.campaign.geo[li.slot]!;
  const place = placeOf(g.country, g.region)!;
  return [base('loc', 'LOCATION', place.targetingValue, place.name, g.region ? 'REGIONS' : 'COUNTRIES'), language];
}

/** A line item's impressions on a date: its place's share of the world's geo split. */
function lineItemDay(li: LineItem, date: string): { impressions: number; clicks: number } {
  const day = simDay(li.campaign, date);
  if (!day) return { impressions: 0, clicks: 0 };
  let impressions = 0;
  for (const row of day.geo) {
    const slot = li.campaign.geo.findIndex((g) => g.country === row.country && g.region === row.region);
    if ((slot === -1 ? 'rest' : slot) === li.slot) impressions += row.impressions;
  }
  return { impressions, clicks: 0 };
}

// ---------------------------------------------------------------- errors

class XError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

function params(req: SandboxRequest, extra: Record<string, string> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra };
  for (const [k, v] of req.url.searchParams) out[k] = k.endsWith('_ids') ? v.split(',') : v;
  return out;
}

function errorResponse(e: XError, req: SandboxRequest): SandboxResponse {
  return json(
    e.status,
    { errors: [{ code: e.code, message: e.message, ...(e.parameter ? { parameter: e.parameter } : {}) }], request: { params: params(req) } },
    e.headers,
  );
}

function ok(req: SandboxRequest, body: object, extra: Record<string, string> = {}): SandboxResponse {
  return json(200, { request: { params: params(req, extra) }, ...body });
}

// ---------------------------------------------------------------- OAuth 1.0a

const enc = (s: string) => encodeURIComponent(s).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function parseOAuthHeader(header: string | undefined): Map<string, string> | undefined {
  if (!header?.startsWith('OAuth ')) return undefined;
  const out = new Map<string, string>();
  for (const m of header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) out.set(m[1]!, decodeURIComponent(m[2]!));
  return out;
}

/** Verifies the HMAC-SHA1 signature as X does (RFC 5849 §3.4), with the sandbox's secrets. */
function verifyOAuth(req: SandboxRequest): void {
  const oauth = parseOAuthHeader(req.headers.authorization);
  if (!oauth) throw new XError(401, 'UNAUTHORIZED_ACCESS', 'This request is not properly authenticated');
  const c = X_SANDBOX_CREDENTIALS;
  if (oauth.get('oauth_consumer_key') !== c.consumerKey || oauth.get('oauth_token') !== c.accessToken) {
    throw new XError(401, 'UNAUTHORIZED_ACCESS', 'This request is not properly authenticated');
  }
  const pairs: [string, string][] = [];
  for (const [k, v] of req.url.searchParams) pairs.push([enc(k), enc(v)]);
  for (const [k, v] of oauth) if (k !== 'oauth_signature') pairs.push([enc(k), enc(v)]);
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) pairs.push([enc(k), enc(v)]);
  }
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  const base = [req.method.toUpperCase(), enc(`${req.url.origin}${req.url.pathname}`), enc(pairs.map(([k, v]) => `${k}=${v}`).join('&'))].join('&');
  const expected = createHmac('sha1', `${enc(c.consumerSecret)}&${enc(c.accessSecret)}`).update(base).digest();
  const given = Buffer.from(oauth.get('oauth_signature') ?? '', 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new XError(401, 'UNAUTHORIZED_ACCESS', 'This request is not properly authenticated');
  }
}

// ---------------------------------------------------------------- stats

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}(:?\d{2})?)$/;
const ENTITIES = ['CAMPAIGN', 'LINE_ITEM'];
const PLACEMENTS = ['ALL_ON_TWITTER', 'PUBLISHER_NETWORK', 'SPOTLIGHT', 'TREND'];
const METRIC_GROUPS = ['ENGAGEMENT', 'BILLING', 'VIDEO', 'MEDIA', 'WEB_CONVERSION', 'MOBILE_CONVERSION', 'LIFE_TIME_VALUE_MOBILE_CONVERSION'];

interface StatsParams {
  entity: string;
  entityIds: string[];
  start: DateTime;
  end: DateTime;
  /** Local dates of the DAY buckets. */
  dates: string[];
  placement: string;
  segmentation?: string | undefined;
  country?: string | undefined;
}

function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null || v === '') throw new XError(400, 'MISSING_PARAMETER', `${name} is missing`, name);
  return v;
}

function parseTime(q: URLSearchParams, name: string): DateTime {
  const raw = required(q, name);
  const t = DateTime.fromISO(raw, { setZone: true });
  if (!TIME.test(raw) || !t.isValid) throw new XError(400, 'INVALID_PARAMETER', `Expected time, got "${raw}" for ${name}`, name);
  if (t.minute !== 0 || t.second !== 0) throw new XError(400, 'INVALID_TIME_WINDOW', `${name} must be expressed in whole hours`, name);
  return t;
}

function statsParams(q: URLSearchParams, account: SimAccount, maxDays: number): StatsParams {
  const entity = required(q, 'entity');
  if (!ENTITIES.includes(entity)) throw new XError(400, 'INVALID_PARAMETER', `Expected one of ${ENTITIES.join(', ')}, got ${entity} for entity`, 'entity');
  const entityIds = required(q, 'entity_ids').split(',');
  if (entityIds.length > 20) throw new XError(400, 'INVALID_PARAMETER', `Expected at most 20 entity_ids, got ${entityIds.length}`, 'entity_ids');
  const granularity = required(q, 'granularity');
  if (granularity !== 'DAY') throw new XError(400, 'INVALID_PARAMETER', `The sandbox serves granularity DAY only, got ${granularity}`, 'granularity');
  const groups = required(q, 'metric_groups').split(',');
  for (const g of groups) if (!METRIC_GROUPS.includes(g)) throw new XError(400, 'INVALID_PARAMETER', `Expected metric_groups, got ${g}`, 'metric_groups');
  if (!groups.includes('ENGAGEMENT')) throw new XError(400, 'INVALID_PARAMETER', 'The sandbox serves the ENGAGEMENT metric group', 'metric_groups');
  const placement = required(q, 'placement');
  if (!PLACEMENTS.includes(placement)) throw new XError(400, 'INVALID_PARAMETER', `Expected one of ${PLACEMENTS.join(', ')}, got ${placement} for placement`, 'placement');
  const start = parseTime(q, 'start_time');
  const end = parseTime(q, 'end_time');
  // DAY granularity: both ends on a midnight of the account's zone.
  // https://docs.x.com/x-ads-api/fundamentals/timezones
  for (const [name, t] of [['start_time', start], ['end_time', end]] as const) {
    const local = t.setZone(account.timeZone);
    if (!local.equals(local.startOf('day'))) {
      throw new XError(400, 'INVALID_TIME_WINDOW', `${name} must be midnight in the account's time zone (${account.timeZone}) for DAY granularity`, name);
    }
  }
  if (end <= start) throw new XError(400, 'INVALID_TIME_WINDOW', 'end_time must be after start_time', 'end_time');
  const hours = end.diff(start, 'hours').hours;
  if (hours > maxDays * 24) {
    throw new XError(400, 'INVALID_TIME_WINDOW', `The time window may span at most ${maxDays} days (got ${hours} hours)`, 'end_time');
  }
  const dates: string[] = [];
  const last = end.setZone(account.timeZone).toISODate()!;
  for (let d = start.setZone(account.timeZone).toISODate()!; d < last; d = addDays(d, 1)) dates.push(d);
  const segmentation = q.get('segmentation_type') ?? undefined;
  const country = q.get('country') ?? undefined;
  return { entity, entityIds, start, end, dates, placement, segmentation, country };
}

type Metrics = { impressions: (number | null)[] | null; clicks: (number | null)[] | null };

function metricSeries(values: { impressions: number; clicks: number }[]): Metrics {
  if (values.every((v) => v.impressions === 0 && v.clicks === 0)) return { impressions: null, clicks: null };
  return { impressions: values.map((v) => v.impressions), clicks: values.map((v) => v.clicks) };
}

function engagement(m: Metrics) {
  return { ...m, engagements: m.clicks, retweets: null, likes: null, replies: null, follows: null, app_clicks: null, card_engagements: null };
}

function entityDay(account: SimAccount, entity: string, id: string, date: string, placement: string): { impressions: number; clicks: number } {
  if (placement !== 'ALL_ON_TWITTER') return { impressions: 0, clicks: 0 };
  const campaigns = simCampaigns('x_ads', account.accountId);
  if (entity === 'CAMPAIGN') {
    const c = campaigns.find((x) => x.campaignId === id);
    const day = c ? simDay(c, date) : null;
    return day ? { impressions: day.impressions, clicks: day.clicks } : { impressions: 0, clicks: 0 };
  }
  const li = campaigns.flatMap(lineItemsOf).find((x) => x.id === id);
  return li ? lineItemDay(li, date) : { impressions: 0, clicks: 0 };
}

function requestParams(p: StatsParams) {
  return {
    start_time: p.start.toUTC().toISO({ suppressMilliseconds: true }),
    end_time: p.end.toUTC().toISO({ suppressMilliseconds: true }),
    entity: p.entity,
    entity_ids: p.entityIds,
    granularity: 'DAY',
    placement: p.placement,
    metric_groups: ['ENGAGEMENT'],
    segmentation_type: p.segmentation ?? null,
    country: p.country ?? null,
    platform: null,
  };
}

function statsPayload(account: SimAccount, p: StatsParams): object {
  const country = p.segmentation === 'REGIONS' ? COUNTRIES.find((c) => c.targetingValue === p.country)!.country : undefined;
  const data = p.entityIds.map((id) => {
    if (!country) {
      return { id, id_data: [{ segment: null, metrics: engagement(metricSeries(p.dates.map((d) => entityDay(account, p.entity, id, d, p.placement)))) }] };
    }
    // REGIONS: one segment per region of the country with impressions; country-level rows as "Unknown".
    const byRegion = new Map<string, number[]>();
    const campaign = simCampaigns('x_ads', account.accountId).find((c) => c.campaignId === id);
    p.dates.forEach((date, i) => {
      if (!campaign || p.entity !== 'CAMPAIGN' || p.placement !== 'ALL_ON_TWITTER') return;
      for (const row of simDay(campaign, date)?.geo ?? []) {
        if (row.country !== country || row.country === UNKNOWN_COUNTRY) continue;
        const series = byRegion.get(row.region) ?? new Array<number>(p.dates.length).fill(0);
        series[i]! += row.impressions;
        byRegion.set(row.region, series);
      }
    });
    const id_data = [...byRegion].map(([region, series]) => {
      const place = region ? placeOf(country, region) : undefined;
      return {
        segment: { segment_name: place?.name ?? 'Unknown', segment_value: place?.targetingValue ?? null },
        metrics: engagement(metricSeries(series.map((impressions) => ({ impressions, clicks: 0 })))),
      };
    });
    return { id, id_data };
  });
  return { data_type: 'stats', time_series_length: p.dates.length, data, request: { params: requestParams(p) } };
}

// ---------------------------------------------------------------- jobs

interface Job {
  id: string;
  accountId: string;
  params: StatsParams;
  status: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  /** Status polls this job has seen; it ends at the sandbox's `pollsUntilDone` (default the first). */
  polls: number;
  createdAt: string;
  updatedAt: string;
  payload: Buffer;
}

interface XSandboxState {
  jobs: Map<string, Job>;
  nextId: bigint;
  /** Job-id filters whose lists x_ads.jobs_paged answers one job per page. */
  pagedJobLists: Set<string>;
}

const states = new WeakMap<SandboxContext, XSandboxState>();

function stateOf(ctx: SandboxContext): XSandboxState {
  let s = states.get(ctx);
  if (!s) {
    s = { jobs: new Map(), nextId: 1450000000000000001n, pagedJobLists: new Set() };
    states.set(ctx, s);
  }
  return s;
}

function jobObject(job: Job, ctx: SandboxContext, now: DateTime) {
  const done = job.status === 'SUCCESS';
  return {
    ...requestParams(job.params),
    // A number above 2^53, as X sends it: clients must read id_str.
    id: Number(job.id),
    id_str: job.id,
    account_id: job.accountId,
    status: job.status,
    url: done ? `${ctx.baseUrl}${DOWNLOADS}stats_job_${job.id}.json.gz` : null,
    expires_at: done ? now.plus({ days: 2 }).toUTC().toISO({ suppressMilliseconds: true }) : null,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
  };
}

// ---------------------------------------------------------------- routes

function paginate<T>(req: SandboxRequest, items: T[], pageSize?: number): { data: T[]; next_cursor: string | null } {
  const asked = Number(req.url.searchParams.get('count') ?? '200');
  if (!Number.isInteger(asked) || asked < 1 || asked > 1000) throw new XError(400, 'INVALID_PARAMETER', `Expected an integer between 1 and 1000, got ${asked} for count`, 'count');
  const count = pageSize ?? asked;
  const cursor = req.url.searchParams.get('cursor');
  const offset = cursor ? Number(/^c-(\d+)$/.exec(cursor)?.[1] ?? NaN) : 0;
  if (Number.isNaN(offset)) throw new XError(400, 'INVALID_PARAMETER', `Invalid cursor ${cursor}`, 'cursor');
  const data = items.slice(offset, offset + count);
  // A full page returns a cursor even when the next page is empty.
  return { data, next_cursor: data.length === count ? `c-${offset + count}` : null };
}

function idFilter(req: SandboxRequest, name: string): Set<string> | undefined {
  const v = req.url.searchParams.get(name);
  if (v === null) return undefined;
  const ids = v.split(',');
  if (ids.length > 200) throw new XError(400, 'INVALID_PARAMETER', `Expected at most 200 ${name}`, name);
  return new Set(ids);
}

function accountOf(id: string): SimAccount {
  const a = SIM_ACCOUNTS.find((x) => x.platform === 'x_ads' && x.accountId === id);
  if (!a) throw new XError(404, 'NOT_FOUND', `Account ${id} was not found`, 'account_id');
  return a;
}

function route(req: SandboxRequest, ctx: SandboxContext): SandboxResponse {
  const path = req.url.pathname.slice(PREFIX.length).replace(/\/$/, '').split('/');
  const q = req.url.searchParams;
  const now = DateTime.utc();
  const get = req.method === 'GET';

  if (path[0] === 'accounts' && path.length === 2 && get) {
    const a = accountOf(path[1]!);
    return ok(req, {
      data: {
        id: a.accountId, name: a.name, timezone: a.timeZone, timezone_switch_at: '2016-07-21T07:00:00Z',
        business_name: null, business_id: null, approval_status: 'ACCEPTED', salt: hex16(a.accountId) + hex16(a.name),
        created_at: '2016-07-21T22:42:09Z', updated_at: '2021-08-01T06:42:14Z', deleted: false,
      },
    }, { account_id: a.accountId });
  }
  if (path[0] === 'accounts' && path.length === 3 && get) {
    const a = accountOf(path[1]!);
    const campaigns = simCampaigns('x_ads', a.accountId);
    if (path[2] === 'campaigns') {
      const ids = idFilter(req, 'campaign_ids');
      const all = [...campaigns.map(campaignObject), ...(q.get('with_deleted') === 'true' ? [deletedCampaign(a.accountId)] : [])];
      return ok(req, paginate(req, all.filter((c) => !ids || ids.has(c.id))), { account_id: a.accountId });
    }
    if (path[2] === 'line_items') {
      const ids = idFilter(req, 'campaign_ids');
      const all = campaigns.flatMap(lineItemsOf).filter((li) => !ids || ids.has(li.campaign.campaignId));
      return ok(req, paginate(req, all.map(lineItemObject)), { account_id: a.accountId });
    }
    if (path[2] === 'targeting_criteria') {
      const ids = idFilter(req, 'line_item_ids');
      if (!ids) throw new XError(400, 'MISSING_PARAMETER', 'line_item_ids is missing', 'line_item_ids');
      const all = campaigns.flatMap(lineItemsOf).filter((li) => ids.has(li.id)).flatMap(criteriaOf);
      return ok(req, paginate(req, all), { account_id: a.accountId });
    }
  }
  if (path[0] === 'targeting_criteria' && path[1] === 'locations' && path.length === 2 && get) {
    const type = q.get('location_type');
    if (type !== null && !['COUNTRIES', 'REGIONS', 'METROS', 'CITIES', 'POSTAL_CODES'].includes(type)) {
      throw new XError(400, 'INVALID_PARAMETER', `Expected one of COUNTRIES, REGIONS, METROS, CITIES, POSTAL_CODES, got ${type} for location_type`, 'location_type');
    }
    const cc = q.get('country_code');
    const all = [...COUNTRIES.map((p) => ({ p, t: 'COUNTRIES' })), ...REGIONS.map((p) => ({ p, t: 'REGIONS' }))]
      .filter(({ p, t }) => (type === null || t === type) && (cc === null || p.country === cc.toUpperCase()))
      .filter(({ p }) => !q.get('q') || p.name.toLowerCase().includes(q.get('q')!.toLowerCase()))
      .map(({ p, t }) => ({ name: p.name, country_code: p.country, location_type: t, targeting_value: p.targetingValue, targeting_type: 'LOCATION' }));
    return ok(req, paginate(req, all));
  }
  if (path[0] === 'stats' && path[1] === 'accounts' && path.length === 3 && get) {
    const a = accountOf(path[2]!);
    if (q.get('segmentation_type')) throw new XError(400, 'INVALID_PARAMETER', 'Segmentation is only available through asynchronous analytics', 'segmentation_type');
    const p = statsParams(q, a, 7);
    return json(200, statsPayload(a, p));
  }
  if (path[0] === 'stats' && path[1] === 'jobs' && path[2] === 'accounts' && path.length === 4) {
    const a = accountOf(path[3]!);
    const state = stateOf(ctx);
    if (req.method === 'POST') {
      const segmentation = q.get('segmentation_type') ?? undefined;
      if (segmentation !== undefined && segmentation !== 'REGIONS') {
        throw new XError(400, 'INVALID_PARAMETER', `The sandbox serves segmentation_type REGIONS only, got ${segmentation}`, 'segmentation_type');
      }
      if (segmentation === 'REGIONS' && ctx.faults.take('x_ads.regions_unavailable')) {
        throw new XError(400, 'INVALID_PARAMETER', 'Expected one of: AGE, GENDER, METROS, PLATFORMS, CONVERSION_TAGS, got REGIONS for segmentation_type', 'segmentation_type');
      }
      const p = statsParams(q, a, segmentation ? 45 : 90);
      if (segmentation === 'REGIONS') {
        if (!p.country) throw new XError(400, 'MISSING_PARAMETER', 'country is required for segmentation_type REGIONS', 'country');
        if (!COUNTRIES.some((c) => c.targetingValue === p.country)) {
          throw new XError(400, 'INVALID_PARAMETER', `Expected a country targeting value, got ${p.country} for country`, 'country');
        }
      }
      const running = [...state.jobs.values()].filter((j) => j.accountId === a.accountId && j.status === 'PROCESSING').length;
      if (running >= 100 || ctx.faults.take('x_ads.too_many_jobs')) {
        throw new XError(400, 'TOO_MANY_JOBS', 'The number of concurrent jobs for this account has been exceeded', 'account_id');
      }
      const id = String(state.nextId);
      state.nextId += 1n;
      const stamp = now.toUTC().toISO({ suppressMilliseconds: true })!;
      const job: Job = { id, accountId: a.accountId, params: p, status: 'PROCESSING', polls: 0, createdAt: stamp, updatedAt: stamp, payload: gzipSync(JSON.stringify(statsPayload(a, p))) };
      state.jobs.set(id, job);
      return ok(req, { data: jobObject(job, ctx, now) }, { account_id: a.accountId });
    }
    if (get) {
      const ids = idFilter(req, 'job_ids');
      const asked = () => [...state.jobs.values()].filter((j) => j.accountId === a.accountId && (!ids || ids.has(j.id)));
      // X dropped a job: it is listed no more (a cursor page after the first keeps its offsets).
      const gone = !req.url.searchParams.get('cursor') && asked().find((j) => j.status === 'PROCESSING');
      if (gone && ctx.faults.take('x_ads.job_gone')) state.jobs.delete(gone.id);
      const jobs = asked();
      for (const job of jobs) {
        // A job ends at its first poll (or the sandbox's pollsUntilDone), unless x_ads.job_slow
        // holds it back once more or x_ads.job_failed fails it.
        if (job.status !== 'PROCESSING') continue;
        job.polls += 1;
        if (job.polls >= (ctx.pollsUntilDone ?? 1) && !ctx.faults.take('x_ads.job_slow')) {
          job.status = ctx.faults.take('x_ads.job_failed') ? 'FAILED' : 'SUCCESS';
          job.updatedAt = now.toUTC().toISO({ suppressMilliseconds: true })!;
        }
      }
      // The answer is paged even when filtered by ids; x_ads.jobs_paged makes the pages one job long.
      const onePerPage = jobs.length > 1 && !req.url.searchParams.get('cursor') && ctx.faults.take('x_ads.jobs_paged');
      if (onePerPage) state.pagedJobLists.add(ids ? [...ids].sort().join(',') : '');
      const paged = state.pagedJobLists.has(ids ? [...ids].sort().join(',') : '');
      return ok(req, paginate(req, jobs.map((j) => jobObject(j, ctx, now)), paged ? 1 : undefined), { account_id: a.accountId });
    }
  }
  throw new XError(404, 'ROUTE_NOT_FOUND', `The requested resource could not be found: ${req.method} ${req.url.pathname}`);
}

function download(req: SandboxRequest, ctx: SandboxContext): SandboxResponse {
  const id = /^stats_job_(\d+)\.json\.gz$/.exec(req.url.pathname.slice(DOWNLOADS.length))?.[1];
  const job = id ? stateOf(ctx).jobs.get(id) : undefined;
  if (!job || job.status !== 'SUCCESS') return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>Not Found</body></html>' };
  if (ctx.faults.take('x_ads.download_unavailable')) return { status: 503, headers: { 'content-type': 'text/html' }, body: '<html><body>Service Unavailable</body></html>' };
  const cut = ctx.faults.take('x_ads.download_cut') ? ('close' as const) : undefined;
  return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: job.payload, ...(cut ? { cut } : {}) };
}

export const xAdsSandbox: PlatformSandbox = {
  name: 'x_ads',
  handle(req, ctx) {
    if (req.url.pathname.startsWith(DOWNLOADS) && req.method === 'GET') return download(req, ctx);
    if (!req.url.pathname.startsWith(PREFIX)) return undefined;
    try {
      verifyOAuth(req);
      if (ctx.faults.take('x_ads.unauthorized')) throw new XError(401, 'UNAUTHORIZED_ACCESS', 'This request is not properly authenticated');
      if (ctx.faults.take('x_ads.rate_limit')) {
        const reset = Math.ceil(Date.now() / 1000) + 60;
        throw new XError(429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded', undefined, {
          'x-rate-limit-limit': '250',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(reset),
        });
      }
      if (ctx.faults.take('x_ads.unavailable')) {
        throw new XError(503, 'SERVICE_UNAVAILABLE', 'Service unavailable due to request timeout; please try the request again later', undefined, { 'retry-after': '2' });
      }
      return route(req, ctx);
    } catch (e) {
      if (e instanceof XError) return errorResponse(e, req);
      throw e;
    }
  },
};

/** The source entry (as in config/pauta.yaml) that points the connector at the sandbox, and its env. */
export function xAdsDemoSource(baseUrl: string): { source: Record<string, unknown>; env: Record<string, string> } {
  const base = baseUrl.replace(/\/$/, '');
  return {
    source: {
      id: 'x-ads',
      platform: 'x_ads',
      account_ids: SIM_ACCOUNTS.filter((a) => a.platform === 'x_ads').map((a) => a.accountId),
      consumer_key_env: X_SANDBOX_ENV_NAMES.consumerKey,
      consumer_secret_env: X_SANDBOX_ENV_NAMES.consumerSecret,
      access_token_env: X_SANDBOX_ENV_NAMES.accessToken,
      access_token_secret_env: X_SANDBOX_ENV_NAMES.accessSecret,
      geo: { strategy: 'regions', countries: ['US', 'CA', 'ES'] },
      endpoint: { ads_api: `${base}/12/`, download: `${base}/` },
    },
    env: {
      [X_SANDBOX_ENV_NAMES.consumerKey]: X_SANDBOX_CREDENTIALS.consumerKey,
      [X_SANDBOX_ENV_NAMES.consumerSecret]: X_SANDBOX_CREDENTIALS.consumerSecret,
      [X_SANDBOX_ENV_NAMES.accessToken]: X_SANDBOX_CREDENTIALS.accessToken,
      [X_SANDBOX_ENV_NAMES.accessSecret]: X_SANDBOX_CREDENTIALS.accessSecret,
    },
  };
}
