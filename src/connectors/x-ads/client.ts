// The X Ads API through twitter-api-v2's `client.ads`, OAuth 1.0a user context signed by the
// library. Every request runs under the runner's retry policy (ctx.call) and every failure is
// classified once, here (errors.ts). Requests go to the configured prefix: X's production host,
// X's sandbox host, or pauta's sandbox.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { TwitterApi, TwitterApiTokens } from 'twitter-api-v2';
import type { z } from 'zod';
import type { ConnectorContext } from '../types.ts';
import { PayloadError, TransientError } from '../../core/errors.ts';
import { readSecret } from '../../core/redact.ts';
import { DEFAULT_ADS_API_PREFIX, type XAdsSourceConfig } from './config.ts';
import { classifyXAdsError } from './errors.ts';
import { twitterApi } from './twitter-api.ts';
import {
  accountSchema,
  campaignSchema,
  jobSchema,
  lineItemSchema,
  locationSchema,
  pageSchema,
  parsePayload,
  singleSchema,
  statsSchema,
  targetingCriterionSchema,
  type XAccount,
  type XCampaign,
  type XJob,
  type XLineItem,
  type XLocation,
  type XStats,
  type XTargetingCriterion,
} from './payloads.ts';
import type { StatsRange } from './time-windows.ts';

/** Most entity ids one stats request or job takes. https://docs.x.com/x-ads-api/analytics */
export const MAX_ENTITY_IDS = 20;
/** Most ids a list filter (campaign_ids, line_item_ids) or a job status request takes. */
export const MAX_FILTER_IDS = 200;
const PAGE_SIZE = 1000;

export type StatsEntity = 'CAMPAIGN' | 'LINE_ITEM';

export interface StatsRequest {
  entity: StatsEntity;
  entityIds: string[];
  range: StatsRange;
  placement: string;
}

export interface JobRequest extends StatsRequest {
  segmentationType: 'REGIONS';
  /** The country's targeting value (REGIONS needs it). */
  country: string;
}

export type ClientContext = Pick<ConnectorContext, 'call' | 'now'>;

export interface XAdsClientOptions {
  tokens: TwitterApiTokens;
  adsPrefix?: string | undefined;
  downloadBase?: string | undefined;
  tooManyJobsWaitMs?: number | undefined;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class XAdsClient {
  private readonly adsPrefix: string;
  private readonly api: TwitterApi;
  /** One unauthenticated client per download origin, made on first use. */
  private readonly downloaders = new Map<string, TwitterApi>();
  /** The http.Agents this client made, destroyed by close(). */
  private readonly agents: http.Agent[] = [];
  /** Location lookups of this run: windows fetched at once ask for the same countries, and the answer does not change. */
  private readonly lookups = new Map<string, Promise<XLocation[]>>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly options: XAdsClientOptions,
  ) {
    this.adsPrefix = options.adsPrefix ?? DEFAULT_ADS_API_PREFIX;
    this.api = this.apiFor(this.adsPrefix, options.tokens);
  }

  /** twitter-api-v2 always calls https.request: an http:// prefix needs an http.Agent. */
  private apiFor(url: string, tokens?: TwitterApiTokens): TwitterApi {
    let settings = {};
    if (url.startsWith('http://')) {
      const agent = new http.Agent();
      this.agents.push(agent);
      settings = { httpAgent: agent };
    }
    const { TwitterApi } = twitterApi();
    return tokens ? new TwitterApi(tokens, settings) : new TwitterApi(undefined, settings);
  }

  /** Frees the sockets of its agents; the client is not used afterwards. */
  close(): void {
    for (const agent of this.agents) agent.destroy();
  }

