// Bid Manager API v2 (https://developers.google.com/bid-manager/reference/rest/v2) for the
// simulated DV360 advertiser: saved queries, runs, reports going QUEUED → RUNNING → DONE, and the
// CSV file behind a signed Cloud Storage-style URL. Requests are validated like the real API
// (v2 names only, Google's error shape), so connector bugs show here rather than in production.
// Faults: dv360.slow_report (four more polls), dv360.report_failed (the next report FAILED),
// dv360.report_failed:YYYY-MM-DD (the report of the range starting that day FAILED),
// dv360.query_deleted (the saved query is gone when run).
import { createHash } from 'node:crypto';
import { toCsvLine } from '../core/csv.ts';
import { eachDate, type IsoDate } from '../core/dates.ts';
import { SANDBOX_REFRESH_TOKEN, hasSandboxBearer } from './google-oauth.ts';
import { json, type PlatformSandbox, type SandboxContext, type SandboxRequest, type SandboxResponse } from './http.ts';
import { SIM_ACCOUNTS, simCampaigns, simDay, type SimCampaign } from './world.ts';

/** The partner the simulated advertiser belongs to. */
export const SANDBOX_DV360_PARTNER_ID = '2100001';

const NO_DATA = 'No data returned by the reporting service.';

/** Polls of reports.get before a report is DONE (the first says RUNNING), unless the sandbox was started with another count. */
const POLLS_UNTIL_DONE = 2;

/** v2 report types (Parameters.type). */
const REPORT_TYPES = new Set([
  'STANDARD', 'INVENTORY_AVAILABILITY', 'AUDIENCE_COMPOSITION', 'FLOODLIGHT', 'YOUTUBE', 'GRP',
  'YOUTUBE_PROGRAMMATIC_GUARANTEED', 'REACH', 'UNIQUE_REACH_AUDIENCE', 'FULL_PATH', 'PATH_ATTRIBUTION',
]);

const RANGES = new Set([
  'CUSTOM_DATES', 'CURRENT_DAY', 'PREVIOUS_DAY', 'WEEK_TO_DATE', 'MONTH_TO_DATE', 'QUARTER_TO_DATE',
  'YEAR_TO_DATE', 'PREVIOUS_WEEK', 'PREVIOUS_MONTH', 'PREVIOUS_QUARTER', 'PREVIOUS_YEAR', 'LAST_7_DAYS',
  'LAST_30_DAYS', 'LAST_90_DAYS', 'LAST_365_DAYS', 'ALL_TIME', 'LAST_14_DAYS', 'LAST_60_DAYS',
]);

const FREQUENCIES = new Set(['ONE_TIME', 'DAILY', 'WEEKLY', 'SEMI_MONTHLY', 'MONTHLY', 'QUARTERLY', 'YEARLY']);

/** v2 filters the sandbox knows, with the display names that head their CSV columns. */
const FILTERS: Record<string, string> = {
  FILTER_DATE: 'Date',
  FILTER_PARTNER: 'Partner ID',
  FILTER_PARTNER_NAME: 'Partner',
  FILTER_ADVERTISER: 'Advertiser ID',
  FILTER_ADVERTISER_NAME: 'Advertiser',
  FILTER_ADVERTISER_TIMEZONE: 'Advertiser Time Zone',
  FILTER_ADVERTISER_CURRENCY: 'Advertiser Currency',
  FILTER_INSERTION_ORDER: 'Insertion Order ID',
  FILTER_INSERTION_ORDER_NAME: 'Insertion Order',
  FILTER_LINE_ITEM: 'Line Item ID',
  FILTER_LINE_ITEM_NAME: 'Line Item',
  FILTER_LINE_ITEM_TYPE: 'Line Item Type',
  FILTER_COUNTRY: 'Country',
  FILTER_COUNTRY_ID: 'Country ID',
  FILTER_REGION: 'Region ID',
  FILTER_REGION_NAME: 'Region',
  FILTER_CITY: 'City ID',
  FILTER_CITY_NAME: 'City',
  FILTER_DMA: 'DMA Code',
  FILTER_DMA_NAME: 'DMA',
  FILTER_MEDIA_PLAN: 'Campaign ID',
  FILTER_MEDIA_PLAN_NAME: 'Campaign',
  FILTER_CREATIVE_ID: 'Creative ID',
  FILTER_DEVICE_TYPE: 'Device Type',
  FILTER_EXCHANGE: 'Exchange',
  FILTER_MONTH: 'Month',
  FILTER_WEEK: 'Week',
  FILTER_YEAR: 'Year',
};

