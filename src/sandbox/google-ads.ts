// Google Ads API v25 `googleAds:searchStream` over REST, serving the simulated world's google_ads
// accounts (world.ts). It answers as strictly as the real service where pauta could go wrong:
// the developer-token header and the OAuth bearer are required, client accounts are reachable
// only through the manager in `login-customer-id`, GAQL is parsed and every field checked against
// v25 (google-ads-api's field table) and against the resource in FROM, `segments.date` needs a
// finite date range, a manager has no metrics, and errors come in the real shape:
// `[{"error": {code, message, status, details: [GoogleAdsFailure]}}]`. Rows with no impressions
// are left out, `geographic_view` returns both location types, `user_location_view` splits by
// `targeting_location`. What it does not simulate it refuses with 501, never answers wrongly.
// Faults (faults.ts): google_ads.temporarily_exhausted, .internal_error, .mid_stream_error (an
// error element after HTTP 200), .unavailable, .stream_cut, .quota_exhausted, .permission_denied,
// .customer_not_enabled.
import type { fields } from 'google-ads-api';
import { fieldDataTypes } from 'google-ads-api/fields';
import { eachDate } from '../core/dates.ts';
import { UNKNOWN_COUNTRY } from '../core/geo.ts';
import { SANDBOX_REFRESH_TOKEN, hasSandboxBearer } from './google-oauth.ts';
import type { PlatformSandbox, SandboxContext, SandboxRequest, SandboxResponse } from './http.ts';
import { SIM_PERIOD, simAccount, simCampaigns, simDay, type SimAccount, type SimCampaign } from './world.ts';

export const SANDBOX_DEVELOPER_TOKEN = 'sandbox-developer-token';
/** The manager (MCC) account every simulated client account is linked to. */
export const SANDBOX_MANAGER_ID = '9876543210';
const API_VERSION = 'v25';
const FAILURE_TYPE = `type.googleapis.com/google.ads.googleads.${API_VERSION}.errors.GoogleAdsFailure`;
const ROWS_PER_ELEMENT = 10_000;

// ---------------------------------------------------------------------------------------------
// Places. Countries and US states carry Google's criterion ids; the Canadian and Spanish region
// ids are the sandbox's own (the connector resolves every id through geo_target_constant).

interface SandboxGeoTarget {
  id: number;
  name: string;
  countryCode: string;
  targetType: string;
  parent?: number;
  /** ISO 3166 code of the place in world.ts. */
  iso: string;
}

const GEO_TARGETS: SandboxGeoTarget[] = [
  { id: 2840, name: 'United States', countryCode: 'US', targetType: 'Country', iso: 'US' },
  { id: 2124, name: 'Canada', countryCode: 'CA', targetType: 'Country', iso: 'CA' },
  { id: 2724, name: 'Spain', countryCode: 'ES', targetType: 'Country', iso: 'ES' },
  { id: 21136, name: 'Arizona', countryCode: 'US', targetType: 'State', parent: 2840, iso: 'US-AZ' },
  { id: 21137, name: 'California', countryCode: 'US', targetType: 'State', parent: 2840, iso: 'US-CA' },
  { id: 21142, name: 'Florida', countryCode: 'US', targetType: 'State', parent: 2840, iso: 'US-FL' },
  { id: 21147, name: 'Illinois', countryCode: 'US', targetType: 'State', parent: 2840, iso: 'US-IL' },
  { id: 21167, name: 'New York', countryCode: 'US', targetType: 'State', parent: 2840, iso: 'US-NY' },
  { id: 21176, name: 'Texas', countryCode: 'US', targetType: 'State', parent: 2840, iso: 'US-TX' },
  { id: 20114, name: 'British Columbia', countryCode: 'CA', targetType: 'Province', parent: 2124, iso: 'CA-BC' },
  { id: 20121, name: 'Ontario', countryCode: 'CA', targetType: 'Province', parent: 2124, iso: 'CA-ON' },
  { id: 20123, name: 'Quebec', countryCode: 'CA', targetType: 'Province', parent: 2124, iso: 'CA-QC' },
  { id: 20802, name: 'Andalusia', countryCode: 'ES', targetType: 'Autonomous Community', parent: 2724, iso: 'ES-AN' },
  { id: 20810, name: 'Catalonia', countryCode: 'ES', targetType: 'Autonomous Community', parent: 2724, iso: 'ES-CT' },
  { id: 20827, name: 'Community of Madrid', countryCode: 'ES', targetType: 'Autonomous Community', parent: 2724, iso: 'ES-MD' },
  { id: 20833, name: 'Valencian Community', countryCode: 'ES', targetType: 'Autonomous Community', parent: 2724, iso: 'ES-VC' },
];
const GEO_BY_ISO = new Map(GEO_TARGETS.map((g) => [g.iso, g]));
const GEO_BY_ID = new Map(GEO_TARGETS.map((g) => [g.id, g]));

function canonicalName(g: SandboxGeoTarget): string {
  const parent = g.parent === undefined ? undefined : GEO_BY_ID.get(g.parent);
  return parent ? `${g.name},${parent.name}` : g.name;
}

// ---------------------------------------------------------------------------------------------
// Errors, in the REST shape of a GoogleAdsFailure.

