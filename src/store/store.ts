// The SQLite file: kysely over better-sqlite3, migrations applied on open, WAL and a busy
// timeout so the daemon, a backfill and analysts' sqlite3 sessions can share it. A postgres://
// location opens PostgreSQL instead (postgres.ts); everything below the open is the same code.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { DateWindow } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';
import type { AccountInfo, CampaignIdentity, SourceState, StoredDay, TargetAssignment } from '../core/records.ts';
import { redact } from '../core/redact.ts';
import { engineOf, isPostgresUrl, type Engine } from './engine.ts';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';

const BUSY_TIMEOUT_MS = 10_000;
const INSERT_CHUNK = 400;

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
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
  status: 'ok' | 'failed' | 'skipped' | 'busy';
  rows?: number;
  error?: string | undefined;
  startedAt: string;
  finishedAt: string;
}

/** The database file cannot be used as it is (exit 2: nothing in it was touched). */
export class DatabaseError extends UsageError {
  override name = 'DatabaseError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`database ${file}: ${problem}`);
  }
}

/** SQLite's own codes, said the way a person fixes them. */
export function databaseError(file: string, e: unknown): Error {
  if (e instanceof DatabaseError) return e;
  // Extended codes (SQLITE_READONLY_DIRECTORY, SQLITE_CANTOPEN_ISDIR…) by their primary code.
  const code = String((e as { code?: unknown }).code ?? '').split('_').slice(0, 2).join('_');
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new DatabaseError(file, `not a SQLite database, or damaged (${message})`);
    case 'SQLITE_CANTOPEN':
      return new DatabaseError(file, 'cannot be opened (check that the path is a file you can read and write, in a directory you can write)');
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new DatabaseError(file, 'is read-only: pauta needs write access to the file and its directory');
    case 'SQLITE_FULL':
      return new DatabaseError(file, 'the disk is full');
    default:
      return new DatabaseError(file, message);
  }
}

/** A file migrated by a later pauta has migrations this one does not know: refuse to touch it. */
function refuseNewerSchema(sqlite: SQLite.Database, file: string): void {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'").get();
  if (table === undefined) return;
  const applied = (sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  const unknown = applied.filter((n) => !(n in migrations));
  if (unknown.length > 0) {
    throw new DatabaseError(file, `written by a newer version of pauta (migration ${unknown.join(', ')}); use that version, or another --db`);
  }
}

export class Store {
  private constructor(
    readonly db: Kysely<Database>,
    readonly file: string,
  ) {}

  /** A file path opens (or creates) a SQLite file; a postgres:// URL connects to PostgreSQL. */
  static async open(file: string): Promise<Store> {
    if (isPostgresUrl(file)) return Store.openPostgres(file);
    let sqlite: SQLite.Database | undefined;
    try {
      if (file !== ':memory:') {
        try {
          mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (code ?? String(e));
          throw new DatabaseError(file, `cannot create its directory ${path.dirname(file)} (${why})`);
        }
        if (existsSync(file) && statSync(file).isDirectory()) throw new DatabaseError(file, 'is a directory, not a file');
      }
      sqlite = new SQLite(file, { timeout: BUSY_TIMEOUT_MS });
      refuseNewerSchema(sqlite, file);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
    } catch (e) {
      sqlite?.close();
      throw databaseError(file, e);
    }
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const store = new Store(db, file);
    try {
      await store.migrate();
    } catch (e) {
      await db.destroy();
      throw databaseError(file, e);
    }
    return store;
  }

  private static async openPostgres(url: string): Promise<Store> {
    // Loaded on demand: a SQLite user never loads the PostgreSQL driver.
    const { connectPostgres, postgresError } = await import('./postgres.ts');
    const pg = await connectPostgres(url);
    const store = new Store(pg.db, pg.display);
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
    const migrator = new Migrator({ db: this.db, provider: new StaticMigrations(), ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }) });
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