/** The filters this sandbox can group its rows by. */
const GROUPABLE = new Set([
  'FILTER_DATE', 'FILTER_PARTNER', 'FILTER_ADVERTISER', 'FILTER_ADVERTISER_NAME', 'FILTER_ADVERTISER_TIMEZONE',
  'FILTER_ADVERTISER_CURRENCY', 'FILTER_INSERTION_ORDER', 'FILTER_INSERTION_ORDER_NAME', 'FILTER_LINE_ITEM',
  'FILTER_LINE_ITEM_NAME', 'FILTER_LINE_ITEM_TYPE', 'FILTER_COUNTRY', 'FILTER_REGION', 'FILTER_REGION_NAME',
]);

const METRICS: Record<string, string> = {
  METRIC_IMPRESSIONS: 'Impressions',
  METRIC_CLICKS: 'Clicks',
  METRIC_BILLABLE_IMPRESSIONS: 'Billable Impressions',
  METRIC_CTR: 'Click Rate (CTR)',
  METRIC_MEDIA_COST_ADVERTISER: 'Media Cost (Advertiser Currency)',
  METRIC_REVENUE_ADVERTISER: 'Revenue (Adv Currency)',
  METRIC_TRUEVIEW_VIEWS: 'TrueView: Views',
};

const SUMMABLE_METRICS = new Set(['METRIC_IMPRESSIONS', 'METRIC_CLICKS']);

/** Names of the simulated regions as DV360 writes them, with opaque region ids. */
const REGIONS: Record<string, { name: string; id: string }> = {
  'US-CA': { name: 'California', id: '21137' },
  'US-TX': { name: 'Texas', id: '21176' },
  'US-IL': { name: 'Illinois', id: '21147' },
  'US-AZ': { name: 'Arizona', id: '21136' },
  'US-NY': { name: 'New York', id: '21167' },
  'US-FL': { name: 'Florida', id: '21142' },
  'CA-ON': { name: 'Ontario', id: '20121' },
  'CA-QC': { name: 'Quebec', id: '20123' },
  'CA-BC': { name: 'British Columbia', id: '20114' },
  'ES-MD': { name: 'Community of Madrid', id: '20279' },
  'ES-CT': { name: 'Catalonia', id: '20273' },
  'ES-AN': { name: 'Andalusia', id: '20269' },
};

const LINE_ITEM_TYPES: Record<SimCampaign['kind'], string> = {
  DISPLAY: 'Display',
  VIDEO: 'Video',
  YOUTUBE: 'YouTube & partners',
  X: 'Display',
};

interface DateParts {
  year?: number;
  month?: number;
  day?: number;
}

interface StoredQuery {
  queryId: string;
  metadata: { title: string; dataRange: { range: string; customStartDate?: DateParts; customEndDate?: DateParts }; format: string; sendNotification?: boolean };
  params: { type: string; groupBys: string[]; metrics: string[]; filters: { type: string; value: string }[]; options?: object };
  schedule: { frequency: string };
}

interface StoredReport {
  queryId: string;
  reportId: string;
  from: IsoDate;
  to: IsoDate;
  polls: number;
  pollsUntilDone: number;
  failed: boolean;
  signature: string;
  expires: number;
}

interface SandboxState {
  nextQueryId: number;
  nextReportId: number;
  queries: Map<string, StoredQuery>;
  reports: Map<string, StoredReport>;
}

const states = new WeakMap<SandboxContext, SandboxState>();

