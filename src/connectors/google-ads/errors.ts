// Google Ads failures, classified once into pauta's typed errors (src/core/errors.ts).
//
// On the REST transport google-ads-api uses, a failure is a JSON `Status` whose details hold a
// GoogleAdsFailure: `{error: {code, status, message, details: [{errors: [{errorCode:
// {quotaError: 'RESOURCE_EXHAUSTED'}, message, details: {quotaErrorDetails: {retryDelay}}}],
// requestId}]}}`. The library turns it into a GoogleAdsFailure object that is not an Error,
// has numeric codes and loses the HTTP status and retry delay; pauta reads the body itself
// (search-stream-guard.ts) and classifies both shapes here.
// https://developers.google.com/google-ads/api/docs/best-practices/error-types
import { fieldDataTypes } from 'google-ads-api/fields';
import { FatalError, QuotaExhaustedError, RateLimitedError, TransientError, describeError } from '../../core/errors.ts';

/** One GoogleAdsError: `quota_error` / `RESOURCE_EXHAUSTED` and its message. */
export interface AdsErrorDetail {
  category: string;
  code: string;
  message: string;
  /** From `quotaErrorDetails.retryDelay`, or "Retry in N seconds." in the message. */
  retryDelayMs?: number | undefined;
}

/** A Google Ads API failure as the response stated it, before classification. */
export class GoogleAdsApiError extends Error {
  override name = 'GoogleAdsApiError';
  constructor(
    message: string,
    readonly httpStatus: number | undefined,
    /** google.rpc status name: RESOURCE_EXHAUSTED, PERMISSION_DENIED, INTERNAL… */
    readonly rpcStatus: string | undefined,
    readonly details: AdsErrorDetail[],
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

/** The customer is cancelled, suspended or not yet set up: skip it, read the others. */
export class CustomerNotEnabledError extends FatalError {
  override name = 'CustomerNotEnabledError';
  constructor(
    readonly customerId: string,
    message: string,
  ) {
    super(message);
  }
}

/** Which config keys and variables a message should point a person to. */
export interface CredentialNames {
  developerTokenEnv: string;
  clientIdEnv: string;
  clientSecretEnv: string;
  refreshTokenEnv: string;
  loginCustomerId?: string | undefined;
}

export interface ErrorContext extends CredentialNames {
  customerId?: string | undefined;
  /** What was being done: `campaign totals 2021-09-01..2021-09-30`. */
  operation?: string | undefined;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** "Retry in 27 seconds." (the REST path drops `retry_delay`, the message keeps it). */
export function retryDelayFromMessage(message: string): number | undefined {
  const m = /retry in (\d+(?:\.\d+)?) seconds?/i.exec(message);
  return m ? Math.ceil(Number(m[1]) * 1000) : undefined;
}

/** A protobuf Duration in JSON: "27s" or "1.5s". */
function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value);
    if (m) return Math.ceil(Number(m[1]) * 1000);
  }
  if (isObject(value) && (typeof value.seconds === 'number' || typeof value.seconds === 'string')) {
    return Number(value.seconds) * 1000 + Math.round(Number(value.nanos ?? 0) / 1e6);
  }
  return undefined;
}

let errorCodeNames: Record<string, Record<number, string>> | undefined;

/** Numeric GoogleAdsFailure codes back to names, from the library's v25 type table (parsed once). */
function errorCodeName(category: string, value: number): string | undefined {
  errorCodeNames ??= Object.fromEntries(
    Object.entries(
      (JSON.parse(fieldDataTypes) as { GoogleAdsError: { error_code: Record<string, Record<string, number>> } }).GoogleAdsError.error_code,
    ).map(([cat, values]) => [cat, Object.fromEntries(Object.entries(values).map(([name, n]) => [n, name]))]),
  );
  return errorCodeNames[category]?.[value];
}

function codeName(category: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return errorCodeName(category, value) ?? String(value);
  return 'UNKNOWN';
}

/** GoogleAdsError objects in either spelling (REST camelCase or the library's snake_case). */
function detailsFromErrors(errors: unknown): AdsErrorDetail[] {
  if (!Array.isArray(errors)) return [];
  return errors.filter(isObject).map((e) => {
    const codeObj = (e.errorCode ?? e.error_code) as unknown;
    const [rawCategory, rawCode] = isObject(codeObj) ? (Object.entries(codeObj)[0] ?? ['unknown', undefined]) : ['unknown', undefined];
    const category = snake(rawCategory);
    const message = typeof e.message === 'string' ? e.message : '';
    const d = isObject(e.details) ? e.details : undefined;
    const quota = d && (isObject(d.quotaErrorDetails) ? d.quotaErrorDetails : isObject(d.quota_error_details) ? d.quota_error_details : undefined);
    const retryDelayMs = durationMs(quota?.retryDelay ?? quota?.retry_delay) ?? retryDelayFromMessage(message);
    return { category, code: codeName(category, rawCode), message, retryDelayMs };
  });
}