  /** Reads the four OAuth 1.0a secrets by the variable names the config gives. */
  static fromConfig(cfg: XAdsSourceConfig, ctx: ClientContext & Pick<ConnectorContext, 'env'>): XAdsClient {
    const what = 'X Ads';
    const tokens: TwitterApiTokens = {
      appKey: readSecret(ctx.env, cfg.consumer_key_env, `${what}: consumer key`),
      appSecret: readSecret(ctx.env, cfg.consumer_secret_env, `${what}: consumer secret`),
      accessToken: readSecret(ctx.env, cfg.access_token_env, `${what}: access token`),
      accessSecret: readSecret(ctx.env, cfg.access_token_secret_env, `${what}: access token secret`),
    };
    return new XAdsClient(ctx, {
      tokens,
      adsPrefix: cfg.endpoint?.ads_api,
      downloadBase: cfg.endpoint?.download,
      tooManyJobsWaitMs: cfg.jobs.too_many_jobs_wait_seconds * 1000,
    });
  }

  private classify(error: unknown, label: string): Error {
    return classifyXAdsError(error, label, { now: this.ctx.now, tooManyJobsWaitMs: this.options.tooManyJobsWaitMs ?? 60_000 });
  }

  /** One request, classified, under the runner's retry policy. */
  private request<T>(label: string, send: () => Promise<T>): Promise<T> {
    return this.ctx.call(label, async () => {
      try {
        return await send();
      } catch (error) {
        throw this.classify(error, label);
      }
    });
  }

  private get<S extends z.ZodType>(label: string, path: string, query: Record<string, string>, schema: S): Promise<z.infer<S>> {
    return this.request(label, async () => {
      const body: unknown = await this.api.ads.get(path, query, { prefix: this.adsPrefix });
      return parsePayload(schema, body, label);
    });
  }

