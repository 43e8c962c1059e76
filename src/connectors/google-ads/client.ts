// The Google Ads API client: google-ads-api 25.1.0 (REST, `googleAds:searchStream`) with one
// adapter around its Customer, plus the OAuth token refresh. Every failure leaves this module
// already classified (errors.ts); the runner's `ctx.call` decides what is retried.
//
// Two things google-ads-api does not let a caller configure, replaced here on each Customer:
// - `prepareGoogleAdsServicePostRequestArgs` hard-codes https://googleads.googleapis.com; the
//   wrapper swaps the origin for `endpoint.api_url` and routes the response body through
//   SearchStreamGuard (the library swallows an error element sent after HTTP 200).
// - `getAccessToken` builds its own OAuth2Client (token URL fixed, tokens cached process-wide
//   for 50 minutes); pauta uses one OAuth2Client per source, with `endpoint.token_url`, and
//   says which credential to fix when the refresh is refused.
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { Customer, GoogleAdsApi } from 'google-ads-api';
import type { OAuth2Client } from 'google-auth-library';
import type { ConnectorContext } from '../types.ts';
import type { Logger } from '../../core/log.ts';
import { classifyGoogleAdsError, classifyOAuthError, type CredentialNames } from './errors.ts';
import { SearchStreamGuard } from './search-stream-guard.ts';

export const GOOGLE_ADS_API_URL = 'https://googleads.googleapis.com';

/** Idle time after which a request (or a stream that stopped sending) is abandoned. */
const REQUEST_IDLE_TIMEOUT_MS = 5 * 60_000;

export interface GoogleAdsClientSettings {
  developerToken: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  loginCustomerId?: string | undefined;
  apiUrl?: string | undefined;
  tokenUrl?: string | undefined;
  /** The variables and keys the credentials came from, for error messages. */
  names: CredentialNames;
}

/** A parsed searchStream row: snake_case keys, enums as numbers, int64 as numbers. */
export type GoogleAdsRow = Record<string, unknown>;

export interface QueryRequest {
  customerId: string;
  /** What the query is for, in messages: `campaign totals 2021-09-01..2021-09-30`. */
  operation: string;
  query: string;
}

/** The axios request google-ads-api builds for a GoogleAdsService call. */
interface PostRequestArgs {
  url: string;
  [option: string]: unknown;
}

/** The members of google-ads-api's Customer that the adapter replaces (private in its typings). */
interface CustomerInternals {
  prepareGoogleAdsServicePostRequestArgs(functionName: string, accessToken: string, extra: Record<string, unknown>): PostRequestArgs;
  getAccessToken(): Promise<string>;
}

/** Rebases a googleads.googleapis.com URL onto another origin (and optional path prefix). */
export function rebaseUrl(url: string, apiUrl: string | undefined): string {
  if (apiUrl === undefined) return url;
  const original = new URL(url);
  const base = new URL(apiUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}${original.pathname}${original.search}`;
}

export class GoogleAdsClient {
  private constructor(
    private readonly api: GoogleAdsApi,
    private readonly oauth: OAuth2Client,
    private readonly settings: GoogleAdsClientSettings,
  ) {}

  /** google-ads-api loads every v25 proto (about two seconds): only when a source is read. */
  static async create(settings: GoogleAdsClientSettings): Promise<GoogleAdsClient> {
    const [{ GoogleAdsApi }, { OAuth2Client }] = await Promise.all([import('google-ads-api'), import('google-auth-library')]);
    const oauth = new OAuth2Client({
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      ...(settings.tokenUrl ? { endpoints: { oauth2TokenUrl: settings.tokenUrl } } : {}),
    });
    oauth.setCredentials({ refresh_token: settings.refreshToken });
    const api = new GoogleAdsApi({
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      developer_token: settings.developerToken,
    });
    return new GoogleAdsClient(api, oauth, settings);
  }

  get names(): CredentialNames {
    return this.settings.names;
  }

  /** A fresh access token when the cached one is expired; OAuth2Client tracks the expiry. */
  async accessToken(): Promise<string> {
    try {
      const { token } = await this.oauth.getAccessToken();
      if (!token) throw new Error('the token endpoint returned no access_token');
      return token;
    } catch (error) {
      throw classifyOAuthError(error, this.settings.names);
    }
  }

  private customer(customerId: string, signal: AbortSignal | undefined): Customer {
    const customer = this.api.Customer({
      customer_id: customerId,
      refresh_token: this.settings.refreshToken,
      ...(this.settings.loginCustomerId ? { login_customer_id: this.settings.loginCustomerId } : {}),
    });
    const internals = customer as unknown as CustomerInternals;
    if (typeof internals.prepareGoogleAdsServicePostRequestArgs !== 'function' || typeof internals.getAccessToken !== 'function') {
      throw new Error('google-ads-api changed: Customer.prepareGoogleAdsServicePostRequestArgs / getAccessToken are gone (see client.ts)');
    }
    const prepare = internals.prepareGoogleAdsServicePostRequestArgs.bind(customer);
    const apiUrl = this.settings.apiUrl;
    internals.prepareGoogleAdsServicePostRequestArgs = (functionName, accessToken, extra) => {
      const args = prepare(functionName, accessToken, extra);
      return {
        ...args,
        url: rebaseUrl(args.url, apiUrl),
        timeout: REQUEST_IDLE_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
        // axios runs this on 2xx and error responses alike; the body is still a stream here.
        transformResponse: [(body: unknown, _headers: unknown, status?: number) => guardBody(body, status ?? 200)],
      };
    };
    internals.getAccessToken = () => this.accessToken();
    return customer;
  }

  /** The rows of one GAQL query, streamed (`queryStream`), failures classified. */
  async *rows(request: QueryRequest, signal?: AbortSignal): AsyncGenerator<GoogleAdsRow> {
    const context = { ...this.settings.names, customerId: request.customerId, operation: request.operation };
    try {
      const customer = this.customer(request.customerId, signal);
      for await (const row of customer.queryStream<GoogleAdsRow>(request.query)) yield row;
    } catch (error) {
      throw classifyGoogleAdsError(error, context);
    }
  }

  /**
   * Runs a query under the runner's retry policy, folding its rows into a fresh accumulator on
   * every attempt (a retried stream starts over), so memory holds the fold, never the response.
   */
  async fold<A>(
    ctx: Pick<ConnectorContext, 'call' | 'signal'> & { log: Logger },
    request: QueryRequest,
    init: () => A,
    step: (acc: A, row: GoogleAdsRow, index: number) => void,
  ): Promise<A> {
    return ctx.call(`${request.operation} (customer ${request.customerId})`, async () => {
      const acc = init();
      let index = 0;
      for await (const row of this.rows(request, ctx.signal)) step(acc, row, index++);
      ctx.log.debug({ customer: request.customerId, operation: request.operation, rows: index }, 'google ads query done');
      return acc;
    });
  }
}

function guardBody(body: unknown, status: number): unknown {
  if (!isReadable(body)) return body;
  const guard = new SearchStreamGuard(status);
  // pipeline forwards errors both ways: a cut connection fails the guard, a destroyed guard frees the socket.
  pipeline(body, guard, () => undefined);
  return guard;
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function' && typeof (value as Readable).on === 'function';
}
