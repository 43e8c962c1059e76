// Fetching one window again within the run (docs/ARCHITECTURE.md, "Retrying a failed window").
// Request-level retries (`ctx.call`, retry.ts) cover one request; this covers what they cannot:
// a report or job that ended FAILED or vanished, an error inside a stream after its retries, a
// download cut short. The window is fetched from the start on the same session, a bounded number
// of times with backoff; a permanent cause (credentials, permission, daily quota, a payload pauta
// cannot read) is final at once.
import { QuotaExhaustedError, RateLimitedError, TransientError, WaitTimeoutError } from '../core/errors.ts';
import { backoffDelay } from './retry.ts';

export interface WindowRetryPolicy {
  /** Fetches of one window in all, the first included. */
  attempts: number;
  /** Wait before the second fetch; doubled for each further one, up to `maxDelayMs`, ±25 % jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_WINDOW_RETRY: WindowRetryPolicy = {
  attempts: 3,
  baseDelayMs: 30_000,
  maxDelayMs: 5 * 60_000,
};

/**
 * - `transient`: fetched again (a 5xx, a reset, an error inside a stream, a FAILED report, a job
 *   gone); once the attempts are spent the window is recorded as failed and the run goes on.
 * - `timeout`: a report or job still running after its time; the run goes on, the next run asks again.
 * - `permanent`: credentials, permission, a daily quota, a long rate-limit wait, a payload pauta
 *   cannot read: the source stops for this run (the next windows would meet the same).
 * - `interrupted`: the run is shutting down.
 */
export type WindowFailureKind = 'transient' | 'timeout' | 'permanent' | 'interrupted';

export function classifyWindowFailure(error: unknown, opts: { signal?: AbortSignal | undefined; maxRateLimitWaitMs: number }): WindowFailureKind {
  if (opts.signal?.aborted) return 'interrupted';
  if (error instanceof QuotaExhaustedError) return 'permanent';
  if (error instanceof WaitTimeoutError) return 'timeout';
  if (error instanceof RateLimitedError && error.waitMs > opts.maxRateLimitWaitMs) return 'permanent';
  if (error instanceof TransientError) return 'transient';
  return 'permanent';
}

export interface WindowAttemptFailure {
  /** 1 for the first fetch. */
  attempt: number;
  attempts: number;
  error: unknown;
  kind: WindowFailureKind;
  /** Set when the window is fetched again, after this wait. */
  retryInMs?: number | undefined;
}

export type WindowResult<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: unknown; kind: WindowFailureKind; attempts: number };

export interface WindowRetryDeps {
  policy: WindowRetryPolicy;
  /** A rate limit asking for longer than this is not waited out (the request policy's limit). */
  maxRateLimitWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal | undefined;
  random?: () => number;
  /** Told of every failed fetch, the last included, before any wait (the run log records each). */
  onAttemptFailed?: (failure: WindowAttemptFailure) => Promise<void> | void;
}

/** Fetches one window, again while the cause is transient; returns its result or its final failure. */
export async function fetchWindowWithRetry<T>(fetchOnce: (attempt: number) => Promise<T>, deps: WindowRetryDeps): Promise<WindowResult<T>> {
  const attempts = Math.max(1, deps.policy.attempts);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { ok: true, value: await fetchOnce(attempt), attempts: attempt };
    } catch (error) {
      const kind = classifyWindowFailure(error, deps);
      const again = kind === 'transient' && attempt < attempts;
      const retryInMs = again ? backoffDelay(deps.policy, attempt, deps.random) : undefined;
      await deps.onAttemptFailed?.({ attempt, attempts, error, kind, retryInMs });
      if (retryInMs === undefined) return { ok: false, error, kind, attempts: attempt };
      await deps.sleep(retryInMs);
      if (deps.signal?.aborted) return { ok: false, error, kind: 'interrupted', attempts: attempt };
    }
  }
}
