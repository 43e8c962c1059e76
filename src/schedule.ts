// The daemon (`pauta daemon`, `npm start`): node-cron fires `tick` on the config's schedule, in its
// time zone; each tick runs every enabled source through the runner — yesterday in each account's
// zone, the lookback and any gap since the cursor — exactly as `pauta run` does. A source that
// fails is reported and simply tried again at the next tick (its cursor has not moved); the
// others go on. At start-up, a run that was due while the daemon was down is made at once. When the
// config has `report:`, each tick ends by publishing the report (src/daemon/publish.ts).
import cron, { type ScheduledTask } from 'node-cron';
import type { ConnectorRegistry, PautaConfig } from './config/load.ts';
import { UsageError, describeError } from './core/errors.ts';
import type { Logger } from './core/log.ts';
import { CronSchedule } from './daemon/cron.ts';
import { startHealthServer, type HealthServer } from './daemon/health.ts';
import { DaemonMetrics } from './daemon/metrics.ts';
import { ReportPublisher, type PublishResult } from './daemon/publish.ts';
import { daemonHolder } from './ingest/lease-holder.ts';
import { Runner, defaultSleep, newRunId, type SourceRunResult } from './ingest/runner.ts';
import type { RetryPolicy } from './ingest/retry.ts';
import type { WindowRetryPolicy } from './ingest/window-retry.ts';
import { sourceStatus } from './ingest/status.ts';
import type { Store } from './store/store.ts';

export interface DaemonDeps {
  config: PautaConfig;
  registry: ConnectorRegistry;
  store: Store;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** The clock; tests drive it, nothing in a tick reads the real one when it is given. */
  now?: () => Date;
  /** Waits between retries and report polls; tests make it instant. */
  sleep?: (ms: number) => Promise<void>;
  retry?: RetryPolicy;
  windowRetry?: WindowRetryPolicy;
  /** Names this process in the lease table, so a backfill can say who holds a source. */
  holder?: string;
  leaseTtlMs?: number;
}

export interface TickReport {
  runId: string;
  /** `schedule` for cron ticks, `catch-up` for the start-up run of a missed tick. */
  reason: string;
  startedAt: Date;
  results: SourceRunResult[];
  /** What was published after the run (when the config has `report:`). */
  published?: PublishResult | undefined;
}

/**
 * Which triggers count as a scheduled cycle when deciding whether one was missed: a cron tick, the
 * start-up run that made up for a missed tick, or `pauta run` (the same cycle, started by hand).
 */
const SCHEDULED_TRIGGERS = ['schedule', 'catch-up', 'run'];