/**
 * Reads a REST error body: `[{"error": …}]` (searchStream), `{"error": …}` or the bare Status.
 * Returns undefined when the body is not a Google error (an HTML page from a proxy, say).
 */
export function apiErrorFromBody(httpStatus: number | undefined, body: unknown): GoogleAdsApiError | undefined {
  const element = Array.isArray(body) ? body.find((e) => isObject(e) && isObject(e.error)) : body;
  if (!isObject(element)) return undefined;
  const status = isObject(element.error) ? element.error : element;
  if (typeof status.message !== 'string' && !Array.isArray(status.details)) return undefined;
  const failures = Array.isArray(status.details) ? status.details.filter(isObject) : [];
  const details = failures.flatMap((f) => detailsFromErrors(f.errors));
  const requestId = failures.map((f) => f.requestId ?? f.request_id).find((r): r is string => typeof r === 'string');
  const code = typeof status.code === 'number' ? status.code : undefined;
  return new GoogleAdsApiError(
    typeof status.message === 'string' ? status.message : 'Google Ads API error',
    httpStatus ?? code,
    typeof status.status === 'string' ? status.status : undefined,
    details,
    requestId,
  );
}

/** The library's GoogleAdsFailure (a protobuf message, not an Error). */
function fromGoogleAdsFailure(error: unknown): GoogleAdsApiError | undefined {
  if (!isObject(error) || !Array.isArray(error.errors) || error instanceof Error) return undefined;
  const details = detailsFromErrors(error.errors);
  if (details.length === 0) return undefined;
  const requestId = typeof error.request_id === 'string' ? error.request_id : undefined;
  return new GoogleAdsApiError(details.map((d) => d.message).join('; '), undefined, undefined, details, requestId);
}

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND',
  'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ERR_NETWORK', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isObject(e) || e instanceof Error; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (e instanceof Error && /^(aborted|socket hang up)$/i.test(e.message)) return e.message;
    if (depth > 4) break;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function where(ctx: ErrorContext): string {
  const parts = [ctx.customerId ? `customer ${ctx.customerId}` : undefined, ctx.operation].filter(Boolean);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}

function codeLabel(d: AdsErrorDetail): string {
  return `${d.category} ${d.code}`;
}

function suffix(api: GoogleAdsApiError): string {
  return api.requestId ? ` (request id ${api.requestId})` : '';
}

