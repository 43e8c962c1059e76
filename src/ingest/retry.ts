// The one retry policy (docs/ARCHITECTURE.md, "Connectors and sessions"): connectors classify, this decides.
// TransientError → exponential backoff with jitter; RateLimitedError → exactly the wait the
// platform asked for; anything else (fatal, quota, payload) → thrown at once.
import pRetry from 'p-retry';
import { FatalError, RateLimitedError, TransientError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A platform asking for a longer wait than this is treated as fatal for the run. */
  maxRateLimitWaitMs: number;
  /**
   * One attempt that has not settled after this long counts as a transient failure, so a stalled
   * connection cannot hold a source (and its lease) forever. Default 30 minutes: above any single
   * request or report download pauta makes.
   */
  attemptTimeoutMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 2_000,
  maxDelayMs: 120_000,
  maxRateLimitWaitMs: 20 * 60_000,
  attemptTimeoutMs: 30 * 60_000,
};

/** Settles with `request`, or rejects with a TransientError once `ms` have passed. */
export function withAttemptTimeout<T>(label: string, request: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransientError(`${label}: no answer after ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  });
  return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
}

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  log: Logger;
  random?: () => number;
  signal?: AbortSignal | undefined;
}

/** Backoff before attempt `attempt + 1`: base × 2^(attempt-1), capped, with ±25 % jitter. */
export function backoffDelay(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(raw * (0.75 + random() * 0.5));
}

export async function withRetry<T>(
  label: string,
  request: () => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<T> {
  return pRetry(
    async () => {
      try {
        const attempt = request();
        return await (policy.attemptTimeoutMs === undefined ? attempt : withAttemptTimeout(label, attempt, policy.attemptTimeoutMs));
      } catch (error) {
        // p-retry only handles Error instances; some client libraries throw plain objects.
        if (error instanceof Error) throw error;
        throw new FatalError(describeError(error), { cause: error });
      }
    },
    {
      retries: policy.attempts - 1,
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      signal: deps.signal,
      shouldRetry: ({ error }) => {
        if (!(error instanceof TransientError)) return false;
        if (error instanceof RateLimitedError && error.waitMs > policy.maxRateLimitWaitMs) return false;
        return true;
      },
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (!(error instanceof TransientError) || retriesLeft === 0) return;
        if (error instanceof RateLimitedError && error.waitMs > policy.maxRateLimitWaitMs) return;
        const waitMs =
          error instanceof RateLimitedError ? error.waitMs : backoffDelay(policy, attemptNumber, deps.random);
        deps.log.warn({ request: label, attempt: attemptNumber, waitMs, err: error.message }, 'request failed, retrying');
        await deps.sleep(waitMs);
      },
    },
  );
}