function stateOf(ctx: SandboxContext): SandboxState {
  let s = states.get(ctx);
  if (!s) {
    s = { nextQueryId: 1_400_001, nextReportId: 8_800_001, queries: new Map(), reports: new Map() };
    states.set(ctx, s);
  }
  return s;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

function googleError(code: number, status: string, message: string): SandboxResponse {
  return json(code, { error: { code, message, status } });
}

const invalid = (message: string) => new ApiError(400, 'INVALID_ARGUMENT', message);

function checkKeys(value: unknown, allowed: readonly string[], path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`Invalid JSON payload received. Expected an object at '${path}'.`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`);
  }
  return value as Record<string, unknown>;
}

function isoOf(d: DateParts | undefined, path: string): IsoDate {
  const ok = d && Number.isInteger(d.year) && Number.isInteger(d.month) && Number.isInteger(d.day);
  const iso = ok ? `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}` : '';
  if (!ok || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
    throw invalid(`Invalid date at '${path}': expected {year, month, day}.`);
  }
  return iso;
}

function validateDataRange(value: unknown, path: string): { range: string; from?: IsoDate; to?: IsoDate } {
  const r = checkKeys(value, ['range', 'customStartDate', 'customEndDate'], path);
  const range = r.range;
  if (typeof range !== 'string' || !RANGES.has(range)) throw invalid(`Invalid value at '${path}.range' (Range), "${String(range)}"`);
  if (range !== 'CUSTOM_DATES') return { range };
  const from = isoOf(r.customStartDate as DateParts, `${path}.customStartDate`);
  const to = isoOf(r.customEndDate as DateParts, `${path}.customEndDate`);
  if (from > to) throw invalid(`'${path}': customStartDate must not be after customEndDate.`);
  return { range, from, to };
}

function validateQuery(body: unknown): StoredQuery {
  const q = checkKeys(body, ['queryId', 'metadata', 'params', 'schedule'], 'query');
  const metadata = checkKeys(q.metadata, ['title', 'dataRange', 'format', 'sendNotification', 'shareEmailAddress'], 'query.metadata');
  if (typeof metadata.title !== 'string' || metadata.title.trim() === '') throw invalid("'query.metadata.title' is required.");
  if (metadata.format !== 'CSV' && metadata.format !== 'XLSX') throw invalid(`Invalid value at 'query.metadata.format' (Format), "${String(metadata.format)}"`);
  validateDataRange(metadata.dataRange, 'query.metadata.dataRange');

  const params = checkKeys(q.params, ['type', 'groupBys', 'metrics', 'filters', 'options'], 'query.params');
  // v1.1 names (TYPE_GENERAL, ...) are not v2 report types.
  if (typeof params.type !== 'string' || !REPORT_TYPES.has(params.type)) {
    throw invalid(`Invalid value at 'query.params.type' (ReportType), "${String(params.type)}"`);
  }
  const groupBys = (params.groupBys ?? []) as unknown[];
  const metrics = (params.metrics ?? []) as unknown[];
  if (!Array.isArray(groupBys) || !Array.isArray(metrics)) throw invalid("'query.params.groupBys' and 'query.params.metrics' must be lists.");
  groupBys.forEach((g, i) => {
    if (typeof g !== 'string' || !(g in FILTERS)) throw invalid(`Invalid groupBys value at 'query.params.groupBys[${i}]': "${String(g)}" is not a Bid Manager v2 filter.`);
    if (!GROUPABLE.has(g)) throw invalid(`The sandbox does not simulate the dimension "${g}".`);
  });
  if (metrics.length === 0) throw invalid("'query.params.metrics' must name at least one metric.");
  metrics.forEach((m, i) => {
    if (typeof m !== 'string' || !(m in METRICS)) throw invalid(`Invalid metrics value at 'query.params.metrics[${i}]': "${String(m)}" is not a Bid Manager v2 metric.`);
  });
  const filters = (params.filters ?? []) as unknown[];
  if (!Array.isArray(filters)) throw invalid("'query.params.filters' must be a list.");
  const parsedFilters = filters.map((f, i) => {
    const filter = checkKeys(f, ['type', 'value'], `query.params.filters[${i}]`);
    if (typeof filter.type !== 'string' || !(filter.type in FILTERS)) {
      throw invalid(`Invalid filter type at 'query.params.filters[${i}].type': "${String(filter.type)}".`);
    }
    if (typeof filter.value !== 'string' || filter.value === '') throw invalid(`'query.params.filters[${i}].value' is required.`);
    if (filter.type === 'FILTER_ADVERTISER' && !SIM_ACCOUNTS.some((a) => a.platform === 'dv360' && a.accountId === filter.value)) {
      throw new ApiError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
    }
    if (filter.type === 'FILTER_PARTNER' && filter.value !== SANDBOX_DV360_PARTNER_ID) {
      throw new ApiError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
    }
    return { type: filter.type, value: filter.value };
  });
  if (!parsedFilters.some((f) => f.type === 'FILTER_ADVERTISER' || f.type === 'FILTER_PARTNER')) {
    throw invalid('A STANDARD query needs a FILTER_PARTNER or FILTER_ADVERTISER filter.');
  }

  const schedule = checkKeys(q.schedule ?? { frequency: 'ONE_TIME' }, ['frequency', 'startDate', 'endDate', 'nextRunTimezoneCode'], 'query.schedule');
  if (typeof schedule.frequency !== 'string' || !FREQUENCIES.has(schedule.frequency)) {
    throw invalid(`Invalid value at 'query.schedule.frequency' (Frequency), "${String(schedule.frequency)}"`);
  }
  return {
    queryId: '',
    metadata: metadata as StoredQuery['metadata'],
    params: { type: params.type, groupBys: groupBys as string[], metrics: metrics as string[], filters: parsedFilters, ...(params.options ? { options: params.options as object } : {}) },
    schedule: { frequency: schedule.frequency },
  };
}

function parseJsonBody(req: SandboxRequest): unknown {
  const text = req.body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('Invalid JSON payload received.');
  }
}

function dateParts(iso: IsoDate): DateParts {
  const [year, month, day] = iso.split('-').map(Number);
  return { year, month, day };
}

function reportResource(q: StoredQuery, r: StoredReport, ctx: SandboxContext): object {
  const done = !r.failed && r.polls >= r.pollsUntilDone;
  const state = r.failed && r.polls >= 1 ? 'FAILED' : done ? 'DONE' : r.polls === 0 ? 'QUEUED' : 'RUNNING';
  const finished = state === 'DONE' || state === 'FAILED';
  return {
    key: { queryId: r.queryId, reportId: r.reportId },
    metadata: {
      status: { state, format: 'CSV', ...(finished ? { finishTime: new Date().toISOString() } : {}) },
      reportDataStartDate: dateParts(r.from),
      reportDataEndDate: dateParts(r.to),
      ...(state === 'DONE' ? { googleCloudStoragePath: downloadUrl(r, ctx) } : {}),
    },
    params: q.params,
  };
}

// The signature is base64 with `+` and `/` in it, placed raw in the URL as the API hands it out.
function signatureOf(reportId: string): string {
  return `${createHash('sha256').update(`dv360-sandbox|${reportId}`).digest('base64').slice(0, 20)}+Zx/Qm=`;
}

function downloadUrl(r: StoredReport, ctx: SandboxContext): string {
  return `${ctx.baseUrl}/downloads/dv360/${r.queryId}/${r.reportId}.csv?GoogleAccessId=dv360-reports%40sandbox.iam.gserviceaccount.com&Expires=${r.expires}&Signature=${r.signature}`;
}

function gcsError(status: number, code: string, message: string): SandboxResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml; charset=UTF-8' },
    body: `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}