export class Daemon {
  readonly schedule: CronSchedule;
  readonly metrics: DaemonMetrics;
  private readonly controller = new AbortController();
  private readonly holder: string;
  private current: Promise<TickReport | undefined> | undefined;
  private task: ScheduledTask | undefined;
  private health: HealthServer | undefined;
  private readonly publisher: ReportPublisher | undefined;
  private lastTickAt: Date | undefined;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });

  constructor(private readonly deps: DaemonDeps) {
    this.schedule = new CronSchedule(deps.config.schedule.cron, deps.config.schedule.timezone);
    this.metrics = new DaemonMetrics(deps.config.sources.filter((s) => s.enabled).map((s) => s.id));
    this.holder = deps.holder ?? daemonHolder();
    const { config, store, log, env, now } = deps;
    this.publisher = config.report && new ReportPublisher(config.report, { config, store, log, env, now, metrics: this.metrics, signal: this.signal });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Aborted when the daemon is asked to stop; every runner of every tick watches it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The URL of the health endpoint, once started (when enabled). */
  get healthUrl(): string | undefined {
    return this.health?.url;
  }

  /**
   * One scheduled cycle: every enabled source through the runner. Never throws; a failing source
   * is a result. Returns undefined when the previous tick is still running (noOverlap) or the
   * daemon is stopping.
   */
  tick(reason = 'schedule'): Promise<TickReport | undefined> {
    if (this.signal.aborted) return Promise.resolve(undefined);
    if (this.current) {
      this.metrics.recordSkippedTick();
      this.deps.log.warn({ reason }, 'the previous scheduled run is still going: this one is skipped');
      return Promise.resolve(undefined);
    }
    const run = this.runTick(reason).finally(() => {
      this.current = undefined;
    });
    this.current = run;
    return run;
  }

  private async runTick(reason: string): Promise<TickReport> {
    const startedAt = this.now();
    const runId = newRunId(startedAt);
    const log = this.deps.log.child({ runId });
    this.lastTickAt = startedAt;
    log.info({ reason }, 'scheduled run started');
    const runner = new Runner(this.deps.config, this.deps.registry, {
      store: this.deps.store,
      log: this.deps.log,
      env: this.deps.env,
      now: this.deps.now,
      sleep: this.deps.sleep,
      retry: this.deps.retry,
      windowRetry: this.deps.windowRetry,
      signal: this.signal,
      holder: this.holder,
      leaseTtlMs: this.deps.leaseTtlMs,
      // A source a backfill is ingesting is skipped for this tick, not waited for.
      leaseWaitMs: 0,
      busyHint: 'The daemon tries it again at its next scheduled run.',
    });
    let results: SourceRunResult[];
    try {
      // The run log says why the tick ran: `schedule` for cron, `catch-up` for the start-up run.
      results = await runner.runAll({ kind: 'scheduled' }, runId, reason);
    } catch (error) {
      // Only the database itself failing gets here: every source failure is a result.
      log.error({ err: error }, 'scheduled run failed');
      results = [];
    }
    if (this.deps.store.engine === 'postgres') {
      const before = results;
      results = await this.takeOverAbandoned(runner, before, runId, reason, log).catch((error: unknown) => {
        log.error({ err: error }, 'watching the sources other workers had failed');
        return before;
      });
    }
    this.metrics.recordTick(results);
    const durationMs = this.now().getTime() - startedAt.getTime();
    const sources = results.map((r) => ({
      source: r.sourceId,
      status: r.status,
      windows: r.windowsDone,
      rows: r.rows,
      requests: r.requests,
      ...(r.error ? { error: r.error } : {}),
      // Windows that did not commit; the next tick fetches them again from the cursor.
      ...(r.failedWindows ? { failedWindows: r.failedWindows.map((f) => f.window) } : {}),
    }));
    const failed = results.filter((r) => r.status === 'failed').map((r) => r.sourceId);
    const unfinished = results.filter((r) => r.status === 'busy' || r.status === 'interrupted').map((r) => r.sourceId);
    const next = this.schedule.next(this.now());
    const summary = { reason, durationMs, sources, nextRunAt: next?.toISOString() };
    if (failed.length > 0) log.error({ ...summary, failed }, `scheduled run finished; ${failed.join(', ')} failed and will be tried again at the next run`);
    else if (unfinished.length > 0) log.warn({ ...summary, unfinished }, 'scheduled run finished; some sources did not run to the end');
    else log.info(summary, 'scheduled run finished');
    const published = await this.publisher?.publish({ runId, startedAt });
    return { runId, reason, startedAt, results, published };
  }

  /**
   * Several workers share a PostgreSQL database: a source another worker had at this tick is
   * watched until that worker lets it go. A live worker renews its lease and deletes it when
   * done, so a lease still there after its expiry was left by a worker that died; this worker
   * then runs the source from its cursor rather than leaving it to the next tick. Watching stops
   * at the next scheduled run, or when the daemon stops.
   */
  private async takeOverAbandoned(runner: Runner, results: SourceRunResult[], runId: string, reason: string, log: Logger): Promise<SourceRunResult[]> {
    const until = this.schedule.next(this.now())?.getTime() ?? Number.POSITIVE_INFINITY;
    const sleep = this.deps.sleep ?? ((ms: number) => defaultSleep(ms, this.signal));
    const out = [...results];
    for (const [i, result] of results.entries()) {
      const cfg = this.deps.config.sources.find((s) => s.id === result.sourceId);
      if (result.status !== 'busy' || cfg === undefined) continue;
      while (!this.signal.aborted) {
        const lease = await this.deps.store.db.selectFrom('leases').select(['holder', 'expires_at']).where('source_id', '=', cfg.id).executeTakeFirst();
        if (lease === undefined) break;
        const wait = Date.parse(lease.expires_at) - this.now().getTime();
        if (wait < 0) {
          log.warn({ source: cfg.id, holder: lease.holder, expiredAt: lease.expires_at }, 'the worker ingesting this source stopped renewing its lease: taking the source over');
          out[i] = await runner.runSource(cfg, { kind: 'scheduled' }, runId, reason);
          break;
        }
        if (this.now().getTime() + wait >= until) break;
        await sleep(wait + 1_000).catch(() => undefined);
      }
    }
    return out;
  }

  /**
   * The scheduled run due last at or before `now`, when an enabled source has not started a
   * scheduled run since (the daemon was down, or this is its first start).
   */
  async missedRun(now: Date): Promise<{ due: Date; sources: string[] } | undefined> {
    const due = this.schedule.previous(now);
    if (!due) return undefined;
    const behind: string[] = [];
    for (const s of this.deps.config.sources) {
      if (!s.enabled) continue;
      const last = await this.deps.store.db
        .selectFrom('ingest_run_log')
        .select((eb) => eb.fn.max('started_at').as('started_at'))
        .where('source_id', '=', s.id)
        .where('trigger', 'in', SCHEDULED_TRIGGERS)
        .executeTakeFirst();
      const startedAt = last?.started_at ?? null;
      if (startedAt === null || startedAt < due.toISOString()) behind.push(s.id);
    }
    return behind.length > 0 ? { due, sources: behind } : undefined;
  }

  /** Runs now if the last scheduled run was missed; resolves when that run is done. */
  async catchUp(): Promise<TickReport | undefined> {
    const missed = await this.missedRun(this.now());
    if (!missed) return undefined;
    this.deps.log.info(
      { due: missed.due.toISOString(), sources: missed.sources },
      'the scheduled run due while the daemon was down was missed: running it now',
    );
    return this.tick('catch-up');
  }

  /**
   * Health endpoint (if enabled), the cron timer, then the catch-up run in the background (its
   * promise is returned for whoever wants to wait for it).
   */
  async start(): Promise<{ catchUp: Promise<TickReport | undefined> }> {
    const { config, log } = this.deps;
    if (config.health.enabled) {
      const { host, port } = config.health;
      this.health = await startHealthServer(host, port, {
        health: () => this.healthBody(),
        metrics: () => this.metricsText(),
      }, log.child({ component: 'health' })).catch((e: NodeJS.ErrnoException) => {
        // A taken or forbidden address is the config's to fix (exit 2), named as the file names it.
        const why = { EADDRINUSE: 'already in use', EACCES: 'not permitted', EADDRNOTAVAIL: 'not an address of this machine', ENOTFOUND: 'unknown host' }[e.code ?? ''];
        throw why === undefined ? e : new UsageError(`${config.file}: health.host/health.port: cannot listen on ${host}:${port} (${why})`);
      });
    }
    const cronLog = log.child({ component: 'node-cron' });
    this.task = cron.schedule(
      config.schedule.cron,
      async () => {
        await this.tick('schedule');
      },
      {
        name: 'pauta-daemon',
        timezone: config.schedule.timezone,
        noOverlap: true,
        logger: {
          info: (m) => cronLog.debug(m),
          warn: (m) => cronLog.warn(m),
          error: (m, e) => cronLog.error({ err: e ?? m }, describeError(m)),
          debug: (m) => cronLog.debug({ err: m }, describeError(m)),
        },
      },
    );
    const next = this.schedule.next(this.now());
    log.info(
      {
        cron: config.schedule.cron,
        timezone: config.schedule.timezone,
        nextRunAt: next?.toISOString(),
        sources: config.sources.filter((s) => s.enabled).map((s) => s.id),
        holder: this.holder,
      },
      'daemon started',
    );
    const catchUp = this.catchUp().catch((error: unknown) => {
      log.error({ err: error }, 'catch-up run failed');
      return undefined;
    });
    return { catchUp };
  }

  /** Stops the timer, lets the window in flight commit or roll back, closes the endpoint. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.deps.log.info({ reason }, 'daemon stopping');
      this.controller.abort(new Error(`daemon stopped (${reason})`));
      await this.task?.stop();
      await this.task?.destroy();
      await this.current?.catch(() => undefined);
      await this.health?.close();
      this.schedule.dispose();
      this.deps.log.info({ reason }, 'daemon stopped');
      this.resolveStopped();
    })();
    return this.stopping;
  }

  /** Resolves once `stop` has finished. */
  done(): Promise<void> {
    return this.stopped;
  }

  async healthBody(): Promise<{ ok: boolean; body: unknown }> {
    const now = this.now();
    const status = await sourceStatus(this.deps.store, this.deps.config, now, this.deps.config.schedule.stale_after_days);
    const stale = status.filter((s) => s.stale).map((s) => s.sourceId);
    const state = this.signal.aborted ? 'stopping' : stale.length > 0 ? 'stale' : 'ok';
    return {
      ok: state === 'ok',
      body: {
        status: state,
        now: now.toISOString(),
        running: this.current !== undefined,
        lastRunAt: this.lastTickAt?.toISOString() ?? null,
        nextRunAt: this.schedule.next(now)?.toISOString() ?? null,
        staleAfterDays: this.deps.config.schedule.stale_after_days,
        sources: status.map((s) => ({
          id: s.sourceId,
          enabled: s.enabled,
          lastDate: s.lastDate,
          lagDays: s.lagDays,
          stale: s.stale,
          lastRun: s.lastRun ? { status: s.lastRun.status, finishedAt: s.lastRun.finishedAt, error: s.lastRun.error } : null,
        })),
      },
    };
  }

  async metricsText(): Promise<string> {
    const now = this.now();
    const status = await sourceStatus(this.deps.store, this.deps.config, now, this.deps.config.schedule.stale_after_days);
    return this.metrics.render(status, { lastTickAt: this.lastTickAt, nextTickAt: this.schedule.next(now) });
  }
}