  /** Follows `next_cursor` to the end of a list. */
  private async list<S extends z.ZodType>(label: string, path: string, query: Record<string, string>, item: S): Promise<z.infer<S>[]> {
    const out: z.infer<S>[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const q = { ...query, count: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) };
      const page = await this.get(label, path, q, pageSchema(item));
      out.push(...(page.data as z.infer<S>[]));
      const next = page.next_cursor ?? undefined;
      if (!next || page.data.length === 0) return out;
      if (seen.has(next)) throw new PayloadError(`X Ads ${label}: next_cursor ${next} repeats`);
      seen.add(next);
      cursor = next;
    }
  }

  getAccount(accountId: string): Promise<XAccount> {
    return this.get(`account ${accountId}`, `accounts/${accountId}`, {}, singleSchema(accountSchema)).then((r) => r.data);
  }

  /** Campaigns, deleted ones included so a finished campaign's history is kept. */
  async campaigns(accountId: string, ids?: readonly string[]): Promise<XCampaign[]> {
    const path = `accounts/${accountId}/campaigns`;
    const label = `campaigns of ${accountId}`;
    if (!ids) return this.list(label, path, { with_deleted: 'true' }, campaignSchema);
    const out: XCampaign[] = [];
    for (const group of chunk(ids, MAX_FILTER_IDS)) {
      out.push(...(await this.list(label, path, { with_deleted: 'true', campaign_ids: group.join(',') }, campaignSchema)));
    }
    return out;
  }

  async lineItems(accountId: string, campaignIds: readonly string[]): Promise<XLineItem[]> {
    const out: XLineItem[] = [];
    for (const group of chunk(campaignIds, MAX_FILTER_IDS)) {
      out.push(
        ...(await this.list(`line items of ${accountId}`, `accounts/${accountId}/line_items`, { with_deleted: 'true', campaign_ids: group.join(',') }, lineItemSchema)),
      );
    }
    return out;
  }

  async targetingCriteria(accountId: string, lineItemIds: readonly string[]): Promise<XTargetingCriterion[]> {
    const out: XTargetingCriterion[] = [];
    for (const group of chunk(lineItemIds, MAX_FILTER_IDS)) {
      out.push(
        ...(await this.list(`targeting criteria of ${accountId}`, `accounts/${accountId}/targeting_criteria`, { line_item_ids: group.join(',') }, targetingCriterionSchema)),
      );
    }
    return out;
  }

  /** Targetable locations of one kind in one country (targeting values are opaque ids). */
  locations(locationType: 'COUNTRIES' | 'REGIONS', countryCode: string): Promise<XLocation[]> {
    const key = `${locationType}:${countryCode}`;
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.list(`${locationType.toLowerCase()} of ${countryCode}`, 'targeting_criteria/locations', { location_type: locationType, country_code: countryCode }, locationSchema);
      // A failed lookup is asked again by the next window that needs it.
      lookup.catch(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }

  private statsQuery(r: StatsRequest): Record<string, string> {
    return {
      entity: r.entity,
      entity_ids: r.entityIds.join(','),
      start_time: r.range.startTime,
      end_time: r.range.endTime,
      granularity: 'DAY',
      metric_groups: 'ENGAGEMENT',
      placement: r.placement,
    };
  }

  /** Synchronous stats: ≤ 20 entities, ≤ 7 days, no segmentation. */
  syncStats(accountId: string, r: StatsRequest): Promise<XStats> {
    const label = `stats of ${accountId} ${r.entity} ${r.range.from}..${r.range.to}`;
    return this.get(label, `stats/accounts/${accountId}`, this.statsQuery(r), statsSchema);
  }

  /** Creates an async stats job; its parameters go in the query string. */
  createJob(accountId: string, r: JobRequest): Promise<XJob> {
    const label = `create ${r.segmentationType} job of ${accountId} ${r.range.from}..${r.range.to}`;
    const query = { ...this.statsQuery(r), segmentation_type: r.segmentationType, country: r.country };
    return this.request(label, async () => {
      const body: unknown = await this.api.ads.post(`stats/jobs/accounts/${accountId}`, undefined, { prefix: this.adsPrefix, query });
      return parsePayload(singleSchema(jobSchema), body, label).data;
    });
  }

  /**
   * Jobs by id. The answer is paged even when filtered by ids (a job asked for can be on a later
   * page), so every page is read before a job counts as gone.
   * https://docs.x.com/x-ads-api/analytics/reference#get-stats-jobs-accounts-account-id
   */
  async jobs(accountId: string, jobIds: readonly string[]): Promise<XJob[]> {
    const out: XJob[] = [];
    for (const group of chunk(jobIds, MAX_FILTER_IDS)) {
      out.push(...(await this.list(`jobs of ${accountId}`, `stats/jobs/accounts/${accountId}`, { job_ids: group.join(',') }, jobSchema)));
    }
    return out;
  }

  /** Where a job's result file is fetched from: its own url, or the same path on the download override. */
  downloadUrl(jobUrl: string): string {
    if (!this.options.downloadBase) return jobUrl;
    const u = new URL(jobUrl);
    return new URL(`${u.pathname.replace(/^\//, '')}${u.search}`, this.options.downloadBase).toString();
  }

  /** Downloads a job's gzip result without auth and parses its JSON (the sync stats schema). */
  download(jobUrl: string, label: string): Promise<XStats> {
    const url = this.downloadUrl(jobUrl);
    return this.request(`download ${label}`, async () => {
      const origin = new URL(url).origin;
      let api = this.downloaders.get(origin);
      if (!api) {
        api = this.apiFor(url);
        this.downloaders.set(origin, api);
      }
      // Without forceParseMode 'buffer' the library decodes the gzip bytes as a (corrupted) string.
      const raw: unknown = await api.get(url, undefined, { prefix: '', enableAuth: false, forceParseMode: 'buffer' });
      if (!Buffer.isBuffer(raw)) throw new PayloadError(`X Ads download ${label}: expected a file, got ${typeof raw}`);
      const gzipped = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
      let text: string;
      try {
        text = (gzipped ? gunzipSync(raw) : raw).toString('utf8');
      } catch (e) {
        // A gzip stream that stops before its end is a download cut short: fetch it again.
        if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') throw new TransientError(`X Ads download ${label}: the file ended early (${raw.length} bytes): download cut short`);
        throw new PayloadError(`X Ads download ${label}: not a gzip file (${(e as Error).message})`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new PayloadError(`X Ads download ${label}: not a JSON file (${(e as Error).message})`);
      }
      return parsePayload(statsSchema, body, `download ${label}`);
    });
  }
}
