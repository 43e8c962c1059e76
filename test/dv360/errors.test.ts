// Bid Manager failures → pauta's typed errors, for the shapes Google documents.
import { describe, expect, it } from 'vitest';
import { FatalError, QuotaExhaustedError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import { NotFoundError, classifyBidManagerError } from '../../src/connectors/dv360/errors.ts';
import { fixtureJson } from './bid-manager-mock.ts';

/** An error as gaxios throws it: status, parsed body, fetch Headers. */
function httpError(status: number, data: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`Request failed with status code ${status}`), {
    status,
    response: { status, data, headers: new Headers(headers) },
  });
}

const legacy = (reason: string, message: string) => ({
  error: { errors: [{ domain: 'usageLimits', reason, message }], code: 403, message },
});

describe('classifyBidManagerError', () => {
  it('quota: 429 per-minute is retried, 429 per-day and 403 dailyLimitExceeded stop the source', () => {
    expect(classifyBidManagerError('x', httpError(429, fixtureJson('error-rate-limit.json')))).toBeInstanceOf(TransientError);
    expect(classifyBidManagerError('x', httpError(429, fixtureJson('error-daily-quota.json')))).toBeInstanceOf(QuotaExhaustedError);
    expect(classifyBidManagerError('x', httpError(403, legacy('dailyLimitExceeded', 'Daily Limit Exceeded')))).toBeInstanceOf(QuotaExhaustedError);
    const userRate = classifyBidManagerError('x', httpError(403, legacy('userRateLimitExceeded', 'User Rate Limit Exceeded')));
    expect(userRate).toBeInstanceOf(TransientError);
    expect(userRate).not.toBeInstanceOf(RateLimitedError);
  });

  it('Retry-After on 429/503 becomes the exact wait', () => {
    const e = classifyBidManagerError('queries.run 1', httpError(503, fixtureJson('error-unavailable.json'), { 'retry-after': '30' }));
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).waitMs).toBe(30_000);
    expect(e.message).toBe('queries.run 1: 503 UNAVAILABLE The service is currently unavailable.');
  });

  it('auth, permission, not-found and network errors', () => {
    expect(classifyBidManagerError('x', httpError(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }))).toBeInstanceOf(FatalError);
    const scope = classifyBidManagerError('queries.create', httpError(403, fixtureJson('error-insufficient-scope.json')));
    expect(scope).toBeInstanceOf(FatalError);
    expect(scope.message).toContain('lack the OAuth scope https://www.googleapis.com/auth/doubleclickbidmanager');
    expect(classifyBidManagerError('x', httpError(404, fixtureJson('error-not-found.json')))).toBeInstanceOf(NotFoundError);
    expect(classifyBidManagerError('x', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBeInstanceOf(TransientError);
    expect(classifyBidManagerError('x', httpError(400, { error: { code: 400, message: 'Invalid value', status: 'INVALID_ARGUMENT' } }))).toBeInstanceOf(FatalError);
  });
});
