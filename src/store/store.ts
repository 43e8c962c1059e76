// The store: kysely over the database, the window commit, run log, cursors, leases and
// connector state. Opening the SQLite file (creation, modes, WAL, migrations) is in sqlite-open.ts;
// a postgres:// location opens PostgreSQL instead (postgres.ts).
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { DateWindow } from '../core/dates.ts';
import type { AccountInfo, CampaignIdentity, SourceState, StoredDay, TargetAssignment } from '../core/records.ts';
import { redact } from '../core/redact.ts';
import { engineOf, isPostgresUrl, type Engine } from './engine.ts';
import { DatabaseError } from './errors.ts';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { prepareCommit, type CommitStatements } from './sqlite-commit.ts';
import { openSqlite, type Access } from './sqlite-open.ts';

export { DatabaseBusyError, DatabaseError, databaseError, isBusy } from './errors.ts';

const INSERT_CHUNK = 400;

export interface StoreOptions {
  /** `read`: the file must exist and is never written nor locked (`report`, `status`). Default `write`. */
  access?: Access;
  /**
   * Commit windows through better-sqlite3 prepared statements (sqlite-commit.ts) rather than the
   * generic kysely commit; default true. Both write exactly the same rows.
   */
  preparedCommit?: boolean;
}

export interface WindowCommit {
  runId: string;
  sourceId: string;
  trigger: string;
  window: DateWindow;
  /** Accounts fully read for the window: their rows in the window are replaced. */
  accounts: string[];
  days: StoredDay[];
  /** The target each campaign counts toward (decided by the plan's rules, outside the store). */
  targetOf: (campaign: CampaignIdentity) => string | null;
  startedAt: string;
  finishedAt: string;
  /** Anything the run log should say about a successful window (skipped accounts). */
  note?: string | undefined;
  /** Move the source's cursor to this date (never backwards). */
  cursor?: string | undefined;
  /**
   * The lease the window is written under: the commit first checks, inside its transaction, that
   * this holder still has the source's lease at `now`, and fails with `LeaseLostError` otherwise.
   */
  lease?: { holder: string; now: string } | undefined;
}

