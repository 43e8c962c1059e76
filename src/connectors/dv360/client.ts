// The Bid Manager v2 client: googleapis' generated methods for queries and reports, the signed
// report download, quota slots and error classification — nothing about rows or days. Every
// request goes through `send`, the one place the runner's retry policy (ctx.call) is applied.
// https://developers.google.com/bid-manager/reference/rest/v2
import { Readable } from 'node:stream';
import type { doubleclickbidmanager_v2 } from 'googleapis/build/src/apis/doubleclickbidmanager/index.js';
import { linkedSignal } from '../../core/abort.ts';
import { FatalError, TransientError } from '../../core/errors.ts';
import type { ConnectorContext } from '../types.ts';
import type { BidManagerAuth } from './auth.ts';
import { bidManagerModule } from './bid-manager-api.ts';
import { classifyBidManagerError } from './errors.ts';
import type { RequestBudget } from './quota.ts';

export type Query = doubleclickbidmanager_v2.Schema$Query;
export type Report = doubleclickbidmanager_v2.Schema$Report;
export type DataRange = doubleclickbidmanager_v2.Schema$DataRange;

/** A fetch body as chunks; stopping early cancels it through its reader (no dangling download). */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

// gaxios would retry GETs itself, on its own clock; every retry belongs to the runner's policy.
const METHOD_OPTIONS = { retry: false, timeout: 120_000 } as const;

export class BidManagerClient {
  private readonly api: doubleclickbidmanager_v2.Doubleclickbidmanager;

  constructor(
    private readonly auth: BidManagerAuth,
    private readonly budget: RequestBudget,
    private readonly ctx: Pick<ConnectorContext, 'call' | 'signal'>,
    rootUrl?: string,
  ) {
    this.api = bidManagerModule().doubleclickbidmanager({ version: 'v2', auth, ...(rootUrl ? { rootUrl } : {}) });
  }

  /**
   * One request under the runner's retry policy, each attempt classified. API calls take a quota
   * slot per attempt (a retry is a request too); the report download is Cloud Storage's, not
   * Bid Manager's, and takes none.
   */
  private send<T>(label: string, attempt: () => Promise<T>, quota: 'bid_manager' | 'none'): Promise<T> {
    return this.ctx.call(label, async () => {
      if (quota === 'bid_manager') await this.budget.take(label);
      try {
        return await attempt();
      } catch (error) {
        throw classifyBidManagerError(label, error);
      }
    });
  }

  private request<T>(label: string, call: () => Promise<{ data: T }>): Promise<T> {
    return this.send(label, async () => (await call()).data, 'bid_manager');
  }

  createQuery(query: Query): Promise<Query> {
    return this.request('queries.create', () => this.api.queries.create({ requestBody: query }, METHOD_OPTIONS));
  }

  getQuery(queryId: string): Promise<Query> {
    return this.request(`queries.get ${queryId}`, () => this.api.queries.get({ queryId }, METHOD_OPTIONS));
  }

  async deleteQuery(queryId: string): Promise<void> {
    await this.request(`queries.delete ${queryId}`, () => this.api.queries.delete({ queryId }, METHOD_OPTIONS));
  }

  /** Starts a report of the saved query over `dataRange`; polling is the caller's. */
  runQuery(queryId: string, dataRange: DataRange): Promise<Report> {
    return this.request(`queries.run ${queryId}`, () =>
      this.api.queries.run({ queryId, synchronous: false, requestBody: { dataRange } }, METHOD_OPTIONS),
    );
  }

  getReport(queryId: string, reportId: string): Promise<Report> {
    return this.request(`queries.reports.get ${queryId}/${reportId}`, () =>
      this.api.queries.reports.get({ queryId, reportId }, METHOD_OPTIONS),
    );
  }

  /** Gets an access token now, so `check` can tell credential problems from access problems. */
  async verifyCredentials(): Promise<void> {
    try {
      await this.auth.getAccessToken();
    } catch (error) {
      throw classifyBidManagerError('OAuth token', error);
    }
  }

  /**
   * Streams the report file. The URL is a signed Cloud Storage URL: it is fetched exactly as
   * given (its signature holds `+` and `/`) and without an Authorization header, which Cloud
   * Storage rejects next to a signature.
   * https://cloud.google.com/storage/docs/access-control/signed-urls
   */
  download<T>(url: string, consume: (body: Readable) => Promise<T>): Promise<T> {
    // A dropped download is retried whole: `consume` starts again from the first byte.
    return this.send('report download', () => this.downloadOnce(url, consume), 'none');
  }

  private async downloadOnce<T>(url: string, consume: (body: Readable) => Promise<T>): Promise<T> {
    // fetch keeps its listener on the signal until the request is garbage-collected: give it one of its own.
    const abort = linkedSignal(this.ctx.signal);
    try {
      const response = await fetch(url, { method: 'GET', redirect: 'follow', signal: abort.signal });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? text.slice(0, 200);
        const message = `report download: HTTP ${response.status} ${code}`.trim();
        if (response.status === 429 || response.status >= 500) throw new TransientError(message);
        throw new FatalError(`${message} (the signed report URL was refused)`);
      }
      const body = Readable.from(chunksOf(response.body));
      try {
        return await consume(body);
      } finally {
        body.destroy();
      }
    } finally {
      abort.dispose();
    }
  }
}
