// Display & Video 360 through the Bid Manager API v2: one saved query per source, run for each
// window, polled until DONE, its CSV streamed into line-item days with their geography.
import type { DateWindow } from '../../core/dates.ts';
import { describeError } from '../../core/errors.ts';
import type { AccountInfo } from '../../core/records.ts';
import type { CheckLine, CheckResult, Connector, ConnectorContext, FetchEvent, Session, SourceAccounts } from '../types.ts';
import { createBidManagerAuth } from './auth.ts';
import { BidManagerClient } from './client.ts';
import { dv360Schema, type Dv360Config } from './config.ts';
import { NotFoundError } from './errors.ts';
import { CampaignDayBuilder } from './mapping.ts';
import { customDates, SavedQueries } from './query.ts';
import { readBidManagerReport } from './report-csv.ts';
import { ReportPoller } from './report-wait.ts';
import { RequestBudget } from './quota.ts';

/** A one-time query filtered on one advertiser (or the partner), created and deleted at once. */
async function probeAccess(cfg: Dv360Config, client: BidManagerClient, yesterday: string): Promise<CheckLine[]> {
  const scopes = cfg.partner
    ? [{ subject: `partner ${cfg.partner.id}`, filter: { type: 'FILTER_PARTNER', value: cfg.partner.id } }]
    : (cfg.advertisers ?? []).map((a) => ({ subject: `advertiser ${a.id}`, filter: { type: 'FILTER_ADVERTISER', value: a.id } }));
  const lines: CheckLine[] = [];
  for (const { subject, filter } of scopes) {
    try {
      const probe = await client.createQuery({
        metadata: { title: `pauta check ${cfg.id}`, dataRange: customDates({ from: yesterday, to: yesterday }), format: 'CSV' },
        params: { type: 'STANDARD', groupBys: ['FILTER_ADVERTISER'], metrics: ['METRIC_IMPRESSIONS'], filters: [filter] },
        schedule: { frequency: 'ONE_TIME' },
      });
      if (probe.queryId) await client.deleteQuery(probe.queryId);
      lines.push({ ok: true, subject, detail: 'Bid Manager accepts a report query on it' });
    } catch (error) {
      lines.push({ ok: false, subject, detail: describeError(error) });
    }
  }
  return lines;
}

/** One source run against Bid Manager: its auth client, request budget and saved query. */
class Dv360Session implements Session {
  private parts: { client: BidManagerClient; queries: SavedQueries; reports: ReportPoller } | undefined;

  constructor(
    private readonly cfg: Dv360Config,
    private readonly ctx: ConnectorContext,
  ) {}

  /** Built on first use, so `check` reports an unreadable key file as a line. */
  private bidManager(): { client: BidManagerClient; queries: SavedQueries; reports: ReportPoller } {
    if (!this.parts) {
      const auth = createBidManagerAuth(this.cfg, this.ctx.env);
      const client = new BidManagerClient(auth, new RequestBudget(this.ctx, this.cfg.requests_per_day), this.ctx, this.cfg.endpoint?.api);
      this.parts = { client, queries: new SavedQueries(this.cfg, client, this.ctx), reports: new ReportPoller(client, this.ctx) };
    }
    return this.parts;
  }

  // Bid Manager has no advertiser lookup; the zone comes from the config and every report row's
  // "Advertiser Time Zone" is checked against it.
  async accounts(): Promise<SourceAccounts> {
    const { cfg } = this;
    const accounts = cfg.partner
      ? [{ accountId: cfg.partner.id, name: cfg.partner.name, timeZone: cfg.partner.time_zone }]
      : (cfg.advertisers ?? []).map((a) => ({ accountId: a.id, name: a.name, timeZone: a.time_zone }));
    return { accounts, skipped: [] };
  }

  async check(): Promise<CheckResult> {
    const { cfg, ctx } = this;
    const lines: CheckLine[] = [];
    let bidManager: ReturnType<Dv360Session['bidManager']>;
    try {
      bidManager = this.bidManager();
      await bidManager.client.verifyCredentials();
      lines.push({ ok: true, subject: 'credentials', detail: 'an access token for Bid Manager was issued' });
    } catch (error) {
      return { ok: false, lines: [{ ok: false, subject: 'credentials', detail: describeError(error) }] };
    }
    const { client, queries } = bidManager;
    const savedId = await queries.savedId();
    if (savedId === undefined) {
      lines.push({ ok: true, subject: 'saved query', detail: 'none yet: the first run creates it' });
    } else {
      try {
        await client.getQuery(savedId);
        lines.push({ ok: true, subject: 'saved query', detail: `query ${savedId} exists` });
      } catch (error) {
        lines.push(
          error instanceof NotFoundError
            ? { ok: true, subject: 'saved query', detail: `query ${savedId} was deleted: the next run creates it again` }
            : { ok: false, subject: 'saved query', detail: describeError(error) },
        );
      }
    }
    const yesterday = new Date(ctx.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    lines.push(...(await probeAccess(cfg, client, yesterday)));
    return { ok: lines.every((l) => l.ok), lines };
  }

  /**
   * One report per window, from the source's saved query; windows may run at once, each with its
   * own report, and the session polls all of them together.
   */
  async *fetch(window: DateWindow, accounts: readonly AccountInfo[]): AsyncIterable<FetchEvent> {
    const { cfg, ctx } = this;
    const { client, queries, reports } = this.bidManager();
    const started = await queries.run(window);
    const done = await reports.wait(started, window, cfg.report_timeout_minutes * 60_000);
    // Each download attempt parses into a fresh builder.
    const builder = await client.download(done.url, async (body) => {
      const days = new CampaignDayBuilder(cfg);
      for await (const row of readBidManagerReport(body)) days.add(row);
      return days;
    });
    ctx.log.debug({ reportId: done.reportId, rows: builder.rowsRead, skipped: builder.rowsSkipped }, 'report read');
    if (builder.unreadableZones.size > 0) {
      ctx.log.warn({ zones: [...builder.unreadableZones] }, 'the report wrote advertiser time zones pauta cannot compare with the config');
    }
    for (const { accountId } of accounts) {
      for (const day of builder.days(accountId)) yield { kind: 'day', day };
      yield { kind: 'account_done', accountId };
    }
  }

  async close(): Promise<void> {
    this.parts = undefined;
  }
}

export const dv360Connector: Connector<Dv360Config> = {
  platform: 'dv360',
  configSchema: dv360Schema,
  // One report per window: long windows mean fewer report runs (each takes minutes).
  maxWindowDays: 31,
  // Bid Manager runs reports side by side: a Sept–Dec backfill starts its four at once and waits
  // about as long as for one. Each costs a queries.run and its polls against the daily quota.
  windowsAtOnce: 4,
  // DV360 restates impressions (spam filtering, late data) for up to 7 days.
  lookbackDays: 7,

  open: (cfg, ctx) => new Dv360Session(cfg, ctx),

  // queries.run, ~8 polls for a report of up to ~15 min, and now and then a queries.create.
  estimateRequests() {
    return 10;
  },
};
