// SearchStreamGuard: the searchStream body passes through untouched, unless Google appended an
// error element after HTTP 200, the body was cut short, or the status was not 2xx.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/core/errors.ts';
import { GoogleAdsApiError } from '../../src/connectors/google-ads/errors.ts';
import { SearchStreamGuard } from '../../src/connectors/google-ads/search-stream-guard.ts';

/** Feeds `body` through a guard in chunks of `size` bytes (1 = every byte its own chunk). */
async function through(body: string, status = 200, size = 1): Promise<string> {
  const bytes = Buffer.from(body, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const guard = new SearchStreamGuard(status);
  Readable.from(chunks).pipe(guard);
  return text(guard);
}

const results = JSON.stringify([
  {
    results: [
      { campaign: { id: '1', name: 'Quote " and brace } and [bracket] and "error": inside a string \\' } },
      { campaign: { id: '2', name: 'error' } },
    ],
    fieldMask: 'campaign.id,campaign.name',
    requestId: 'r1',
  },
  { results: [{ campaign: { id: '3', name: '{"error": 1}' } }], fieldMask: 'campaign.id', requestId: 'r1' },
]);

const errorElement = {
  error: {
    code: 429,
    message: 'Resource has been exhausted (e.g. check quota).',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure',
        errors: [{ errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' }, message: 'Too many requests. Retry in 12 seconds.' }],
        requestId: 'r9',
      },
    ],
  },
};

describe('SearchStreamGuard', () => {
  it('passes an ordinary body through byte for byte, whatever the chunking and whatever its strings say', async () => {
    for (const size of [1, 3, 64, 100_000]) {
      expect(await through(results, 200, size)).toBe(results);
    }
    expect(await through('[]')).toBe('[]');
    expect(await through('[\n  {\n    "fieldMask": "campaign.id",\n    "requestId": "r"\n  }\n]\n')).toContain('requestId');
  });

  it('raises the error element Google appends after rows already went out with HTTP 200', async () => {
    const body = `${results.slice(0, -1)},${JSON.stringify(errorElement)}]`;
    for (const size of [1, 7, 100_000]) {
      const error = await through(body, 200, size).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GoogleAdsApiError);
      expect(error).toMatchObject({
        rpcStatus: 'RESOURCE_EXHAUSTED',
        requestId: 'r9',
        details: [{ category: 'quota_error', code: 'RESOURCE_TEMPORARILY_EXHAUSTED', retryDelayMs: 12_000 }],
      });
    }
  });

  it('treats a body cut before its closing bracket as a transient failure', async () => {
    const error = await through(results.slice(0, results.length - 20)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('ended before its closing bracket');
  });

  it('reads a non-2xx body whole and keeps its HTTP status, JSON or not', async () => {
    const json = await through(JSON.stringify([errorElement]), 429).catch((e: unknown) => e);
    expect(json).toMatchObject({ httpStatus: 429, details: [{ code: 'RESOURCE_TEMPORARILY_EXHAUSTED' }] });
    const html = await through('<html><body>502 Bad Gateway</body></html>', 502, 5).catch((e: unknown) => e);
    expect(html).toBeInstanceOf(GoogleAdsApiError);
    expect(html).toMatchObject({ httpStatus: 502, details: [], message: '<html><body>502 Bad Gateway</body></html>' });
  });
});