/** Cell values of one simulated report row, by v2 filter name. */
type RowValues = Record<string, string>;

function countryCell(country: string): string {
  if (country === 'ZZ') return 'Unknown';
  return country === 'GB' ? 'UK' : country;
}

function reportRows(q: StoredQuery, from: IsoDate, to: IsoDate): { values: RowValues; impressions: number; clicks: number }[] {
  const advertiserFilter = q.params.filters.filter((f) => f.type === 'FILTER_ADVERTISER').map((f) => f.value);
  const byPartner = q.params.filters.some((f) => f.type === 'FILTER_PARTNER');
  const accounts = SIM_ACCOUNTS.filter((a) => a.platform === 'dv360' && (byPartner || advertiserFilter.includes(a.accountId)));
  const rows: { values: RowValues; impressions: number; clicks: number }[] = [];
  for (const account of accounts) {
    for (const c of simCampaigns('dv360', account.accountId)) {
      for (const date of eachDate({ from, to })) {
        const day = simDay(c, date);
        if (!day) continue;
        let clicksLeft = day.clicks;
        day.geo.forEach((g, i) => {
          const clicks = i === day.geo.length - 1 ? clicksLeft : Math.floor((day.clicks * g.impressions) / day.impressions);
          clicksLeft -= clicks;
          const region = g.region === '' ? undefined : REGIONS[g.region];
          rows.push({
            impressions: g.impressions,
            clicks,
            values: {
              FILTER_DATE: date.replace(/-/g, '/'),
              FILTER_PARTNER: SANDBOX_DV360_PARTNER_ID,
              FILTER_ADVERTISER: account.accountId,
              FILTER_ADVERTISER_NAME: account.name,
              FILTER_ADVERTISER_TIMEZONE: account.timeZone,
              FILTER_ADVERTISER_CURRENCY: account.currency,
              FILTER_INSERTION_ORDER: `49${c.campaignId.slice(2)}`,
              FILTER_INSERTION_ORDER_NAME: `IO ${c.name}`,
              FILTER_LINE_ITEM: c.campaignId,
              FILTER_LINE_ITEM_NAME: c.name,
              FILTER_LINE_ITEM_TYPE: LINE_ITEM_TYPES[c.kind],
              FILTER_COUNTRY: countryCell(g.country),
              // The world's unplaceable share and country-only rows have no region: "Unknown".
              FILTER_REGION: region?.id ?? 'Unknown',
              FILTER_REGION_NAME: region?.name ?? 'Unknown',
            },
          });
        });
      }
    }
  }
  return rows;
}

