// The one retry policy: which errors are retried, how long it waits, and stalled requests.
import { describe, expect, it } from 'vitest';
import { FatalError, QuotaExhaustedError, RateLimitedError, TransientError } from '../src/core/errors.ts';
import { silentLogger } from '../src/core/log.ts';
import { DEFAULT_RETRY_POLICY, backoffDelay, withRetry } from '../src/ingest/retry.ts';

function deps() {
  const waits: number[] = [];
  return { waits, d: { sleep: async (ms: number) => void waits.push(ms), log: silentLogger(), random: () => 0.5 } };
}

describe('retry policy', () => {
  it('retries transient errors with exponential backoff, then succeeds', async () => {
    const { waits, d } = deps();
    let n = 0;
    const r = await withRetry('req', async () => {
      n += 1;
      if (n < 4) throw new TransientError('503');
      return 'ok';
    }, DEFAULT_RETRY_POLICY, d);
    expect(r).toBe('ok');
    expect(waits).toEqual([2_000, 4_000, 8_000]);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 10, () => 0.5)).toBe(120_000);
  });

  it('waits exactly what a rate limit asks', async () => {
    const { waits, d } = deps();
    let n = 0;
    await withRetry('req', async () => {
      n += 1;
      if (n === 1) throw new RateLimitedError('429', 61_000);
    }, DEFAULT_RETRY_POLICY, d);
    expect(waits).toEqual([61_000]);
  });

  it('never retries fatal errors or an exhausted daily quota', async () => {
    for (const error of [new FatalError('401'), new QuotaExhaustedError('daily quota')]) {
      const { waits, d } = deps();
      let n = 0;
      await expect(withRetry('req', async () => {
        n += 1;
        throw error;
      }, DEFAULT_RETRY_POLICY, d)).rejects.toBe(error);
      expect(n).toBe(1);
      expect(waits).toEqual([]);
    }
  });

  it('gives up after the last attempt and throws the last error', async () => {
    const { d } = deps();
    let n = 0;
    await expect(withRetry('req', async () => {
      n += 1;
      throw new TransientError(`500 #${n}`);
    }, DEFAULT_RETRY_POLICY, d)).rejects.toThrow('500 #6');
    expect(n).toBe(6);
  });

  it('treats a rate-limit wait longer than the policy allows as final', async () => {
    const { waits, d } = deps();
    await expect(withRetry('req', async () => {
      throw new RateLimitedError('come back tomorrow', 11 * 3600_000);
    }, DEFAULT_RETRY_POLICY, d)).rejects.toThrow('come back tomorrow');
    expect(waits).toEqual([]);
  });

  it('counts an attempt that never answers as transient, and tries again', async () => {
    const { d } = deps();
    let n = 0;
    const r = await withRetry('stalled download', () => {
      n += 1;
      return n === 1 ? new Promise<string>(() => undefined) : Promise.resolve('second');
    }, { ...DEFAULT_RETRY_POLICY, attemptTimeoutMs: 20 }, d);
    expect(r).toBe('second');
    expect(n).toBe(2);
  });

  it('wraps a non-Error thrown by a client library into a fatal error', async () => {
    const { d } = deps();
    await expect(withRetry('req', async () => {
      throw { errors: [{ message: 'GoogleAdsFailure-like object' }] };
    }, DEFAULT_RETRY_POLICY, d)).rejects.toBeInstanceOf(FatalError);
  });
});
