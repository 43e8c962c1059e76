// X Ads failures, classified once into pauta's typed errors. twitter-api-v2 never retries: a
// 429 carries the reset time (epoch seconds) in x-rate-limit-reset (or x-account-rate-limit-reset
// for ad-account-level limits), a 503 its delay in Retry-After; the runner does the waiting.
// https://docs.x.com/x-ads-api/fundamentals/rate-limiting
// https://docs.x.com/x-ads-api/fundamentals/error-codes-and-responses
import { FatalError, RateLimitedError, TransientError, describeError } from '../../core/errors.ts';
import { headerValue, retryAfterMs } from '../../core/http-headers.ts';
import { twitterApi } from './twitter-api.ts';

export interface XApiErrorDetail {
  code: string;
  message: string;
  parameter?: string | undefined;
}

export interface ClassifyOptions {
  now: () => Date;
  /** Wait after TOO_MANY_JOBS (the account's concurrent async jobs are at their limit). */
  tooManyJobsWaitMs: number;
}

/** Used when a 429 comes without a reset header: X's limits are per 15-minute window. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** The `errors` array of X's error body: `{"errors":[{"code","message","parameter"}],"request":{...}}`. */
export function errorDetails(data: unknown): XApiErrorDetail[] {
  const errors = (data as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e: Record<string, unknown>) => ({
    code: String(e?.code ?? ''),
    message: String(e?.message ?? ''),
    parameter: typeof e?.parameter === 'string' ? e.parameter : undefined,
  }));
}

/** A failure of an X Ads request, with the platform's error codes kept for callers that care. */
export class XAdsFatalError extends FatalError {
  override name = 'XAdsFatalError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly details: XApiErrorDetail[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Milliseconds until an epoch-seconds reset time, at least one second. */
export function waitUntilReset(resetEpochSeconds: number, now: Date): number {
  return Math.max(1_000, resetEpochSeconds * 1000 - now.getTime() + 1_000);
}

function summary(details: XApiErrorDetail[]): string {
  return details.map((d) => `${d.code}: ${d.message}${d.parameter ? ` (${d.parameter})` : ''}`).join('; ');
}

export function classifyXAdsError(error: unknown, label: string, opts: ClassifyOptions): Error {
  const { ApiPartialResponseError, ApiRequestError, ApiResponseError } = twitterApi();
  if (error instanceof ApiResponseError) {
    const status = error.code;
    const details = errorDetails(error.data);
    const what = `X Ads ${label}: HTTP ${status}${details.length > 0 ? ` ${summary(details)}` : ''}`;
    const headers = error.headers as Record<string, string | string[] | undefined>;
    if (status === 429 || status === 420) {
      const reset = Number(headerValue(headers, 'x-account-rate-limit-reset') ?? headerValue(headers, 'x-rate-limit-reset') ?? error.rateLimit?.reset);
      const waitMs = Number.isFinite(reset) && reset > 0 ? waitUntilReset(reset, opts.now()) : DEFAULT_RATE_LIMIT_WAIT_MS;
      return new RateLimitedError(`${what} (rate limited)`, waitMs, { cause: error });
    }
    if (details.some((d) => d.code === 'TOO_MANY_JOBS')) {
      return new RateLimitedError(`${what} (waiting for the account's running jobs)`, opts.tooManyJobsWaitMs, { cause: error });
    }
    if (status === 503) {
      const waitMs = retryAfterMs(headerValue(headers, 'retry-after'), opts.now());
      return waitMs !== undefined ? new RateLimitedError(what, waitMs, { cause: error }) : new TransientError(what, { cause: error });
    }
    if (status >= 500 || status === 408 || status === 423) return new TransientError(what, { cause: error });
    if (status === 401) {
      return new XAdsFatalError(`${what} — check the four OAuth 1.0a credentials (consumer key/secret, access token/secret)`, status, details, { cause: error });
    }
    return new XAdsFatalError(what, status, details, { cause: error });
  }
  if (error instanceof ApiRequestError || error instanceof ApiPartialResponseError) {
    const reason = error instanceof ApiRequestError ? `: ${describeError(error.requestError)}` : '';
    return new TransientError(`X Ads ${label}: ${error.message}${reason}`, { cause: error });
  }
  if (error instanceof Error) return error;
  return new FatalError(`X Ads ${label}: ${describeError(error)}`);
}