type RpcStatus = 'INVALID_ARGUMENT' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'UNIMPLEMENTED' | 'NOT_FOUND';
const HTTP_STATUS: Record<RpcStatus, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNIMPLEMENTED: 501,
};
const STATUS_MESSAGE: Record<RpcStatus, string> = {
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  UNAUTHENTICATED: 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  PERMISSION_DENIED: 'The caller does not have permission',
  NOT_FOUND: 'Requested entity was not found.',
  RESOURCE_EXHAUSTED: 'Resource has been exhausted (e.g. check quota).',
  INTERNAL: 'Internal error encountered.',
  UNIMPLEMENTED: 'Operation is not implemented, or supported, or enabled.',
};

/** `errorCode` key in camelCase (`queryError`) and the enum name. */
interface AdsError {
  category: string;
  code: string;
  message: string;
  details?: object;
}

class AdsFailure extends Error {
  constructor(
    readonly status: RpcStatus,
    readonly errors: AdsError[],
  ) {
    super(errors.map((e) => e.message).join('; ') || STATUS_MESSAGE[status]);
  }
}

const queryError = (code: string, message: string) => new AdsFailure('INVALID_ARGUMENT', [{ category: 'queryError', code, message }]);
const notSimulated = (what: string) =>
  new AdsFailure('UNIMPLEMENTED', [{ category: 'requestError', code: 'UNKNOWN', message: `The Google Ads sandbox does not simulate ${what}.` }]);

let requestCounter = 0;
function requestId(): string {
  requestCounter += 1;
  return `sbx${requestCounter.toString(36).padStart(6, '0')}Gads${Date.now().toString(36).slice(-6)}`;
}

function errorStatus(failure: AdsFailure, id: string): object {
  return {
    error: {
      code: HTTP_STATUS[failure.status],
      message: STATUS_MESSAGE[failure.status],
      status: failure.status,
      details: [
        {
          '@type': FAILURE_TYPE,
          errors: failure.errors.map((e) => ({ errorCode: { [e.category]: e.code }, message: e.message, ...(e.details ? { details: e.details } : {}) })),
          requestId: id,
        },
      ],
    },
  };
}

function errorResponse(failure: AdsFailure): SandboxResponse {
  // searchStream answers errors as a one-element array, like its results.
  return { status: HTTP_STATUS[failure.status], body: [errorStatus(failure, requestId())] };
}

// ---------------------------------------------------------------------------------------------
// v25 fields, from google-ads-api's type table.

type TypeNode = { [key: string]: TypeNode | string | number };
let v25Types: TypeNode | undefined;

/** The v25 type of a field path (`INT64`, `STRING`, an enum's values…), or undefined if there is no such field. */
function v25Type(path: string): string | TypeNode | undefined {
  if (!v25TypeCache.has(path)) v25TypeCache.set(path, lookupV25Type(path));
  return v25TypeCache.get(path);
}
const v25TypeCache = new Map<string, string | TypeNode | undefined>();

function lookupV25Type(path: string): string | TypeNode | undefined {
  v25Types ??= JSON.parse(fieldDataTypes) as TypeNode;
  const root = v25Types;
  const deref = (node: unknown): unknown => {
    for (let i = 0; i < 10 && typeof node === 'object' && node !== null && '$ref' in node; i += 1) {
      node = (node as { $ref: string }).$ref
        .slice(2)
        .split('/')
        .reduce<unknown>((n, p) => (n as TypeNode | undefined)?.[p], root);
    }
    return node;
  };
  let node: unknown = root;
  for (const part of path.split('.')) {
    node = deref(node);
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as TypeNode)[part];
  }
  node = deref(node);
  return typeof node === 'string' || (typeof node === 'object' && node !== null) ? (node as string | TypeNode) : undefined;
}

/** A leaf field: a scalar or an enum (an object of NAME → number), not a message. */
function isLeaf(type: string | TypeNode): boolean {
  return typeof type === 'string' || Object.values(type).every((v) => typeof v === 'number');
}

// Segments each FROM resource accepts (a subset of v25's lists, checked by the types) and the ones
// the sandbox can compute.
const GEO_VIEW_SEGMENTS = [
  'segments.date', 'segments.week', 'segments.month', 'segments.quarter', 'segments.year', 'segments.day_of_week',
  'segments.device', 'segments.ad_network_type', 'segments.geo_target_region', 'segments.geo_target_city',
  'segments.geo_target_metro', 'segments.geo_target_most_specific_location', 'segments.geo_target_state',
  'segments.geo_target_province', 'segments.geo_target_county', 'segments.geo_target_postal_code',
] as const satisfies readonly (fields.UserLocationViewSegment & fields.GeographicViewSegment)[];

const CAMPAIGN_SEGMENTS = [
  'segments.date', 'segments.week', 'segments.month', 'segments.quarter', 'segments.year', 'segments.day_of_week',
  'segments.device', 'segments.ad_network_type', 'segments.hour', 'segments.slot',
] as const satisfies readonly fields.CampaignSegment[];

interface ResourceRules {
  /** Resources whose attribute fields may be selected along with it. */
  resources: readonly string[];
  segments: readonly string[];
  metrics: boolean;
  /** Fields the sandbox computes; other valid fields are refused with 501. */
  simulated: ReadonlySet<string>;
}