/** The source's lease expired and another worker took it: this window is not written. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(
    readonly sourceId: string,
    readonly holder: string,
  ) {
    super(`source ${sourceId}: the lease of ${holder} expired or was taken over by another worker before the window committed; nothing of it was stored`);
  }
}

export interface RunLogEntry {
  runId: string;
  sourceId: string;
  trigger: string;
  window?: DateWindow | undefined;
  status: 'ok' | 'failed' | 'retried' | 'skipped' | 'busy';
  rows?: number;
  error?: string | undefined;
  startedAt: string;
  finishedAt: string;
}

export class Store {
  private constructor(
    readonly db: Kysely<Database>,
    readonly file: string,
    readonly access: Access,
    /** The better-sqlite3 connection under `db`, for the window commit's prepared statements. */
    private readonly sqlite: SQLite.Database | undefined,
  ) {}

  /** Prepared on the first commit, reused for every later one. */
  private commitStatements: CommitStatements | undefined;

  /**
   * A file path opens the SQLite file (for writing: creates and migrates it); a postgres:// URL
   * connects to PostgreSQL.
   */
  static async open(file: string, opts: StoreOptions = {}): Promise<Store> {
    const access = opts.access ?? 'write';
    if (isPostgresUrl(file)) return Store.openPostgres(file, access);
    const { db, sqlite } = await openSqlite(file, access);
    return new Store(db, file, access, opts.preparedCommit === false ? undefined : sqlite);
  }

  private static async openPostgres(url: string, access: Access): Promise<Store> {
    // Loaded on demand: a SQLite user never loads the PostgreSQL driver.
    const { connectPostgres, postgresError } = await import('./postgres.ts');
    const pg = await connectPostgres(url);
    const store = new Store(pg.db, pg.display, access, undefined);
    if (access === 'read') return store;
    try {
      // Kysely's PostgreSQL adapter holds an advisory lock while it migrates, so workers
      // starting together apply each migration once.
      await store.migrate(pg.schema);
    } catch (e) {
      await pg.db.destroy();
      throw postgresError(pg.display, e);
    }
    return store;
  }

  get engine(): Engine {
    return engineOf(this.db);
  }

  private async migrate(migrationTableSchema?: string): Promise<void> {
    const provider = { getMigrations: async () => migrations };
    const migrator = new Migrator({ db: this.db, provider, ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new DatabaseError(this.file, `migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** Mirrors the plan's targets into the database and re-assigns every campaign to its target. */
  async syncTargets(plan: TargetAssignment): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // Upserts, not delete-and-insert: several workers starting together on one PostgreSQL
      // database would otherwise insert the same target twice.
      const ids = plan.targets.map((t) => t.id);
      let stale = trx.deleteFrom('targets');
      if (ids.length > 0) stale = stale.where('target_id', 'not in', ids);
      await stale.execute();
      for (const [position, t] of plan.targets.entries()) {
        const values = { name: t.name, projected: t.projected, period_start: t.period.start, period_end: t.period.end, position };
        await trx
          .insertInto('targets')
          .values({ target_id: t.id, ...values })
          .onConflict((oc) => oc.column('target_id').doUpdateSet(values))
          .execute();
      }
      const campaigns = await trx.selectFrom('campaigns').selectAll().execute();
      for (const c of campaigns) {
        const target = plan.targetOf({
          sourceId: c.source_id,
          platform: c.platform,
          channel: c.channel,
          campaignId: c.campaign_id,
          campaignName: c.campaign_name,
        });
        if (target !== c.target_id) {
          await trx
            .updateTable('campaigns')
            .set({ target_id: target })
            .where('source_id', '=', c.source_id)
            .where('account_id', '=', c.account_id)
            .where('campaign_id', '=', c.campaign_id)
            .execute();
        }
      }
    });
  }

  async saveAccounts(sourceId: string, accounts: readonly AccountInfo[], now: string): Promise<void> {
    for (const a of accounts) {
      await this.db
        .insertInto('accounts')
        .values({
          source_id: sourceId,
          account_id: a.accountId,
          name: a.name ?? null,
          time_zone: a.timeZone,
          currency: a.currency ?? null,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['source_id', 'account_id']).doUpdateSet({
            name: a.name ?? null,
            time_zone: a.timeZone,
            currency: a.currency ?? null,
            updated_at: now,
          }),
        )
        .execute();
    }
  }

  async getCursor(sourceId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('source_cursors')
      .select('cursor_date')
      .where('source_id', '=', sourceId)
      .executeTakeFirst();
    return row?.cursor_date;
  }

  /**
   * Invariant 2 (docs/ARCHITECTURE.md): a window's rows, its run-log entry and the cursor commit
   * together or not at all.
   * The window's rows of every fully read account are replaced, so a day the platform restated
   * (or a geo row that disappeared) is exactly what the platform says now.
   */
  async commitWindow(c: WindowCommit): Promise<number> {
    const sqlite = this.sqlite;
    if (sqlite === undefined) return this.commitWindowGeneric(c);
    // Holding kysely's connection keeps any kysely transaction from interleaving with this one.
    return this.db.connection().execute(async () => {
      this.commitStatements ??= prepareCommit(sqlite);
      return this.commitStatements.transaction(c);
    });
  }

  /** The window commit in kysely, for any dialect; the SQLite fast path writes the same rows. */
  private async commitWindowGeneric(c: WindowCommit): Promise<number> {
    let rows = 0;
    await this.db.transaction().execute(async (trx) => {
      if (c.lease !== undefined) {
        // Fencing: an UPDATE, not a SELECT, so the lease row stays locked until the commit
        // (PostgreSQL's row lock; SQLite's write lock): no one takes the lease over meanwhile.
        const held = await trx
          .updateTable('leases')
          .set((eb) => ({ expires_at: eb.ref('expires_at') }))
          .where('source_id', '=', c.sourceId)
          .where('holder', '=', c.lease.holder)
          .where('expires_at', '>', c.lease.now)
          .executeTakeFirst();
        if (Number(held.numUpdatedRows) !== 1) throw new LeaseLostError(c.sourceId, c.lease.holder);
      }
      for (const accountId of c.accounts) {
        for (const table of ['geo_days', 'campaign_days'] as const) {
          await trx
            .deleteFrom(table)
            .where('source_id', '=', c.sourceId)
            .where('account_id', '=', accountId)
            .where('date', '>=', c.window.from)
            .where('date', '<=', c.window.to)
            .execute();
        }
      }
      const campaigns = new Map<string, StoredDay>();
      for (const d of c.days) campaigns.set(`${d.accountId}|${d.campaignId}`, d);
      for (const d of campaigns.values()) {
        const target = c.targetOf({ sourceId: c.sourceId, platform: d.platform, channel: d.channel, campaignId: d.campaignId, campaignName: d.campaignName });
        const values = {
          platform: d.platform,
          campaign_name: d.campaignName,
          channel: d.channel,
          target_id: target,
          updated_at: c.finishedAt,
        };
        await trx
          .insertInto('campaigns')
          .values({ source_id: c.sourceId, account_id: d.accountId, campaign_id: d.campaignId, ...values })
          .onConflict((oc) => oc.columns(['source_id', 'account_id', 'campaign_id']).doUpdateSet(values))
          .execute();
      }
      const dayRows = c.days.map((d) => ({
        source_id: c.sourceId,
        account_id: d.accountId,
        campaign_id: d.campaignId,
        date: d.date,
        impressions: d.impressions,
        clicks: d.clicks ?? null,
        video_views: d.videoViews ?? null,
        cost_micros: d.costMicros ?? null,
        geo_method: d.geoMethod,
        run_id: c.runId,
        fetched_at: c.finishedAt,
      }));
      for (let i = 0; i < dayRows.length; i += INSERT_CHUNK) {
        await trx.insertInto('campaign_days').values(dayRows.slice(i, i + INSERT_CHUNK)).execute();
      }
      const geoRows = c.days.flatMap((d) =>
        d.geo.map((g) => ({
          source_id: c.sourceId,
          account_id: d.accountId,
          campaign_id: d.campaignId,
          date: d.date,
          country: g.country,
          region: g.region,
          impressions: g.impressions,
        })),
      );
      for (let i = 0; i < geoRows.length; i += INSERT_CHUNK) {
        await trx.insertInto('geo_days').values(geoRows.slice(i, i + INSERT_CHUNK)).execute();
      }
      rows = geoRows.length;
      await trx
        .insertInto('ingest_run_log')
        .values({
          run_id: c.runId,
          source_id: c.sourceId,
          trigger: c.trigger,
          window_from: c.window.from,
          window_to: c.window.to,
          status: 'ok',
          rows,
          error: c.note === undefined ? null : redact(c.note),
          started_at: c.startedAt,
          finished_at: c.finishedAt,
        })
        .execute();
      if (c.cursor !== undefined) {
        await trx
          .insertInto('source_cursors')
          .values({ source_id: c.sourceId, cursor_date: c.cursor, updated_at: c.finishedAt })
          .onConflict((oc) =>
            oc.column('source_id').doUpdateSet({ cursor_date: c.cursor!, updated_at: c.finishedAt }).where('source_cursors.cursor_date', '<', c.cursor!),
          )
          .execute();
      }
    });
    return rows;
  }

  async logRun(e: RunLogEntry): Promise<void> {
    await this.db
      .insertInto('ingest_run_log')
      .values({
        run_id: e.runId,
        source_id: e.sourceId,
        trigger: e.trigger,
        window_from: e.window?.from ?? null,
        window_to: e.window?.to ?? null,
        status: e.status,
        rows: e.rows ?? 0,
        error: e.error === undefined ? null : redact(e.error),
        started_at: e.startedAt,
        finished_at: e.finishedAt,
      })
      .execute();
  }

  /**
   * Takes the source's lease if it is free, expired or already ours. One statement, so two
   * processes racing for it cannot both win. Returns the current holder when someone else has it.
   */
  async acquireLease(
    sourceId: string,
    holder: string,
    now: Date,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; holder: string; expiresAt: string; acquiredAt: string }> {
    const nowIso = now.toISOString();
    const expires = new Date(now.getTime() + ttlMs).toISOString();
    await sql`
      INSERT INTO leases (source_id, holder, acquired_at, expires_at)
      VALUES (${sourceId}, ${holder}, ${nowIso}, ${expires})
      ON CONFLICT (source_id) DO UPDATE SET
        holder = excluded.holder,
        acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
        expires_at = excluded.expires_at
      WHERE leases.holder = excluded.holder OR leases.expires_at <= ${nowIso}
    `.execute(this.db);
    const row = await this.db.selectFrom('leases').selectAll().where('source_id', '=', sourceId).executeTakeFirstOrThrow();
    if (row.holder === holder) return { acquired: true };
    return { acquired: false, holder: row.holder, expiresAt: row.expires_at, acquiredAt: row.acquired_at };
  }

  /**
   * Takes the lease from a holder known to be dead (its process is gone), whatever its expiry.
   * Conditional on that holder still having it, so of two processes taking over, one wins.
   */
  async takeOverLease(sourceId: string, deadHolder: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('leases')
      .set({ holder, acquired_at: now.toISOString(), expires_at: new Date(now.getTime() + ttlMs).toISOString() })
      .where('source_id', '=', sourceId)
      .where('holder', '=', deadHolder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async releaseLease(sourceId: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('source_id', '=', sourceId).where('holder', '=', holder).execute();
  }

  /** Forgets what a connector kept about its platform (saved query ids, lookups). */
  async clearConnectorState(sourceId: string): Promise<void> {
    await this.db.deleteFrom('connector_state').where('source_id', '=', sourceId).execute();
  }

  /** The source's connector state, values unchecked (connectors read it through a typed view). */
  connectorState(sourceId: string): SourceState {
    const db = this.db;
    return {
      async get(key: string): Promise<unknown> {
        const row = await db
          .selectFrom('connector_state')
          .select('value_json')
          .where('source_id', '=', sourceId)
          .where('key', '=', key)
          .executeTakeFirst();
        return row === undefined ? undefined : (JSON.parse(row.value_json) as unknown);
      },
      async set(key: string, value: unknown): Promise<void> {
        const value_json = JSON.stringify(value);
        const updated_at = new Date().toISOString();
        await db
          .insertInto('connector_state')
          .values({ source_id: sourceId, key, value_json, updated_at })
          .onConflict((oc) => oc.columns(['source_id', 'key']).doUpdateSet({ value_json, updated_at }))
          .execute();
      },
      async delete(key: string): Promise<void> {
        await db.deleteFrom('connector_state').where('source_id', '=', sourceId).where('key', '=', key).execute();
      },
    };
  }
}
