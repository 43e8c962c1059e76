// One classification for every way a Google Ads call can fail: the REST body pauta reads itself,
// the library's GoogleAdsFailure (numeric codes, not an Error), network errors.
import { describe, expect, it } from 'vitest';
import { errors } from 'google-ads-api';
import { FatalError, QuotaExhaustedError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import {
  CustomerNotEnabledError,
  apiErrorFromBody,
  classifyGoogleAdsError,
  retryDelayFromMessage,
  type ErrorContext,
} from '../../src/connectors/google-ads/errors.ts';
import { fixture } from './helpers.ts';

const ctx: ErrorContext = {
  developerTokenEnv: 'ADS_DEV_TOKEN',
  clientIdEnv: 'ADS_CLIENT_ID',
  clientSecretEnv: 'ADS_CLIENT_SECRET',
  refreshTokenEnv: 'ADS_REFRESH',
  loginCustomerId: '9998887776',
  customerId: '1234567890',
  operation: 'campaign totals 2021-09-01..2021-09-30',
};

const classify = (status: number, body: unknown) => classifyGoogleAdsError(apiErrorFromBody(status, body), ctx);

describe('Google Ads error classification', () => {
  it('RESOURCE_EXHAUSTED (daily operations) stops the source, even though the body offers a retry delay', () => {
    const e = classify(429, fixture('error-quota-exhausted.json'));
    expect(e).toBeInstanceOf(QuotaExhaustedError);
    expect(e.message).toMatch(/^customer 1234567890, campaign totals 2021-09-01\.\.2021-09-30: Google Ads API quota exhausted \(quota_error RESOURCE_EXHAUSTED/);
  });

  it('RESOURCE_TEMPORARILY_EXHAUSTED waits what the message says', () => {
    const e = classify(429, fixture('error-temporarily-exhausted.json'));
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).waitMs).toBe(7000);
    expect(retryDelayFromMessage('Too many requests. Retry in 1 second.')).toBe(1000);
  });

  it('internal and transient errors, 5xx and network errors are retried', () => {
    for (const code of ['INTERNAL_ERROR', 'TRANSIENT_ERROR', 'DEADLINE_EXCEEDED']) {
      const body = [{ error: { code: 500, message: 'x', status: 'INTERNAL', details: [{ errors: [{ errorCode: { internalError: code }, message: 'x' }] }] } }];
      expect(classify(500, body)).toBeInstanceOf(TransientError);
    }
    expect(classify(503, { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } })).toBeInstanceOf(TransientError);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyGoogleAdsError(reset, ctx)).toBeInstanceOf(TransientError);
  });

  it('CUSTOMER_NOT_ENABLED skips the customer; permission and token errors are fatal and name what to fix', () => {
    expect(classify(403, fixture('error-customer-not-enabled.json'))).toBeInstanceOf(CustomerNotEnabledError);
    const denied = classify(403, fixture('error-user-permission-denied.json'));
    expect(denied).toBeInstanceOf(FatalError);
    expect(denied.message).toContain('refresh token in ADS_REFRESH cannot reach this customer through manager 9998887776 (login_customer_id)');
    const token = classify(401, fixture('error-developer-token-invalid.json'));
    expect(token).toBeInstanceOf(FatalError);
    expect(token.message).toContain('developer token in ADS_DEV_TOKEN was refused');
    const query = classify(400, [
      { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT', details: [{ errors: [{ errorCode: { queryError: 'UNRECOGNIZED_FIELD' }, message: "Unrecognized field in the query: 'metrics.video_views'." }] }] } },
    ]);
    expect(query).toBeInstanceOf(FatalError);
    expect(query.message).toContain("rejected the query (query_error UNRECOGNIZED_FIELD: Unrecognized field in the query: 'metrics.video_views'.)");
  });

  it("reads the library's GoogleAdsFailure, which is no Error and carries numeric codes", () => {
    const failure = new errors.GoogleAdsFailure({
      errors: [{ error_code: { quota_error: 4 }, message: 'Too many requests. Retry in 3 seconds.' }],
      request_id: 'q1',
    } as never);
    expect(failure instanceof Error).toBe(false);
    const e = classifyGoogleAdsError(failure, ctx);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect(e.message).toContain('quota_error RESOURCE_TEMPORARILY_EXHAUSTED');
    expect((e as RateLimitedError).waitMs).toBe(3000);
    const exhausted = new errors.GoogleAdsFailure({ errors: [{ error_code: { quota_error: 2 }, message: 'spent' }] } as never);
    expect(classifyGoogleAdsError(exhausted, ctx)).toBeInstanceOf(QuotaExhaustedError);
    const disabled = new errors.GoogleAdsFailure({ errors: [{ error_code: { authorization_error: 24 }, message: 'off' }] } as never);
    expect(classifyGoogleAdsError(disabled, ctx)).toBeInstanceOf(CustomerNotEnabledError);
  });
});