const RULES: Record<string, ResourceRules> = {
  customer: {
    resources: ['customer'],
    segments: [],
    metrics: true,
    simulated: new Set([
      'customer.id', 'customer.resource_name', 'customer.descriptive_name', 'customer.currency_code', 'customer.time_zone',
      'customer.manager', 'customer.status', 'customer.test_account',
    ]),
  },
  campaign: {
    resources: ['campaign', 'customer', 'campaign_budget', 'bidding_strategy'],
    segments: CAMPAIGN_SEGMENTS,
    metrics: true,
    simulated: new Set([
      'campaign.id', 'campaign.resource_name', 'campaign.name', 'campaign.advertising_channel_type', 'campaign.status',
      'customer.id', 'customer.descriptive_name', 'customer.currency_code', 'customer.time_zone',
      'segments.date', 'metrics.impressions', 'metrics.clicks', 'metrics.cost_micros', 'metrics.video_trueview_views',
    ]),
  },
  user_location_view: {
    resources: ['user_location_view', 'campaign', 'ad_group', 'customer'],
    segments: GEO_VIEW_SEGMENTS,
    metrics: true,
    simulated: new Set([
      'user_location_view.resource_name', 'user_location_view.country_criterion_id', 'user_location_view.targeting_location',
      'campaign.id', 'campaign.resource_name', 'campaign.name', 'campaign.advertising_channel_type', 'customer.id',
      'segments.date', 'segments.geo_target_region', 'metrics.impressions',
    ]),
  },
  geographic_view: {
    resources: ['geographic_view', 'campaign', 'ad_group', 'customer'],
    segments: GEO_VIEW_SEGMENTS,
    metrics: true,
    simulated: new Set([
      'geographic_view.resource_name', 'geographic_view.country_criterion_id', 'geographic_view.location_type',
      'campaign.id', 'campaign.resource_name', 'campaign.name', 'campaign.advertising_channel_type', 'customer.id',
      'segments.date', 'segments.geo_target_region', 'metrics.impressions',
    ]),
  },
  geo_target_constant: {
    resources: ['geo_target_constant'],
    segments: [],
    metrics: false,
    simulated: new Set([
      'geo_target_constant.resource_name', 'geo_target_constant.id', 'geo_target_constant.name', 'geo_target_constant.country_code',
      'geo_target_constant.target_type', 'geo_target_constant.canonical_name', 'geo_target_constant.status', 'geo_target_constant.parent_geo_target',
    ]),
  },
};

