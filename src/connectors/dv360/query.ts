// The one saved Bid Manager query of a source: what it asks for, and its lifecycle. It is created
// once, its id kept in the connector state with a fingerprint of its parameters, and re-run for
// every window with CUSTOM_DATES. A query deleted in the DV360 UI (run → 404) or whose
// parameters changed with the config is created again.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DateWindow } from '../../core/dates.ts';
import { stateKey } from '../state.ts';
import type { ConnectorContext } from '../types.ts';
import type { BidManagerClient, DataRange, Query, Report } from './client.ts';
import type { Dv360Config } from './config.ts';
import { NotFoundError } from './errors.ts';
import { TransientError } from '../../core/errors.ts';

/**
 * Dimensions of the report, in v2 names (https://developers.google.com/bid-manager/reference/rest/v2/filters-metrics).
 * Their display names head the CSV columns (see report-csv.ts).
 */
export const GROUP_BYS = [
  'FILTER_DATE',
  'FILTER_ADVERTISER',
  'FILTER_ADVERTISER_NAME',
  'FILTER_ADVERTISER_TIMEZONE',
  'FILTER_INSERTION_ORDER',
  'FILTER_INSERTION_ORDER_NAME',
  'FILTER_LINE_ITEM',
  'FILTER_LINE_ITEM_NAME',
  'FILTER_LINE_ITEM_TYPE',
  'FILTER_COUNTRY',
  'FILTER_REGION',
  'FILTER_REGION_NAME',
] as const;

export const METRICS = ['METRIC_IMPRESSIONS', 'METRIC_CLICKS'] as const;

/** Connector state: the saved query's id, with a fingerprint of the parameters it was made with. */
export const SAVED_QUERY = stateKey('saved_query', z.object({ queryId: z.string().min(1), fingerprint: z.string() }));

export function customDates(window: DateWindow): DataRange {
  const date = (iso: string) => {
    const [year, month, day] = iso.split('-').map(Number);
    return { year, month, day };
  };
  return { range: 'CUSTOM_DATES', customStartDate: date(window.from), customEndDate: date(window.to) };
}

/** The saved query's definition; `window` only seeds its own date range (each run overrides it). */
export function queryDefinition(cfg: Dv360Config, window: DateWindow): Query {
  const filters = cfg.partner
    ? [{ type: 'FILTER_PARTNER', value: cfg.partner.id }]
    : (cfg.advertisers ?? []).map((a) => ({ type: 'FILTER_ADVERTISER', value: a.id }));
  return {
    metadata: { title: `pauta ${cfg.id}`, dataRange: customDates(window), format: 'CSV', sendNotification: false },
    params: { type: 'STANDARD', groupBys: [...GROUP_BYS], metrics: [...METRICS], filters },
    schedule: { frequency: 'ONE_TIME' },
  };
}

/** Changes when anything but the date range changes: then the saved query is replaced. */
export function queryFingerprint(query: Query): string {
  return createHash('sha256').update(JSON.stringify({ params: query.params, title: query.metadata?.title })).digest('hex').slice(0, 16);
}

/** One per session: windows fetched one after the other, again or at once all run the same query. */
export class SavedQueries {
  /** The saved query's id once this session has read or made it, so concurrent windows create it once. */
  private known: Promise<string> | undefined;

  constructor(
    private readonly cfg: Dv360Config,
    private readonly client: BidManagerClient,
    private readonly ctx: ConnectorContext,
  ) {}

  /** The saved query's id, creating (or replacing) it when needed. */
  ensure(window: DateWindow): Promise<string> {
    const known = (this.known ??= this.load(window));
    // A failed lookup or creation is not remembered: the next attempt tries again.
    known.catch(() => {
      if (this.known === known) this.known = undefined;
    });
    return known;
  }

  private async load(window: DateWindow): Promise<string> {
    const definition = queryDefinition(this.cfg, window);
    const fingerprint = queryFingerprint(definition);
    const saved = await this.ctx.state.get(SAVED_QUERY);
    if (saved?.fingerprint === fingerprint) return saved.queryId;
    if (saved) {
      this.ctx.log.info({ queryId: saved.queryId }, 'the DV360 source config changed: replacing its saved Bid Manager query');
      await this.client.deleteQuery(saved.queryId).catch((e: unknown) => {
        if (!(e instanceof NotFoundError)) throw e;
      });
      await this.ctx.state.delete(SAVED_QUERY);
    }
    const created = await this.client.createQuery(definition);
    if (!created.queryId) throw new NotFoundError('queries.create answered without a queryId');
    await this.ctx.state.set(SAVED_QUERY, { queryId: created.queryId, fingerprint });
    this.ctx.log.info({ queryId: created.queryId }, 'created the saved Bid Manager query');
    return created.queryId;
  }

  /** Runs the saved query over the window; a query deleted since is created again once. */
  async run(window: DateWindow): Promise<Report> {
    const queryId = await this.ensure(window);
    try {
      return await this.client.runQuery(queryId, customDates(window));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      this.ctx.log.warn({ queryId }, 'the saved Bid Manager query was deleted: creating it again');
      await this.forget(queryId);
      const recreated = await this.ensure(window);
      try {
        return await this.client.runQuery(recreated, customDates(window));
      } catch (again) {
        if (!(again instanceof NotFoundError)) throw again;
        // Deleted again at once (someone cleaning up queries): the window's next attempt makes it anew.
        await this.forget(recreated);
        throw new TransientError(`the saved Bid Manager query ${recreated} was deleted again right after it was created`, { cause: again });
      }
    }
  }

  /** Drops a deleted query, unless another window already replaced it. */
  private async forget(queryId: string): Promise<void> {
    const known = this.known;
    if (known !== undefined && (await known.catch(() => undefined)) === queryId && this.known === known) this.known = undefined;
    if ((await this.ctx.state.get(SAVED_QUERY))?.queryId === queryId) await this.ctx.state.delete(SAVED_QUERY);
  }

  /** The saved query's id without creating it (for `check`). */
  async savedId(): Promise<string | undefined> {
    return (await this.ctx.state.get(SAVED_QUERY))?.queryId;
  }
}