/** The report file: display-name header, rows, totals row, blank line, footer. */
function reportCsv(q: StoredQuery, r: StoredReport): string {
  const rows = reportRows(q, r.from, r.to);
  if (rows.length === 0) return `${NO_DATA}\n`;
  const groupBys = q.params.groupBys;
  const grouped = new Map<string, { cells: string[]; metrics: Record<string, number> }>();
  for (const row of rows) {
    const cells = groupBys.map((g) => row.values[g] ?? '');
    const key = JSON.stringify(cells);
    const entry = grouped.get(key) ?? { cells, metrics: { METRIC_IMPRESSIONS: 0, METRIC_CLICKS: 0 } };
    entry.metrics.METRIC_IMPRESSIONS! += row.impressions;
    entry.metrics.METRIC_CLICKS! += row.clicks;
    grouped.set(key, entry);
  }
  const metricCell = (m: string, values: Record<string, number>) => (SUMMABLE_METRICS.has(m) ? String(values[m] ?? 0) : '0');
  const lines = [toCsvLine([...groupBys.map((g) => FILTERS[g]!), ...q.params.metrics.map((m) => METRICS[m]!)])];
  const totals: Record<string, number> = { METRIC_IMPRESSIONS: 0, METRIC_CLICKS: 0 };
  for (const { cells, metrics } of grouped.values()) {
    lines.push(toCsvLine([...cells, ...q.params.metrics.map((m) => metricCell(m, metrics))]));
    totals.METRIC_IMPRESSIONS! += metrics.METRIC_IMPRESSIONS!;
    totals.METRIC_CLICKS! += metrics.METRIC_CLICKS!;
  }
  lines.push(toCsvLine([...groupBys.map(() => ''), ...q.params.metrics.map((m) => metricCell(m, totals))]));
  lines.push('');
  const slash = (d: IsoDate) => d.replace(/-/g, '/');
  lines.push(toCsvLine(['Report Time:', new Date().toISOString().replace('T', ' ').slice(0, 16).replace(/-/g, '/')]));
  lines.push(toCsvLine(['Date Range:', `${slash(r.from)} to ${slash(r.to)}`]));
  lines.push(toCsvLine(['Group By:', ...groupBys.map((g) => FILTERS[g]!)]));
  for (const f of q.params.filters) lines.push(toCsvLine([`Filter by ${FILTERS[f.type] ?? f.type}:`, f.value]));
  lines.push(toCsvLine(['MRC Accredited Metrics', 'Active View metrics are accredited only when Measurement Source = Measured']));
  return `${lines.join('\n')}\n`;
}

