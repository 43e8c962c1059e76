// Bid Manager failures, classified once into pauta's typed errors. Google APIs answer errors as
// {"error":{"code":403,"message":"...","status":"PERMISSION_DENIED","details":[...]}}
// (https://cloud.google.com/apis/design/errors); the token endpoint as {"error":"invalid_grant",...}.
import { FatalError, QuotaExhaustedError, RateLimitedError, TransientError, describeError } from '../../core/errors.ts';
import { BID_MANAGER_SCOPE } from './config.ts';
import { headerValue, retryAfterMs } from '../../core/http-headers.ts';

/** The saved query (or report) no longer exists: the connector creates the query again. */
export class NotFoundError extends FatalError {
  override name = 'NotFoundError';
}

interface GoogleErrorBody {
  error?:
    | string
    | {
        code?: number;
        message?: string;
        status?: string;
        details?: { reason?: string; '@type'?: string }[];
        /** The older error format's reasons (dailyLimitExceeded, userRateLimitExceeded). */
        errors?: { reason?: string; domain?: string; message?: string }[];
      };
  error_description?: string;
}

interface HttpLikeError {
  status?: number;
  code?: string | number;
  message?: string;
  response?: { status?: number; data?: unknown; headers?: unknown };
}

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TimeoutError',
]);

/**
 * A network code anywhere in the cause chain: fetch (undici) wraps the socket's error, e.g. a
 * body cut mid-download is `TypeError: terminated` with `cause.code` UND_ERR_SOCKET.
 */
function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function parseBody(data: unknown): GoogleErrorBody | undefined {
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as GoogleErrorBody;
    } catch {
      return undefined;
    }
  }
  return typeof data === 'object' && data !== null ? (data as GoogleErrorBody) : undefined;
}

/** Turns whatever the client library threw for `what` into a TransientError, RateLimitedError, QuotaExhaustedError or FatalError. */
export function classifyBidManagerError(what: string, error: unknown): Error {
  if (error instanceof TransientError || error instanceof FatalError || error instanceof QuotaExhaustedError) return error;
  const e = (error ?? {}) as HttpLikeError;
  const status = e.response?.status ?? e.status;
  const body = parseBody(e.response?.data);
  const apiError = typeof body?.error === 'object' ? body.error : undefined;
  const message = apiError?.message ?? (typeof body?.error === 'string' ? `${body.error}: ${body.error_description ?? ''}`.trim() : describeError(error));
  const label = `${what}: ${status ?? 'network'} ${apiError?.status ?? ''} ${message}`.replace(/\s+/g, ' ').trim();

  if (status === undefined) {
    if (networkCode(error) !== undefined) return new TransientError(label, { cause: error });
    if (/fetch failed|socket hang up|network|ECONNRESET|ETIMEDOUT|aborted/i.test(describeError(error))) {
      return new TransientError(label, { cause: error });
    }
    return new FatalError(label, { cause: error });
  }
  const reasons = [...(apiError?.errors ?? []), ...(apiError?.details ?? [])].map((r) => r.reason ?? '');
  // Quota answers come as 429 RESOURCE_EXHAUSTED or, in the older format, as 403 with reason
  // dailyLimitExceeded / userRateLimitExceeded (https://developers.google.com/bid-manager/quotas).
  const dailyQuota = reasons.includes('dailyLimitExceeded') || /per day|daily limit/i.test(message);
  const rateLimited = reasons.some((r) => /^(userRateLimitExceeded|rateLimitExceeded|RATE_LIMIT_EXCEEDED)$/.test(r));
  if ((status === 429 || status === 403) && dailyQuota) {
    // The 2,000-a-day project quota: retrying only burns the next day's.
    return new QuotaExhaustedError(`${label} (the Bid Manager daily quota is spent; the next run continues)`, { cause: error });
  }
  if (status === 429 || (status === 403 && rateLimited)) {
    const wait = retryAfterMs(headerValue(e.response?.headers, 'retry-after'), new Date());
    return wait !== undefined ? new RateLimitedError(label, wait, { cause: error }) : new TransientError(label, { cause: error });
  }
  if (status >= 500) {
    const wait = retryAfterMs(headerValue(e.response?.headers, 'retry-after'), new Date());
    return wait !== undefined ? new RateLimitedError(label, wait, { cause: error }) : new TransientError(label, { cause: error });
  }
  if (status === 403 && (apiError?.details?.some((d) => d.reason === 'ACCESS_TOKEN_SCOPE_INSUFFICIENT') || /insufficient authentication scopes/i.test(message))) {
    return new FatalError(
      `${what}: the credentials lack the OAuth scope ${BID_MANAGER_SCOPE}; grant it (a new refresh token, or the service account's scopes) and try again`,
      { cause: error },
    );
  }
  if (status === 401 || (status === 400 && typeof body?.error === 'string')) {
    return new FatalError(`${label} (check the DV360 credentials)`, { cause: error });
  }
  if (status === 404) return new NotFoundError(label, { cause: error });
  return new FatalError(label, { cause: error });
}