// ---------------------------------------------------------------------------------------------
// GAQL: tokens, then SELECT … FROM … [WHERE …] [ORDER BY …] [LIMIT n] [PARAMETERS …].
// https://developers.google.com/google-ads/api/docs/query/grammar

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'punct'; text: string };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'" || ch === '"') {
      let value = '';
      let j = i + 1;
      for (; j < query.length && query[j] !== ch; j += 1) {
        if (query[j] === '\n') throw queryError('PROHIBITED_NEWLINE_IN_STRING', 'Newlines are not allowed in string literals.');
        if (query[j] === '\\') j += 1;
        value += query[j] ?? '';
      }
      if (j >= query.length) throw queryError('STRING_NOT_TERMINATED', `Error in query: unterminated string starting at position ${i}.`);
      tokens.push({ kind: 'string', value });
      i = j + 1;
    } else if (/[-0-9]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?/.exec(query.slice(i));
      if (!m) throw queryError('BAD_NUMBER', `Error in query: bad number at position ${i}.`);
      tokens.push({ kind: 'number', value: Number(m[0]), text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(query.slice(i))!;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else {
      const two = query.slice(i, i + 2);
      if (two === '!=' || two === '>=' || two === '<=') {
        tokens.push({ kind: 'punct', text: two });
        i += 2;
      } else if ('(),=<>'.includes(ch)) {
        tokens.push({ kind: 'punct', text: ch });
        i += 1;
      } else {
        throw queryError('BAD_SYMBOL', `Error in query: unexpected symbol '${ch}' at position ${i}.`);
      }
    }
  }
  return tokens;
}

type Literal = string | number;
type Condition =
  | { field: string; op: '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'NOT LIKE' | 'REGEXP_MATCH' | 'NOT REGEXP_MATCH'; value: Literal }
  | { field: string; op: 'IN' | 'NOT IN'; values: Literal[] }
  | { field: string; op: 'BETWEEN'; low: Literal; high: Literal }
  | { field: string; op: 'IS NULL' | 'IS NOT NULL' }
  | { field: string; op: 'DURING'; range: string };

interface Query {
  select: string[];
  from: string;
  where: Condition[];
  orderBy: { field: string; descending: boolean }[];
  limit?: number;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw queryError('UNEXPECTED_END_OF_QUERY', 'Error in query: unexpected end of query.');
    return t;
  }
  private isKeyword(word: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }
  private keyword(word: string, code: string): void {
    if (!this.isKeyword(word)) throw queryError(code, `Error in query: expected ${word}.`);
    this.i += 1;
  }
  private punct(text: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== text) throw queryError('UNEXPECTED_INPUT', `Error in query: expected '${text}'.`);
  }
  private field(): string {
    const t = this.next();
    if (t.kind !== 'word' || !/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(t.text)) {
      throw queryError('BAD_FIELD_NAME', `Error in query: invalid field name '${'text' in t ? t.text : String((t as { value: unknown }).value)}'.`);
    }
    return t.text;
  }
  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'string' || t.kind === 'number') return t.value;
    if (t.kind === 'word' && /^[A-Za-z0-9_]+$/.test(t.text)) return t.text;
    throw queryError('BAD_VALUE', 'Error in query: expected a value.');
  }
  private list(): Literal[] {
    this.punct('(');
    const values: Literal[] = [];
    if (this.peek()?.kind === 'punct' && (this.peek() as { text: string }).text === ')') {
      throw queryError('PROHIBITED_EMPTY_LIST_IN_CONDITION', 'Error in query: empty list in condition.');
    }
    for (;;) {
      values.push(this.literal());
      const t = this.next();
      if (t.kind === 'punct' && t.text === ')') return values;
      if (t.kind !== 'punct' || t.text !== ',') throw queryError('EXPECTED_LIST', 'Error in query: expected a list.');
    }
  }

  private condition(): Condition {
    const field = this.field();
    const t = this.next();
    if (t.kind === 'punct' && ['=', '!=', '>', '>=', '<', '<='].includes(t.text)) {
      return { field, op: t.text as '=', value: this.literal() };
    }
    const word = t.kind === 'word' ? t.text.toUpperCase() : '';
    if (word === 'IN') return { field, op: 'IN', values: this.list() };
    if (word === 'BETWEEN') {
      const low = this.literal();
      this.keyword('AND', 'EXPECTED_AND');
      return { field, op: 'BETWEEN', low, high: this.literal() };
    }
    if (word === 'LIKE' || word === 'REGEXP_MATCH') return { field, op: word, value: this.literal() };
    if (word === 'DURING') {
      const range = this.next();
      return { field, op: 'DURING', range: range.kind === 'word' ? range.text : '' };
    }
    if (word === 'IS') {
      if (this.isKeyword('NOT')) {
        this.i += 1;
        this.keyword('NULL', 'BAD_OPERATOR');
        return { field, op: 'IS NOT NULL' };
      }
      this.keyword('NULL', 'BAD_OPERATOR');
      return { field, op: 'IS NULL' };
    }
    if (word === 'NOT') {
      const second = this.next();
      const w2 = second.kind === 'word' ? second.text.toUpperCase() : '';
      if (w2 === 'IN') return { field, op: 'NOT IN', values: this.list() };
      if (w2 === 'LIKE' || w2 === 'REGEXP_MATCH') return { field, op: `NOT ${w2}`, value: this.literal() };
    }
    if (word === 'CONTAINS') throw notSimulated('CONTAINS ANY / ALL / NONE');
    throw queryError('BAD_OPERATOR', `Error in query: invalid operator for field '${field}'.`);
  }

  parse(): Query {
    this.keyword('SELECT', 'EXPECTED_SELECT');
    const select = [this.field()];
    while (this.peek()?.kind === 'punct' && (this.peek() as { text: string }).text === ',') {
      this.i += 1;
      select.push(this.field());
    }
    this.keyword('FROM', 'EXPECTED_FROM');
    const resource = this.next();
    if (resource.kind !== 'word' || !/^[a-z_]+$/.test(resource.text)) {
      throw queryError('BAD_RESOURCE_TYPE_IN_FROM_CLAUSE', 'Error in query: expected a resource name after FROM.');
    }
    const query: Query = { select, from: resource.text, where: [], orderBy: [] };
    if (this.isKeyword('WHERE')) {
      this.i += 1;
      query.where.push(this.condition());
      while (this.isKeyword('AND')) {
        this.i += 1;
        query.where.push(this.condition());
      }
      if (this.isKeyword('OR')) throw queryError('UNEXPECTED_INPUT', "Error in query: 'OR' is not supported; conditions are combined with AND.");
    }
    if (this.isKeyword('ORDER')) {
      this.i += 1;
      this.keyword('BY', 'EXPECTED_BY');
      do {
        if (query.orderBy.length > 0) this.i += 1;
        const field = this.field();
        let descending = false;
        if (this.isKeyword('DESC') || this.isKeyword('ASC')) descending = (this.next() as { text: string }).text.toUpperCase() === 'DESC';
        query.orderBy.push({ field, descending });
      } while (this.peek()?.kind === 'punct' && (this.peek() as { text: string }).text === ',');
    }
    if (this.isKeyword('LIMIT')) {
      this.i += 1;
      const n = this.next();
      if (n.kind !== 'number' || !Number.isInteger(n.value) || n.value <= 0) throw queryError('BAD_LIMIT_VALUE', 'Error in query: LIMIT must be a positive integer.');
      query.limit = n.value;
    }
    if (this.isKeyword('PARAMETERS')) throw notSimulated('PARAMETERS');
    if (this.peek()) throw queryError('UNEXPECTED_INPUT', 'Error in query: unexpected input after the end of the query.');
    return query;
  }
}