/** The Google Ads failure as pauta's typed error, with a message that says what to fix. */
function classifyApiError(api: GoogleAdsApiError, ctx: ErrorContext): Error {
  const at = where(ctx);
  const first = api.details[0];
  const detail = (d: AdsErrorDetail) => `${codeLabel(d)}: ${d.message || api.message}`;
  const tail = suffix(api);

  for (const d of api.details) {
    switch (`${d.category}.${d.code}`) {
      case 'quota_error.RESOURCE_EXHAUSTED':
      case 'quota_error.EXCESSIVE_LONG_TERM_QUERY_RESOURCE_CONSUMPTION':
        return new QuotaExhaustedError(
          `${at}Google Ads API quota exhausted (${detail(d)}). The developer token's daily operations are spent; ` +
            `retrying now would only burn more quota — the next scheduled run picks up from here${tail}`,
          { cause: api },
        );
      case 'quota_error.RESOURCE_TEMPORARILY_EXHAUSTED':
      case 'quota_error.EXCESSIVE_SHORT_TERM_QUERY_RESOURCE_CONSUMPTION':
        return d.retryDelayMs !== undefined
          ? new RateLimitedError(`${at}${detail(d)}${tail}`, d.retryDelayMs, { cause: api })
          : new TransientError(`${at}${detail(d)}${tail}`, { cause: api });
      case 'authorization_error.CUSTOMER_NOT_ENABLED':
        return new CustomerNotEnabledError(
          ctx.customerId ?? '?',
          `customer ${ctx.customerId ?? '?'} is not enabled (cancelled, suspended or never set up): ${d.message || api.message}`,
        );
      case 'authorization_error.USER_PERMISSION_DENIED':
        return new FatalError(
          `${at}permission denied (${detail(d)}). The Google account behind the refresh token in ${ctx.refreshTokenEnv} ` +
            (ctx.loginCustomerId
              ? `cannot reach this customer through manager ${ctx.loginCustomerId} (login_customer_id): check that the manager links to it`
              : 'has no direct access to this customer: if access comes through a manager account, set login_customer_id to it') +
            tail,
          { cause: api },
        );
      case 'authorization_error.DEVELOPER_TOKEN_NOT_APPROVED':
      case 'authorization_error.DEVELOPER_TOKEN_PROHIBITED':
      case 'authorization_error.DEVELOPER_TOKEN_NOT_ON_ALLOWLIST':
      case 'authentication_error.DEVELOPER_TOKEN_INVALID':
      case 'request_error.DEVELOPER_TOKEN_PARAMETER_MISSING':
        return new FatalError(
          `${at}the developer token in ${ctx.developerTokenEnv} was refused (${detail(d)}). ` +
            `A token with test access works only on test accounts; apply for Basic access in the manager account's API Center${tail}`,
          { cause: api },
        );
      case 'header_error.INVALID_LOGIN_CUSTOMER_ID':
      case 'authorization_error.INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION':
        return new FatalError(
          `${at}login_customer_id ${ctx.loginCustomerId ?? '(not set)'} is not a manager of this customer (${detail(d)})${tail}`,
          { cause: api },
        );
      case 'authentication_error.CUSTOMER_NOT_FOUND':
      case 'authentication_error.CLIENT_CUSTOMER_ID_INVALID':
      case 'request_error.INVALID_CUSTOMER_ID':
        return new FatalError(`${at}customer_ids: no such customer (${detail(d)})${tail}`, { cause: api });
    }
    if (d.category === 'internal_error') {
      return new TransientError(`${at}Google Ads internal error (${detail(d)})${tail}`, { cause: api });
    }
    if (d.category === 'authentication_error') {
      return new FatalError(
        `${at}authentication failed (${detail(d)}). Check the refresh token in ${ctx.refreshTokenEnv} and the OAuth client in ` +
          `${ctx.clientIdEnv} / ${ctx.clientSecretEnv}: the token must belong to a Google account with access to the customer${tail}`,
        { cause: api },
      );
    }
    if (d.category === 'authorization_error') {
      return new FatalError(`${at}not authorized (${detail(d)})${tail}`, { cause: api });
    }
  }

  if (first) {
    const kind = first.category === 'query_error' ? 'rejected the query' : 'refused the request';
    return new FatalError(`${at}Google Ads ${kind} (${api.details.map(detail).join('; ')})${tail}`, { cause: api });
  }

  // No GoogleAdsFailure in the body: fall back on the HTTP / RPC status.
  const status = api.httpStatus;
  const label = [status, api.rpcStatus].filter((x) => x !== undefined).join(' ');
  if (status === 429 || (status !== undefined && status >= 500) || api.rpcStatus === 'UNAVAILABLE' || api.rpcStatus === 'INTERNAL') {
    return new TransientError(`${at}Google Ads API answered ${label}: ${api.message}`, { cause: api });
  }
  if (status === 401 || api.rpcStatus === 'UNAUTHENTICATED') {
    return new FatalError(
      `${at}Google Ads API answered ${label}: ${api.message}. Check ${ctx.refreshTokenEnv}, ${ctx.clientIdEnv} and ${ctx.clientSecretEnv}`,
      { cause: api },
    );
  }
  return new FatalError(`${at}Google Ads API answered ${label}: ${api.message}`, { cause: api });
}

/**
 * Turns anything a Google Ads request threw into TransientError / RateLimitedError (retried by
 * the runner), QuotaExhaustedError (stop the source for this run), CustomerNotEnabledError (skip
 * the customer) or FatalError (credentials, permissions, the query).
 */
export function classifyGoogleAdsError(error: unknown, ctx: ErrorContext): Error {
  if (error instanceof TransientError || error instanceof QuotaExhaustedError || error instanceof FatalError) return error;
  const api = error instanceof GoogleAdsApiError ? error : fromGoogleAdsFailure(error);
  if (api) return classifyApiError(api, ctx);
  const net = networkCode(error);
  if (net) return new TransientError(`${where(ctx)}network error talking to Google Ads (${net})`, { cause: error });
  return new FatalError(`${where(ctx)}${describeError(error)}`, { cause: error });
}

/** OAuth token refresh failures (google-auth-library's GaxiosError), with the credential to fix. */
export function classifyOAuthError(error: unknown, names: CredentialNames): Error {
  const response = isObject(error) || error instanceof Error ? (error as { response?: { status?: number; data?: unknown } }).response : undefined;
  const data = isObject(response?.data) ? response.data : undefined;
  const code = typeof data?.error === 'string' ? data.error : undefined;
  const description = typeof data?.error_description === 'string' ? `: ${data.error_description}` : '';
  if (code === 'invalid_grant') {
    return new FatalError(
      `OAuth: the refresh token in ${names.refreshTokenEnv} was refused (invalid_grant${description}). ` +
        `It is expired or revoked, or was issued to another OAuth client: create a new one for ${names.clientIdEnv}`,
      { cause: error },
    );
  }
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return new FatalError(
      `OAuth: the client in ${names.clientIdEnv} / ${names.clientSecretEnv} was refused (${code}${description})`,
      { cause: error },
    );
  }
  const status = response?.status;
  if (status !== undefined && (status >= 500 || status === 429)) {
    return new TransientError(`OAuth token endpoint answered ${status}${description}`, { cause: error });
  }
  const net = networkCode(error);
  if (net) return new TransientError(`OAuth: network error reaching the token endpoint (${net})`, { cause: error });
  return new FatalError(`OAuth: could not get an access token${code ? ` (${code}${description})` : `: ${describeError(error)}`}`, {
    cause: error,
  });
}
