// Typed errors decide what the runner does. Connectors classify a platform's failure once, in
// their API client, into one of these; the runner's single retry policy reads only the class.

/** Worth retrying after a backoff: network errors, 5xx, "temporarily exhausted". */
export class TransientError extends Error {
  override name = 'TransientError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The platform said when to come back (429 with a reset time, 503 with Retry-After). */
export class RateLimitedError extends TransientError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    /** How long to wait before the next attempt, in milliseconds. */
    readonly waitMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A report or job the platform accepted did not finish in the time allowed. Transient — the next
 * run asks again — but not fetched again within this run: it would wait as long once more.
 */
export class WaitTimeoutError extends TransientError {
  override name = 'WaitTimeoutError';
}

/** A daily quota is spent: stop this source for the run, no retries (they would burn quota). */
export class QuotaExhaustedError extends Error {
  override name = 'QuotaExhaustedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Credentials, permissions, a bad query or a payload pauta cannot read: never retried. */
export class FatalError extends Error {
  override name = 'FatalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A platform payload failed validation at the connector's boundary. */
export class PayloadError extends FatalError {
  override name = 'PayloadError';
}

/** Bad configuration or command-line usage (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function isRetryable(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

/** A message for any thrown value, including non-Error objects some client libraries throw. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