export function parseGaql(query: string): Query {
  if (query.trim() === '') throw queryError('UNEXPECTED_END_OF_QUERY', 'Error in query: empty query.');
  return new Parser(tokenize(query)).parse();
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What the real service checks before running a query: names, compatibility, date range. */
function validate(query: Query, manager: boolean): ResourceRules {
  const rules = RULES[query.from];
  if (!rules) {
    if (v25Type(query.from) === undefined) throw queryError('BAD_RESOURCE_TYPE_IN_FROM_CLAUSE', `Error in query: unrecognized resource name '${query.from}'.`);
    throw notSimulated(`FROM ${query.from}`);
  }
  const fieldsUsed = [...query.select, ...query.where.map((c) => c.field), ...query.orderBy.map((o) => o.field)];
  for (const field of fieldsUsed) {
    const type = v25Type(field);
    if (type === undefined || !isLeaf(type)) throw queryError('UNRECOGNIZED_FIELD', `Unrecognized field in the query: '${field}'.`);
    const prefix = field.slice(0, field.indexOf('.'));
    if (prefix === 'metrics') {
      if (!rules.metrics) {
        throw queryError(
          'PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE',
          `Cannot select or filter on the following metrics: '${field}' (could not support requested resources: '${query.from.toUpperCase()}'), since metrics are incompatible with the resource in the FROM clause or other selected segmenting resources.`,
        );
      }
      if (manager) {
        throw queryError(
          'REQUESTED_METRICS_FOR_MANAGER',
          'Metrics cannot be requested for a manager account. To retrieve metrics, issue separate requests against each client account under the manager account.',
        );
      }
    } else if (prefix === 'segments') {
      if (!rules.segments.includes(field)) {
        throw queryError(
          'PROHIBITED_SEGMENT_IN_SELECT_OR_WHERE_CLAUSE',
          `Cannot select or filter on the following segment: '${field}', since the segment is incompatible with the resource in the FROM clause or other selected segmenting resources.`,
        );
      }
    } else if (!rules.resources.includes(prefix)) {
      throw queryError(
        'PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE',
        `Cannot select fields from the following resource: '${prefix}', since the resource is incompatible with the resource in the FROM clause.`,
      );
    }
    if (!rules.simulated.has(field)) throw notSimulated(`the field ${field} in FROM ${query.from}`);
  }
  for (const c of query.where) {
    if (c.op === 'DURING') throw notSimulated('DURING (the sandbox has no "today"); use BETWEEN');
    if (c.field === 'segments.date') {
      const values = c.op === 'BETWEEN' ? [c.low, c.high] : c.op === 'IN' || c.op === 'NOT IN' ? c.values : 'value' in c ? [c.value] : [];
      for (const v of values) {
        if (typeof v !== 'string' || !ISO_DATE.test(v)) throw queryError('INVALID_DATE_FORMAT', `Invalid date literal '${String(v)}': expected 'YYYY-MM-DD'.`);
      }
    }
  }
  if (query.select.includes('segments.date') && !dateRange(query.where)) {
    throw queryError('EXPECTED_FILTERS_ON_DATE_RANGE', "Expects filters on the following field to limit a finite date range: 'segments.date'.");
  }
  return rules;
}

/** The finite date range the conditions give, if they give one. */
function dateRange(where: readonly Condition[]): { from: string; to: string } | undefined {
  let from: string | undefined;
  let to: string | undefined;
  for (const c of where) {
    if (c.field !== 'segments.date') continue;
    if (c.op === 'BETWEEN') [from, to] = [String(c.low), String(c.high)];
    else if (c.op === '=') from = to = String(c.value);
    else if (c.op === 'IN') [from, to] = [c.values.map(String).sort()[0], c.values.map(String).sort().at(-1)];
    else if (c.op === '>=' || c.op === '>') from = String(c.value);
    else if (c.op === '<=' || c.op === '<') to = String(c.value);
  }
  return from !== undefined && to !== undefined ? { from, to } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Rows: every field the sandbox knows for one (campaign, day[, place]), then WHERE, grouping by
// the selected non-metric fields, the metric sums, ORDER BY and LIMIT.

type Value = string | number | boolean;
type Row = Record<string, Value | undefined>;

function customerFields(account: SimAccount | typeof MANAGER): Row {
  return {
    'customer.id': Number(account.accountId),
    'customer.resource_name': `customers/${account.accountId}`,
    'customer.descriptive_name': account.name,
    'customer.currency_code': account.currency,
    'customer.time_zone': account.timeZone,
    'customer.manager': account.accountId === SANDBOX_MANAGER_ID,
    'customer.status': 'ENABLED',
    'customer.test_account': false,
  };
}

const MANAGER = { accountId: SANDBOX_MANAGER_ID, name: 'Agencia (sandbox MCC)', currency: 'USD', timeZone: 'America/Mexico_City' };

function campaignFields(c: SimCampaign): Row {
  return {
    'campaign.id': Number(c.campaignId),
    'campaign.resource_name': `customers/${c.accountId}/campaigns/${c.campaignId}`,
    'campaign.name': c.name,
    'campaign.advertising_channel_type': c.kind === 'VIDEO' ? 'VIDEO' : 'DISPLAY',
    'campaign.status': 'ENABLED',
    'customer.id': Number(c.accountId),
  };
}

/** Days a query can touch: its date range, within the simulated period. */
function candidateDates(where: readonly Condition[]): string[] {
  const range = dateRange(where);
  const from = range && range.from > SIM_PERIOD.from ? range.from : SIM_PERIOD.from;
  const to = range && range.to < SIM_PERIOD.to ? range.to : SIM_PERIOD.to;
  return from <= to ? eachDate({ from, to }) : [];
}

/** Whole-number share of `n`, deterministic: the targeted part of a place's impressions. */
const share = (n: number, fraction: number) => Math.floor(n * fraction);

function* baseRows(query: Query, customerId: string): Generator<Row> {
  const account = customerId === SANDBOX_MANAGER_ID ? MANAGER : simAccount('google_ads', customerId)!;
  if (query.from === 'customer') {
    yield customerFields(account);
    return;
  }
  if (query.from === 'geo_target_constant') {
    for (const g of GEO_TARGETS) {
      yield {
        'geo_target_constant.resource_name': `geoTargetConstants/${g.id}`,
        'geo_target_constant.id': g.id,
        'geo_target_constant.name': g.name,
        'geo_target_constant.country_code': g.countryCode,
        'geo_target_constant.target_type': g.targetType,
        'geo_target_constant.canonical_name': canonicalName(g),
        'geo_target_constant.status': 'ENABLED',
        'geo_target_constant.parent_geo_target': g.parent === undefined ? undefined : `geoTargetConstants/${g.parent}`,
      };
    }
    return;
  }
  const dates = candidateDates(query.where);
  for (const campaign of simCampaigns('google_ads', customerId)) {
    const base = { ...customerFields(account), ...campaignFields(campaign) };
    for (const date of dates) {
      const day = simDay(campaign, date);
      if (!day) continue;
      if (query.from === 'campaign') {
        yield {
          ...base,
          'segments.date': date,
          'metrics.impressions': day.impressions,
          'metrics.clicks': day.clicks,
          'metrics.cost_micros': day.impressions * (campaign.kind === 'VIDEO' ? 9_000 : 1_500),
          'metrics.video_trueview_views': campaign.kind === 'VIDEO' ? share(day.impressions, 0.27) : 0,
        };
        continue;
      }
      for (const cell of day.geo) {
        if (cell.country === UNKNOWN_COUNTRY) continue; // Google could not place these users: no row.
        const country = GEO_BY_ISO.get(cell.country);
        const region = cell.region === '' ? undefined : GEO_BY_ISO.get(cell.region);
        if (!country || (cell.region !== '' && !region)) throw new Error(`sandbox has no geo target for ${cell.region || cell.country}`);
        const place = { ...base, 'segments.date': date, 'segments.geo_target_region': region ? `geoTargetConstants/${region.id}` : undefined };
        if (query.from === 'user_location_view') {
          const targeted = share(cell.impressions, 0.92);
          for (const [targeting, impressions] of [[true, targeted], [false, cell.impressions - targeted]] as const) {
            yield {
              ...place,
              'user_location_view.resource_name': `customers/${customerId}/userLocationViews/${country.id}~${targeting}`,
              'user_location_view.country_criterion_id': country.id,
              'user_location_view.targeting_location': targeting,
              'metrics.impressions': impressions,
            };
          }
        } else {
          // The view is split by location type whether or not it is selected: both are served.
          for (const [type, impressions] of [['LOCATION_OF_PRESENCE', cell.impressions], ['AREA_OF_INTEREST', share(cell.impressions, 0.7)]] as const) {
            yield {
              ...place,
              'geographic_view.resource_name': `customers/${customerId}/geographicViews/${country.id}~${type}`,
              'geographic_view.country_criterion_id': country.id,
              'geographic_view.location_type': type,
              'metrics.impressions': impressions,
            };
          }
        }
      }
    }
  }
}

function compare(a: Value | undefined, b: Literal): number {
  if (a === undefined) return Number.NaN;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function matches(row: Row, c: Condition): boolean {
  const v = row[c.field];
  switch (c.op) {
    case '=':
      return compare(v, c.value) === 0;
    case '!=':
      return compare(v, c.value) !== 0;
    case '>':
      return compare(v, c.value) > 0;
    case '>=':
      return compare(v, c.value) >= 0;
    case '<':
      return compare(v, c.value) < 0;
    case '<=':
      return compare(v, c.value) <= 0;
    case 'IN':
      return c.values.some((x) => compare(v, x) === 0);
    case 'NOT IN':
      return !c.values.some((x) => compare(v, x) === 0);
    case 'BETWEEN':
      return compare(v, c.low) >= 0 && compare(v, c.high) <= 0;
    case 'IS NULL':
      return v === undefined;
    case 'IS NOT NULL':
      return v !== undefined;
    case 'LIKE':
    case 'NOT LIKE': {
      const re = new RegExp(`^${String(c.value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('%', '.*').replaceAll('_', '.')}$`, 'i');
      return re.test(String(v ?? '')) === (c.op === 'LIKE');
    }
    case 'REGEXP_MATCH':
    case 'NOT REGEXP_MATCH':
      return new RegExp(`^(?:${String(c.value)})$`).test(String(v ?? '')) === (c.op === 'REGEXP_MATCH');
    case 'DURING':
      return false;
  }
}

function runQuery(query: Query, customerId: string): Row[] {
  const isMetric = (f: string) => f.startsWith('metrics.');
  const metrics = query.select.filter(isMetric);
  const dimensions = query.select.filter((f) => !isMetric(f));
  const preFilters = query.where.filter((c) => !isMetric(c.field));
  const postFilters = query.where.filter((c) => isMetric(c.field));
  const groups = new Map<string, Row>();
  for (const row of baseRows(query, customerId)) {
    if (!preFilters.every((c) => matches(row, c))) continue;
    // Each resource in the result carries its resource_name, as the API returns it.
    const keyFields = [...dimensions, ...resourceNames(query)];
    const key = JSON.stringify(keyFields.map((f) => row[f] ?? null));
    const group = groups.get(key);
    if (!group) {
      const out: Row = {};
      for (const f of keyFields) out[f] = row[f];
      for (const m of [...metrics, ...postFilters.map((c) => c.field)]) out[m] = Number(row[m] ?? 0);
      groups.set(key, out);
    } else {
      for (const m of new Set([...metrics, ...postFilters.map((c) => c.field)])) group[m] = Number(group[m] ?? 0) + Number(row[m] ?? 0);
    }
  }
  let rows = [...groups.values()].filter((r) => postFilters.every((c) => matches(r, c)));
  // Rows whose metrics are all zero are not returned.
  if (metrics.length > 0) rows = rows.filter((r) => metrics.some((m) => Number(r[m]) !== 0));
  for (const { field, descending } of [...query.orderBy].reverse()) {
    rows.sort((a, b) => {
      const x = a[field];
      const y = b[field];
      const order = x === y ? 0 : x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1;
      return descending ? -order : order;
    });
  }
  return query.limit !== undefined ? rows.slice(0, query.limit) : rows;
}

/** The resource in FROM and every resource with a selected field come with their resource_name. */
function resourceNames(query: Query): string[] {
  const resources = new Set([query.from, ...query.select.filter((f) => !f.startsWith('metrics.') && !f.startsWith('segments.')).map((f) => f.slice(0, f.indexOf('.')))]);
  return [...resources].map((r) => `${r}.resource_name`);
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** A result row in REST JSON: lowerCamelCase names, int64 as strings, enums by name. */
function toJson(row: Row, query: Query): object {
  const out: Record<string, unknown> = {};
  for (const field of [...resourceNames(query), ...query.select]) {
    const value = row[field];
    if (value === undefined) continue;
    const type = v25Type(field);
    const parts = field.split('.').map(camel);
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = type === 'INT64' || type === 'UINT64' ? String(value) : value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The endpoint.

const PATH = /^\/(v\d+)\/customers\/([^/]+)\/googleAds:([A-Za-z]+)$/;
const ALLOWED_BODY_KEYS = new Set(['query', 'summaryRowSetting', 'summary_row_setting']);

function header(req: SandboxRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function searchStream(req: SandboxRequest, ctx: SandboxContext, customerId: string): SandboxResponse {
  if (!hasSandboxBearer(req.headers)) {
    throw new AdsFailure('UNAUTHENTICATED', [{ category: 'authenticationError', code: 'OAUTH_TOKEN_INVALID', message: 'Oauth token in the header is not valid.' }]);
  }
  const developerToken = header(req, 'developer-token');
  if (!developerToken) {
    throw new AdsFailure('INVALID_ARGUMENT', [{ category: 'requestError', code: 'DEVELOPER_TOKEN_PARAMETER_MISSING', message: 'Developer token parameter is missing.' }]);
  }
  if (developerToken !== SANDBOX_DEVELOPER_TOKEN) {
    throw new AdsFailure('UNAUTHENTICATED', [{ category: 'authenticationError', code: 'DEVELOPER_TOKEN_INVALID', message: 'The developer token is not valid.' }]);
  }
  if (!/^\d{10}$/.test(customerId)) {
    throw new AdsFailure('INVALID_ARGUMENT', [{ category: 'requestError', code: 'INVALID_CUSTOMER_ID', message: 'The customer ID provided is not valid.' }]);
  }
  const login = header(req, 'login-customer-id');
  if (login !== undefined && !/^\d{10}$/.test(login)) {
    throw new AdsFailure('INVALID_ARGUMENT', [{ category: 'headerError', code: 'INVALID_LOGIN_CUSTOMER_ID', message: 'The login customer ID could not be validated.' }]);
  }
  const isManager = customerId === SANDBOX_MANAGER_ID;
  const isClient = simAccount('google_ads', customerId) !== undefined;
  // The sandbox's Google account reaches the clients only through the manager.
  if (!(isManager && (login === undefined || login === SANDBOX_MANAGER_ID)) && !(isClient && login === SANDBOX_MANAGER_ID)) {
    throw new AdsFailure('PERMISSION_DENIED', [
      {
        category: 'authorizationError',
        code: 'USER_PERMISSION_DENIED',
        message:
          "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header. See https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid",
      },
    ]);
  }

  let body: Record<string, unknown>;
  try {
    body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return { status: 400, body: [{ error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } }] };
  }
  for (const key of Object.keys(body)) {
    if (!ALLOWED_BODY_KEYS.has(key)) {
      return { status: 400, body: [{ error: { code: 400, message: `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`, status: 'INVALID_ARGUMENT' } }] };
    }
  }
  if (typeof body.query !== 'string') throw queryError('UNEXPECTED_END_OF_QUERY', 'Error in query: empty query.');

  if (ctx.faults.take('google_ads.customer_not_enabled')) {
    throw new AdsFailure('PERMISSION_DENIED', [
      { category: 'authorizationError', code: 'CUSTOMER_NOT_ENABLED', message: "The customer account can't be accessed because it is not yet enabled or has been deactivated." },
    ]);
  }
  if (ctx.faults.take('google_ads.quota_exhausted')) {
    throw new AdsFailure('RESOURCE_EXHAUSTED', [
      {
        category: 'quotaError',
        code: 'RESOURCE_EXHAUSTED',
        message: 'Number of operations for basic access has been exceeded. Retry in 39600 seconds.',
        details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Number of operations for basic access', retryDelay: '39600s' } },
      },
    ]);
  }
  if (ctx.faults.take('google_ads.temporarily_exhausted')) {
    throw new AdsFailure('RESOURCE_EXHAUSTED', [
      {
        category: 'quotaError',
        code: 'RESOURCE_TEMPORARILY_EXHAUSTED',
        message: 'Too many requests. Retry in 1 seconds.',
        details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Requests per developer per second' } },
      },
    ]);
  }
  if (ctx.faults.take('google_ads.permission_denied')) {
    throw new AdsFailure('PERMISSION_DENIED', [
      { category: 'authorizationError', code: 'USER_PERMISSION_DENIED', message: "User doesn't have permission to access customer." },
    ]);
  }
  if (ctx.faults.take('google_ads.unavailable')) {
    return { status: 503, body: [{ error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } }] };
  }
  if (ctx.faults.take('google_ads.internal_error')) {
    throw new AdsFailure('INTERNAL', [{ category: 'internalError', code: 'INTERNAL_ERROR', message: 'An internal error has occurred.' }]);
  }

  const query = parseGaql(body.query);
  validate(query, isManager);
  const rows = runQuery(query, customerId).map((r) => toJson(r, query));
  const id = requestId();
  const fieldMask = query.select.map((f) => f.split('.').map(camel).join('.')).join(',');
  const elements: object[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_ELEMENT) {
    elements.push({ results: rows.slice(i, i + ROWS_PER_ELEMENT), fieldMask, requestId: id });
  }
  if (elements.length === 0) elements.push({ fieldMask, requestId: id });
  if (rows.length > 0 && ctx.faults.take('google_ads.mid_stream_error')) {
    // Part of the rows, then the failure, all under the HTTP 200 already sent.
    const partial = { results: rows.slice(0, Math.ceil(rows.length / 2)), fieldMask, requestId: id };
    const failure = new AdsFailure('INTERNAL', [{ category: 'internalError', code: 'INTERNAL_ERROR', message: 'An internal error has occurred.' }]);
    return { status: 200, body: [partial, errorStatus(failure, id)] };
  }
  // The connection reset half-way through the body (HTTP 200 already sent).
  if (rows.length > 0 && ctx.faults.take('google_ads.stream_cut')) return { status: 200, body: elements, cut: 'reset' };
  return { status: 200, body: elements };
}

export const googleAdsSandbox: PlatformSandbox = {
  name: 'google_ads',
  handle(req, ctx) {
    const m = PATH.exec(req.url.pathname);
    if (!m) return undefined;
    const [, version, customerId, method] = m;
    try {
      if (version !== API_VERSION) {
        throw new AdsFailure('NOT_FOUND', [
          { category: 'requestError', code: 'UNSUPPORTED_VERSION', message: `The sandbox serves Google Ads API ${API_VERSION}, not ${version}.` },
        ]);
      }
      if (req.method !== 'POST') return { status: 405, body: { error: { code: 405, message: 'Method not allowed.', status: 'INVALID_ARGUMENT' } } };
      if (method !== 'searchStream') throw notSimulated(`googleAds:${method} (only googleAds:searchStream)`);
      return searchStream(req, ctx, customerId!);
    } catch (e) {
      if (e instanceof AdsFailure) return errorResponse(e);
      throw e;
    }
  },
};

/** The demo's `google_ads` source, pointed at the sandbox, and the variables it reads. */
export function googleAdsDemoSource(baseUrl: string): { source: Record<string, unknown>; env: Record<string, string> } {
  return {
    source: {
      id: 'google-ads',
      platform: 'google_ads',
      developer_token_env: 'GOOGLE_ADS_DEVELOPER_TOKEN',
      client_id_env: 'GOOGLE_ADS_CLIENT_ID',
      client_secret_env: 'GOOGLE_ADS_CLIENT_SECRET',
      refresh_token_env: 'GOOGLE_ADS_REFRESH_TOKEN',
      login_customer_id: SANDBOX_MANAGER_ID,
      customer_ids: simCampaignAccounts(),
      channels: ['DISPLAY', 'VIDEO'],
      geo: { view: 'user_location_view' },
      endpoint: { api_url: baseUrl, token_url: `${baseUrl}/token` },
    },
    env: {
      GOOGLE_ADS_DEVELOPER_TOKEN: SANDBOX_DEVELOPER_TOKEN,
      GOOGLE_ADS_CLIENT_ID: 'sandbox-client-id.apps.googleusercontent.com',
      GOOGLE_ADS_CLIENT_SECRET: 'sandbox-client-secret',
      GOOGLE_ADS_REFRESH_TOKEN: SANDBOX_REFRESH_TOKEN,
    },
  };
}

function simCampaignAccounts(): string[] {
  return [...new Set(simCampaigns('google_ads').map((c) => c.accountId))];
}