function handleDownload(req: SandboxRequest, ctx: SandboxContext): SandboxResponse {
  const m = /^\/downloads\/dv360\/(\d+)\/(\d+)\.csv$/.exec(req.url.pathname);
  const r = m ? stateOf(ctx).reports.get(m[2]!) : undefined;
  const q = r ? stateOf(ctx).queries.get(r.queryId) : undefined;
  if (!m || !r || !q || r.queryId !== m[1]) return gcsError(404, 'NoSuchKey', 'The specified key does not exist.');
  if (req.method !== 'GET') return gcsError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  // A signed URL is its own credential; Cloud Storage refuses a second one.
  if (req.headers.authorization !== undefined) {
    return gcsError(400, 'InvalidArgument', 'Invalid argument: the request carries both a signature and an Authorization header.');
  }
  // The raw query must hold the signature exactly as handed out (no decoding or re-encoding).
  const raw = req.url.search.slice(1).split('&');
  if (!raw.includes(`Signature=${r.signature}`)) {
    return gcsError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  if (Date.now() / 1000 > r.expires) return gcsError(400, 'ExpiredToken', 'The provided token has expired.');
  if (ctx.faults.take('dv360.download_unavailable')) return gcsError(503, 'ServiceUnavailable', 'We encountered an internal error. Please try again.');
  const cut = ctx.faults.take('dv360.download_cut') ? ('reset' as const) : undefined;
  return { status: 200, headers: { 'content-type': 'text/csv; charset=UTF-8' }, body: reportCsv(q, r), ...(cut ? { cut } : {}) };
}

function handleApi(req: SandboxRequest, ctx: SandboxContext): SandboxResponse {
  const state = stateOf(ctx);
  const path = req.url.pathname;
  if (!hasSandboxBearer(req.headers)) {
    return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
  }
  if (ctx.faults.take('dv360.rate_limit')) {
    return googleError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'doubleclickbidmanager.googleapis.com'.");
  }
  if (ctx.faults.take('dv360.daily_quota')) {
    return googleError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service 'doubleclickbidmanager.googleapis.com'.");
  }
  if (ctx.faults.take('dv360.server_error')) return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.');

  if (path === '/v2/queries') {
    if (req.method === 'POST') {
      const query = validateQuery(parseJsonBody(req));
      query.queryId = String(state.nextQueryId++);
      state.queries.set(query.queryId, query);
      return json(200, query);
    }
    if (req.method === 'GET') {
      const pageSize = Number(req.url.searchParams.get('pageSize') ?? 100);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw invalid('pageSize must be between 1 and 100.');
      const all = [...state.queries.values()];
      const start = Number(req.url.searchParams.get('pageToken') ?? 0);
      const page = all.slice(start, start + pageSize);
      return json(200, {
        ...(page.length > 0 ? { queries: page } : {}),
        ...(start + pageSize < all.length ? { nextPageToken: String(start + pageSize) } : {}),
      });
    }
  }
  const run = /^\/v2\/queries\/([^/:]+):run$/.exec(path);
  if (run && req.method === 'POST') {
    for (const key of req.url.searchParams.keys()) {
      if (key !== 'synchronous' && key !== 'alt' && key !== 'prettyPrint') throw invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot bind query parameter.`);
    }
    if (ctx.faults.take('dv360.query_deleted')) state.queries.delete(run[1]!);
    const q = state.queries.get(run[1]!);
    if (!q) return googleError(404, 'NOT_FOUND', `Query ${run[1]} not found.`);
    const body = checkKeys(parseJsonBody(req), ['dataRange'], 'run_query_request');
    const range = body.dataRange === undefined ? validateDataRange(q.metadata.dataRange, 'query.metadata.dataRange') : validateDataRange(body.dataRange, 'run_query_request.dataRange');
    if (range.range !== 'CUSTOM_DATES') throw invalid(`The sandbox only simulates CUSTOM_DATES, got ${range.range}.`);
    const report: StoredReport = {
      queryId: q.queryId,
      reportId: String(state.nextReportId++),
      from: range.from!,
      to: range.to!,
      polls: 0,
      pollsUntilDone: (ctx.pollsUntilDone ?? POLLS_UNTIL_DONE) + (ctx.faults.take('dv360.slow_report') ? 4 : 0),
      failed: ctx.faults.take('dv360.report_failed') || ctx.faults.take(`dv360.report_failed:${range.from}`),
      signature: '',
      expires: Math.floor(Date.now() / 1000) + 3600,
    };
    report.signature = signatureOf(report.reportId);
    state.reports.set(report.reportId, report);
    return json(200, reportResource(q, report, ctx));
  }
  const reportPath = /^\/v2\/queries\/([^/]+)\/reports\/([^/]+)$/.exec(path);
  if (reportPath && req.method === 'GET') {
    const r = state.reports.get(reportPath[2]!);
    const q = state.queries.get(reportPath[1]!);
    if (!r || !q || r.queryId !== q.queryId) return googleError(404, 'NOT_FOUND', `Report ${reportPath[2]} not found.`);
    r.polls += 1;
    return json(200, reportResource(q, r, ctx));
  }
  const reportList = /^\/v2\/queries\/([^/]+)\/reports$/.exec(path);
  if (reportList && req.method === 'GET') {
    const q = state.queries.get(reportList[1]!);
    if (!q) return googleError(404, 'NOT_FOUND', `Query ${reportList[1]} not found.`);
    const reports = [...state.reports.values()].filter((r) => r.queryId === q.queryId).map((r) => reportResource(q, r, ctx));
    return json(200, reports.length > 0 ? { reports } : {});
  }
  const one = /^\/v2\/queries\/([^/:]+)$/.exec(path);
  if (one) {
    const q = state.queries.get(one[1]!);
    if (!q) return googleError(404, 'NOT_FOUND', `Query ${one[1]} not found.`);
    if (req.method === 'GET') return json(200, q);
    if (req.method === 'DELETE') {
      state.queries.delete(q.queryId);
      for (const [id, r] of state.reports) if (r.queryId === q.queryId) state.reports.delete(id);
      return json(200, {});
    }
  }
  return googleError(404, 'NOT_FOUND', `Method not found: ${req.method} ${path}`);
}

export const dv360Sandbox: PlatformSandbox = {
  name: 'dv360',
  handle(req, ctx) {
    if (req.url.pathname.startsWith('/downloads/dv360/')) return handleDownload(req, ctx);
    if (!req.url.pathname.startsWith('/v2/queries')) return undefined;
    try {
      return handleApi(req, ctx);
    } catch (e) {
      if (e instanceof ApiError) return googleError(e.code, e.status, e.message);
      throw e;
    }
  },
};

/** The demo's DV360 source: the simulated advertiser, through the endpoint override. */
export function dv360DemoSource(baseUrl: string): { source: Record<string, unknown>; env: Record<string, string> } {
  return {
    source: {
      id: 'dv360',
      platform: 'dv360',
      credentials: {
        client_id_env: 'DV360_CLIENT_ID',
        client_secret_env: 'DV360_CLIENT_SECRET',
        refresh_token_env: 'DV360_REFRESH_TOKEN',
      },
      advertisers: SIM_ACCOUNTS.filter((a) => a.platform === 'dv360').map((a) => ({ id: a.accountId, time_zone: a.timeZone, name: a.name })),
      endpoint: { api: baseUrl, token: `${baseUrl}/token` },
    },
    env: {
      DV360_CLIENT_ID: 'sandbox-dv360-client.apps.googleusercontent.com',
      DV360_CLIENT_SECRET: 'sandbox-dv360-client-secret',
      DV360_REFRESH_TOKEN: SANDBOX_REFRESH_TOKEN,
    },
  };
}
