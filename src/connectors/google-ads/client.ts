// The Google Ads API client: `googleAds:searchStream` over REST, the transport google-ads-api
// 25.1.0 uses, sent here with fetch, plus the OAuth token refresh. Every failure leaves this
// module already classified (errors.ts); the runner's `ctx.call` decides what is retried.
//
// pauta sends the request itself rather than through the library's Customer because:
// - loading the Customer loads every v25 proto and gRPC service client (about 190 MB and 1.5 s)
//   for one POST; the library's type table (`google-ads-api/fields`) is enough to read the rows
//   (rest-rows.ts);
// - its URL is fixed to https://googleads.googleapis.com (pauta honours `endpoint.api_url`), it
//   skips an error element sent after HTTP 200 (SearchStreamGuard turns it into an error), and
//   it keeps its own process-wide token cache (pauta uses one OAuth2Client per source, with
//   `endpoint.token_url`, and says which credential to fix when the refresh is refused).
// https://developers.google.com/google-ads/api/rest/common/search
import { Readable } from 'node:stream';
import type { OAuth2Client } from 'google-auth-library';
import { TransientError } from '../../core/errors.ts';
import type { ConnectorContext } from '../types.ts';
import type { Logger } from '../../core/log.ts';
import { classifyGoogleAdsError, classifyOAuthError, type CredentialNames } from './errors.ts';
import { restRow } from './rest-rows.ts';
import { SearchStreamGuard } from './search-stream-guard.ts';
import { arrayElements } from './stream-elements.ts';

export const GOOGLE_ADS_API_URL = 'https://googleads.googleapis.com';
/** The API version of google-ads-api 25.1.0's type table, which the rows are read with. */
export const GOOGLE_ADS_API_VERSION = 'v25';

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

/** Rebases a googleads.googleapis.com URL onto another origin (and optional path prefix). */
export function rebaseUrl(url: string, apiUrl: string | undefined): string {
  if (apiUrl === undefined) return url;
  const original = new URL(url);
  const base = new URL(apiUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}${original.pathname}${original.search}`;
}

/** A fetch body as chunks; stopping early cancels it through its reader (no dangling download). */
async function* bodyChunks(body: ReadableStream<Uint8Array> | null, onChunk: () => void): AsyncGenerator<Buffer> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onChunk();
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Aborts when nothing arrives for `ms`; `touch()` on every chunk. */
class IdleTimer {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {
    this.touch();
  }
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new TransientError(`no data from Google Ads for ${this.ms / 1000} s`)), this.ms);
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

export class GoogleAdsClient {
  private constructor(
    private readonly oauth: OAuth2Client,
    private readonly settings: GoogleAdsClientSettings,
  ) {}

  static async create(settings: GoogleAdsClientSettings): Promise<GoogleAdsClient> {
    const { OAuth2Client } = await import('google-auth-library');
    const oauth = new OAuth2Client({
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      ...(settings.tokenUrl ? { endpoints: { oauth2TokenUrl: settings.tokenUrl } } : {}),
    });
    oauth.setCredentials({ refresh_token: settings.refreshToken });
    return new GoogleAdsClient(oauth, settings);
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

  /** The headers google-ads-api sends with a GoogleAdsService call. */
  private headers(accessToken: string): Record<string, string> {
    return {
      authorization: `Bearer ${accessToken}`,
      'developer-token': this.settings.developerToken,
      ...(this.settings.loginCustomerId ? { 'login-customer-id': this.settings.loginCustomerId } : {}),
      'content-type': 'application/json',
    };
  }

  /** The rows of one GAQL query, streamed (`searchStream`), failures classified. */
  async *rows(request: QueryRequest, signal?: AbortSignal): AsyncGenerator<GoogleAdsRow> {
    const context = { ...this.settings.names, customerId: request.customerId, operation: request.operation };
    const idle = new IdleTimer(REQUEST_IDLE_TIMEOUT_MS);
    try {
      const accessToken = await this.accessToken();
      const url = rebaseUrl(`${GOOGLE_ADS_API_URL}/${GOOGLE_ADS_API_VERSION}/customers/${request.customerId}/googleAds:searchStream`, this.settings.apiUrl);
      const response = await fetch(url, {
        method: 'POST',
        headers: this.headers(accessToken),
        body: JSON.stringify({ query: request.query }),
        signal: signal ? AbortSignal.any([signal, idle.controller.signal]) : idle.controller.signal,
      });
      const guard = new SearchStreamGuard(response.status);
      const body = Readable.from(bodyChunks(response.body, () => idle.touch()), { objectMode: false });
      // pipe forwards the bytes; a body that fails fails the guard too, a cut connection as transient.
      body.on('error', (e) => guard.destroy(signal?.aborted ? e : new TransientError(`the searchStream response was cut off (${(e as Error).message})`, { cause: e })));
      body.pipe(guard);
      try {
        for await (const element of arrayElements(guard)) {
          for (const row of (element.results as Record<string, unknown>[] | undefined) ?? []) yield restRow(row);
        }
      } finally {
        body.destroy();
        guard.destroy();
      }
    } catch (error) {
      throw classifyGoogleAdsError(idle.controller.signal.aborted ? idle.controller.signal.reason : error, context);
    } finally {
      idle.stop();
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
