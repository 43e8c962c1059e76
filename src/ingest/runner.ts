// Runs one source over its windows: lease, accounts, plan, fetch, validate, reconcile, commit.
// Connectors only talk to their platform; everything stateful happens here, once.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { PautaConfig } from '../config/load.ts';
import { typedState } from '../connectors/state.ts';
import { linkedSignal } from '../core/abort.ts';
import type { Connector, ConnectorContext, Session, SourceAccounts, SourceConfigBase } from '../connectors/types.ts';
import type { DateWindow } from '../core/dates.ts';
import { QuotaExhaustedError, describeError } from '../core/errors.ts';
import { GeoOverflowError, reconcileGeo } from '../core/geo.ts';
import type { Logger } from '../core/log.ts';
import type { AccountInfo, CampaignDay, SourceState, StoredDay, TargetAssignment } from '../core/records.ts';
import { redact } from '../core/redact.ts';
import { targetAssignment } from '../indicators/targets.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_LEASE_TTL_MS, commandHolder, holderIsDeadHere } from './lease-holder.ts';
import { inWindowOrder } from './pipeline.ts';
import { lastCompleteDay, nextCursor, planBackfill, planScheduled } from './plan.ts';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.ts';
import { validateDay } from './validate.ts';
import {
  DEFAULT_WINDOW_RETRY,
  fetchWindowWithRetry,
  type WindowAttemptFailure,
  type WindowFailureKind,
  type WindowRetryDeps,
  type WindowRetryPolicy,
} from './window-retry.ts';

export type RunMode =
  | { kind: 'scheduled' }
  | { kind: 'backfill'; from: string; to: string };

export interface RunnerDeps {
  store: Store;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  retry?: RetryPolicy;
  /** How often a failed window is fetched again within the run (default DEFAULT_WINDOW_RETRY). */
  windowRetry?: WindowRetryPolicy;
  signal?: AbortSignal | undefined;
  /** Identifies this process in the lease table (`host:pid:tag`, so a dead holder is recognised). */
  holder?: string;
  /** How long a lease lasts without its heartbeat (renewed every third of it). Default 30 s. */
  leaseTtlMs?: number;
  /** How long to wait for another process's lease before giving up (0: don't wait). */
  leaseWaitMs?: number;
  /** What the caller can do about a busy source, ending the `busy` message (default: try again later). */
  busyHint?: string;
  /** Called once a source's windows are known, before the first is fetched (progress totals). */
  onPlan?: (event: PlanEvent) => void;
  /** Called after each window, for progress display. */
  onWindow?: (event: WindowEvent) => void;
}

export interface PlanEvent {
  sourceId: string;
  windows: DateWindow[];
}

export interface WindowEvent {
  sourceId: string;
  window: DateWindow;
  index: number;
  total: number;
  rows: number;
  /** Platform requests the window took (attempts through `ctx.call`, retries included). */
  requests: number;
  durationMs: number;
  status: 'ok' | 'failed' | 'interrupted';
}

/** `interrupted`: the run's signal was aborted (shutdown); whatever window was in flight rolled back. */
export type SourceStatus = 'ok' | 'failed' | 'busy' | 'disabled' | 'interrupted';

export interface SourceRunResult {
  sourceId: string;
  status: SourceStatus;
  windows: DateWindow[];
  windowsDone: number;
  rows: number;
  /** Platform requests made (attempts through `ctx.call`, retries included). */
  requests: number;
  durationMs: number;
  error?: string | undefined;
  /** A backfill end moved back to the last complete day. */
  clampedTo?: string | undefined;
  /** Accounts a window could not read (their stored rows were kept), one per account and window. */
  skipped?: string[] | undefined;
  /** Windows that did not commit, in order, with why; the cursor stays before the first of them. */
  failedWindows?: FailedWindow[] | undefined;
  /** Windows never fetched because the source stopped (a permanent failure or a shutdown). */
  notFetched?: DateWindow[] | undefined;
  /** Fetches of a window (or of the accounts) that failed for a transient cause and were made again. */
  retries?: number | undefined;
}

export interface FailedWindow {
  window: DateWindow;
  /** How many times it was fetched in this run. */
  attempts: number;
  kind: WindowFailureKind;
  error: string;
}

/** Waits `ms`, or less if the signal aborts; whichever ends it removes the other (a daemon sleeps millions of times). */
export const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function defaultHolder(): string {
  return commandHolder();
}

export function newRunId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}

/**
 * Windows of one source fetched at once when neither the source nor its connector says: one,
 * the plain loop. Connectors whose reports are waited for (DV360, X) declare more.
 */
export const DEFAULT_WINDOWS_AT_ONCE = 1;

/** How many windows a source fetches ahead of the one it commits next. */
export function windowsAtOnce(connector: Connector<any>, cfg: SourceConfigBase): number {
  return cfg.windows_at_once ?? connector.windowsAtOnce ?? DEFAULT_WINDOWS_AT_ONCE;
}

/** What one window's fetch cost: requests made within it (the run's counter is shared by the windows in flight). */
interface WindowMeter {
  startedMs: number;
  startedAt: string;
  requests: number;
}

/** The window whose fetch a platform request belongs to, for per-window request counts. */
const currentWindow = new AsyncLocalStorage<WindowMeter>();

/** Lookback and window size: the source's config if given, else the connector's defaults. */
export function effectiveLimits(connector: Connector<any>, cfg: SourceConfigBase): { lookbackDays: number; maxWindowDays: number } {
  return {
    lookbackDays: cfg.lookback_days ?? connector.lookbackDays,
    maxWindowDays: Math.min(cfg.max_window_days ?? connector.maxWindowDays, connector.maxWindowDays),
  };
}

/** What a connector context is made of: a runner's deps, or for `check` a state kept in memory. */
export type ContextDeps = Omit<RunnerDeps, 'store'> & ({ store: Store } | { store?: undefined; state: SourceState });

export function makeContext(
  cfg: SourceConfigBase,
  deps: ContextDeps,
  log: Logger,
  /** Told of every request attempt, for request counts. */
  onRequest?: () => void,
): ConnectorContext {
  const sleep = deps.sleep ?? ((ms: number) => defaultSleep(ms, deps.signal));
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const counted = <T>(request: () => Promise<T>) => () => {
    onRequest?.();
    return request();
  };
  return {
    sourceId: cfg.id,
    log,
    env: deps.env ?? process.env,
    call: (label, request) => withRetry(label, counted(request), policy, { sleep, log, signal: deps.signal }),
    sleep,
    now: deps.now ?? (() => new Date()),
    state: typedState(deps.store ? deps.store.connectorState(cfg.id) : deps.state, cfg.id),
    signal: deps.signal,
  };
}

export class Runner {
  /** The plan's rule for which target each stored campaign counts toward. */
  private readonly targets: TargetAssignment;

  constructor(
    private readonly config: PautaConfig,
    private readonly connectors: ReadonlyMap<string, Connector<any>>,
    private readonly deps: RunnerDeps,
  ) {
    this.targets = targetAssignment(config.targets);
  }

  /** Elapsed real time for durations: the injected `now` may be a fixed or simulated clock. */
  private clockMs(): number {
    return performance.now();
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private sleep(ms: number): Promise<void> {
    return this.deps.sleep?.(ms) ?? defaultSleep(ms, this.deps.signal);
  }

  /**
   * Runs every enabled source (or the one named), all at once: each has its own lease, session,
   * retries and request budget, so a run takes as long as its slowest source, and a failing source
   * never stops the others. Results come in the config's order.
   */
  async runAll(mode: RunMode, runId: string, trigger: string, only?: string): Promise<SourceRunResult[]> {
    const runs: Promise<SourceRunResult>[] = [];
    for (const cfg of this.config.sources) {
      if (only !== undefined && cfg.id !== only) continue;
      if (!cfg.enabled && only === undefined) {
        runs.push(Promise.resolve({ sourceId: cfg.id, status: 'disabled', windows: [], windowsDone: 0, rows: 0, requests: 0, durationMs: 0 }));
        continue;
      }
      if (this.deps.signal?.aborted) break;
      runs.push(this.runSource(cfg, mode, runId, trigger));
    }
    // Only the database failing rejects; the other sources are let finish before it is thrown.
    const settled = await Promise.allSettled(runs);
    const broken = settled.find((s) => s.status === 'rejected');
    if (broken) throw broken.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<SourceRunResult>).value);
  }

  /** Plans the windows a run would fetch, without fetching (backfill --dry-run). */
  async plan(cfg: SourceConfigBase, mode: RunMode, accounts: AccountInfo[]): Promise<{ windows: DateWindow[]; clampedTo?: string }> {
    const connector = this.connectorFor(cfg);
    const { lookbackDays, maxWindowDays } = effectiveLimits(connector, cfg);
    const lastComplete = lastCompleteDay(this.now(), accounts.map((a) => a.timeZone));
    if (mode.kind === 'backfill') {
      return planBackfill({ from: mode.from, to: mode.to, lastComplete, maxWindowDays });
    }
    const cursor = await this.deps.store.getCursor(cfg.id);
    return { windows: planScheduled({ cursor, lastComplete, lookbackDays, maxWindowDays, startDate: cfg.start_date }) };
  }

  connectorFor(cfg: SourceConfigBase): Connector<any> {
    const connector = this.connectors.get(cfg.platform);
    if (!connector) throw new Error(`source ${cfg.id}: no connector for platform ${cfg.platform}`);
    return connector;
  }

  async runSource(cfg: SourceConfigBase, mode: RunMode, runId: string, trigger: string): Promise<SourceRunResult> {
    const { store } = this.deps;
    const log = this.deps.log.child({ runId, source: cfg.id });
    const holder = this.deps.holder ?? defaultHolder();
    const started = this.now();
    const startedMs = this.clockMs();
    const startedAt = started.toISOString();
    const result: SourceRunResult = { sourceId: cfg.id, status: 'ok', windows: [], windowsDone: 0, rows: 0, requests: 0, durationMs: 0 };
    const finish = (): SourceRunResult => {
      result.durationMs = Math.round(this.clockMs() - startedMs);
      return result;
    };

    const lease = await this.acquireLease(cfg.id, holder, log);
    if (!lease.ok) {
      result.status = 'busy';
      result.error = lease.message;
      log.warn(lease.message);
      await store.logRun({ runId, sourceId: cfg.id, trigger, status: 'busy', error: lease.message, startedAt, finishedAt: this.now().toISOString() });
      return finish();
    }
    // The heartbeat keeps the short lease alive; if another process took it (this one stalled
    // past the TTL), no further window is committed.
    let leaseLost = false;
    const heartbeat = setInterval(() => {
      store.acquireLease(cfg.id, holder, this.now(), this.leaseTtl()).then(
        (renewed) => {
          if (!renewed.acquired && !leaseLost) {
            leaseLost = true;
            log.error({ holder: renewed.holder }, `source ${cfg.id}: the lease was taken over by ${renewed.holder}; no further window is committed`);
          }
        },
        () => undefined,
      );
    }, Math.max(1_000, Math.floor(this.leaseTtl() / 3)));
    heartbeat.unref();

    // One session per source run: the connector's clients and tokens live on it, and it is
    // closed whatever happens.
    let session: Session | undefined;
    /** The window the loop is at, so a failure outside a window (the database) still says what is left. */
    let current: number | undefined;
    // Windows still in flight when the source stops (a permanent failure, a lost lease) stop
    // waiting on their reports; a shutdown of the run stops them too.
    const stopWindows = linkedSignal(this.deps.signal);
    const signal = stopWindows.signal;
    try {
      const connector = this.connectorFor(cfg);
      const ctx = makeContext(cfg, { ...this.deps, signal }, log, () => {
        result.requests += 1;
        const window = currentWindow.getStore();
        if (window) window.requests += 1;
      });
      session = connector.open(cfg, ctx);
      const opened = session;
      // The accounts are read like a window: an outage longer than the request retries is waited out.
      const listed = await fetchWindowWithRetry(() => opened.accounts(), {
        ...this.windowRetryDeps(signal),
        onAttemptFailed: async (f) => {
          if (f.retryInMs === undefined) return;
          result.retries = (result.retries ?? 0) + 1;
          const message = `source ${cfg.id}: reading the accounts, attempt ${f.attempt} of ${f.attempts} failed: ${redact(describeError(f.error))}; read again in ${Math.round(f.retryInMs / 1000)} s`;
          log.warn({ attempt: f.attempt, attempts: f.attempts, waitMs: f.retryInMs }, message);
          await store.logRun({ runId, sourceId: cfg.id, trigger, status: 'retried', error: message, startedAt, finishedAt: this.now().toISOString() });
        },
      });
      if (!listed.ok) throw listed.error;
      const found = listed.value;
      await store.saveAccounts(cfg.id, found.accounts, this.now().toISOString());
      for (const s of found.skipped) log.warn({ account: s.accountId }, s.reason);
      const plan = await this.plan(cfg, mode, found.accounts);
      result.windows = plan.windows;
      result.clampedTo = plan.clampedTo;
      if (plan.clampedTo) log.info({ to: plan.clampedTo }, 'backfill end moved to the last complete day');
      this.deps.onPlan?.({ sourceId: cfg.id, windows: plan.windows });
      let cursor = await store.getCursor(cfg.id);
      const failed: FailedWindow[] = [];
      const stopWith = (index: number) => {
        const rest = plan.windows.slice(index);
        if (rest.length > 0) result.notFetched = rest;
      };
      const stopLeaseLost = (index: number) => {
        result.status = 'failed';
        result.error = `source ${cfg.id}: the lease was taken over by another process after ${result.windowsDone} of ${plan.windows.length} window(s); the next run goes on from the cursor`;
        stopWith(index);
      };
      // Several windows are fetched at once (reports started together), but each is committed
      // only after every window before it, so the cursor moves exactly as one at a time.
      const meters = new Map<number, WindowMeter>();
      const fetchOne = (window: DateWindow, index: number) => {
        const meter: WindowMeter = { startedMs: this.clockMs(), startedAt: this.now().toISOString(), requests: 0 };
        meters.set(index, meter);
        return currentWindow.run(meter, () => this.fetchWindowRetrying(opened, connector.platform, window, found, signal, { runId, sourceId: cfg.id, trigger, log }, () => {
            result.retries = (result.retries ?? 0) + 1;
          }),
        );
      };
      // A shutdown starts no window; one read in full despite it is still committed.
      const interruptedAt = (index: number): boolean => {
        if (!this.deps.signal?.aborted) return false;
        result.status = 'interrupted';
        result.error = `source ${cfg.id}: interrupted after ${result.windowsDone} of ${plan.windows.length} window(s)`;
        log.warn({ windowsDone: result.windowsDone, windows: plan.windows.length }, 'interrupted before all windows ran');
        stopWith(index);
        return true;
      };
      const windows = interruptedAt(0) ? [] : plan.windows;
      for await (const settled of inWindowOrder(windows, windowsAtOnce(connector, cfg), fetchOne)) {
        const { item: window, index } = settled;
        current = index;
        const meter = meters.get(index)!;
        meters.delete(index);
        if (leaseLost) {
          stopLeaseLost(index);
          stopWindows.abort();
          break;
        }
        const event = (status: WindowEvent['status'], rows: number): WindowEvent => ({
          sourceId: cfg.id,
          window,
          index,
          total: plan.windows.length,
          rows,
          requests: meter.requests,
          durationMs: Math.round(this.clockMs() - meter.startedMs),
          status,
        });
        // fetchWindowRetrying settles every failure into its result; anything else is a bug here.
        if (!settled.ok) throw settled.error;
        const fetched = settled.value;
        if (fetched.ok && !leaseLost) {
          // A window that failed earlier in this run holds the cursor before it: later windows are stored, the cursor waits.
          const moved = failed.some((f) => cursor === undefined || f.window.to > cursor) ? undefined : nextCursor(cursor, window);
          const { value } = fetched;
          const rows = await store.commitWindow({
            runId,
            sourceId: cfg.id,
            trigger,
            window,
            accounts: value.accounts,
            days: value.days,
            targetOf: this.targets.targetOf,
            startedAt: meter.startedAt,
            finishedAt: this.now().toISOString(),
            note: value.skipped.length > 0 ? value.skipped.join('; ') : undefined,
            cursor: moved,
            lease: { holder, now: this.now().toISOString() },
          });
          if (moved !== undefined) cursor = moved;
          result.rows += rows;
          result.windowsDone += 1;
          const done = event('ok', rows);
          log.info({ window, rows, days: value.days.length, requests: done.requests, durationMs: done.durationMs, attempts: fetched.attempts }, 'window stored');
          for (const s of value.skipped) log.warn({ window }, s);
          if (value.skipped.length > 0) (result.skipped ??= []).push(...value.skipped.map((s) => `${window.from}..${window.to}: ${s}`));
          this.deps.onWindow?.(done);
          // Checked before the loop takes the next window.
          if (index + 1 < plan.windows.length && interruptedAt(index + 1)) {
            stopWindows.abort();
            break;
          }
          continue;
        }
        if (fetched.ok) {
          stopLeaseLost(index);
          stopWindows.abort();
          break;
        }
        // A shutdown aborts the signal; the window's transaction never began, so nothing of it
        // is stored and the next run fetches it again.
        const interrupted = fetched.kind === 'interrupted';
        const message = interrupted
          ? `source ${cfg.id}, window ${window.from}..${window.to} interrupted by shutdown: nothing of it was stored; the next run fetches it again`
          : windowError(cfg.id, window, fetched.error, fetched.attempts);
        failed.push({ window, attempts: fetched.attempts, kind: fetched.kind, error: message });
        result.failedWindows = failed;
        result.status = interrupted ? 'interrupted' : 'failed';
        result.error = failed.length > 1 && !interrupted ? `${failed.length} windows failed; first: ${failed[0]!.error}` : message;
        const failedEvent = event(result.status, 0);
        if (interrupted) log.warn({ window, durationMs: failedEvent.durationMs }, message);
        else log.error({ window, requests: failedEvent.requests, durationMs: failedEvent.durationMs, attempts: fetched.attempts, err: redact(describeError(fetched.error)) }, message);
        await store.logRun({ runId, sourceId: cfg.id, trigger, window, status: 'failed', error: message, startedAt: meter.startedAt, finishedAt: this.now().toISOString() });
        this.deps.onWindow?.(failedEvent);
        if (interrupted) {
          stopWith(index + 1);
          break;
        }
        if (fetched.kind === 'permanent') {
          // Credentials, permission, a daily quota or an unreadable payload: the next windows
          // would meet the same. The next run starts again from the cursor.
          log.error({ windowsLeft: plan.windows.length - index - 1 }, `source ${cfg.id} stops for this run: the cause is not transient`);
          stopWith(index + 1);
          break;
        }
        // Transient, its attempts spent: the later windows are fetched and stored; the cursor stays before this one.
      }
      if (result.status === 'ok') {
        log.info(
          { windows: result.windowsDone, rows: result.rows, requests: result.requests, durationMs: Math.round(this.clockMs() - startedMs) },
          plan.windows.length === 0 ? 'up to date' : 'source done',
        );
      } else if (failed.length > 0 && result.status === 'failed') {
        log.error(
          { windows: result.windowsDone, failed: failed.map((f) => f.window), rows: result.rows, requests: result.requests },
          `source ${cfg.id}: ${failed.length} window(s) failed, ${result.windowsDone} stored; the cursor stays before ${failed[0]!.window.from}`,
        );
      }
    } catch (error) {
      const interrupted = this.deps.signal?.aborted === true;
      const message = interrupted
        ? `source ${cfg.id}: interrupted by shutdown before any window was fetched`
        : `source ${cfg.id}: ${redact(describeError(error))}`;
      result.status = interrupted ? 'interrupted' : 'failed';
      result.error = message;
      if (current !== undefined) result.notFetched = result.windows.slice(current);
      if (interrupted) log.warn(message);
      else log.error(message);
      await store.logRun({ runId, sourceId: cfg.id, trigger, status: 'failed', error: message, startedAt, finishedAt: this.now().toISOString() });
    } finally {
      clearInterval(heartbeat);
      stopWindows.dispose();
      await closeSession(session, log);
      await store.releaseLease(cfg.id, holder);
    }
    return finish();
  }

  private leaseTtl(): number {
    return this.deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  private async acquireLease(sourceId: string, holder: string, log: Logger): Promise<{ ok: true } | { ok: false; message: string }> {
    const deadline = this.now().getTime() + (this.deps.leaseWaitMs ?? 0);
    for (;;) {
      const lease = await this.deps.store.acquireLease(sourceId, holder, this.now(), this.leaseTtl());
      if (lease.acquired) return { ok: true };
      // A process on this host that no longer exists (killed, out of memory) cannot come back for it.
      if (holderIsDeadHere(lease.holder) && (await this.deps.store.takeOverLease(sourceId, lease.holder, holder, this.now(), this.leaseTtl()))) {
        log.warn({ deadHolder: lease.holder, since: lease.acquiredAt }, `source ${sourceId}: the lease of ${lease.holder} was taken over: that process no longer exists on this host`);
        return { ok: true };
      }
      if (this.now().getTime() >= deadline || this.deps.signal?.aborted) {
        return {
          ok: false,
          message: `source ${sourceId} is being ingested by another process (${lease.holder}, since ${lease.acquiredAt}); nothing was fetched. ${this.deps.busyHint ?? 'Try again later.'}`,
        };
      }
      await this.sleep(2_000);
    }
  }

  /** `signal`: the source run's, aborted by a shutdown or when the source stops with windows in flight. */
  private windowRetryDeps(signal: AbortSignal): Omit<WindowRetryDeps, 'onAttemptFailed'> {
    return {
      policy: this.deps.windowRetry ?? DEFAULT_WINDOW_RETRY,
      maxRateLimitWaitMs: (this.deps.retry ?? DEFAULT_RETRY_POLICY).maxRateLimitWaitMs,
      sleep: (ms) => this.deps.sleep?.(ms) ?? defaultSleep(ms, signal),
      signal,
    };
  }

  /**
   * One window, fetched again while its failure is transient (window-retry.ts). Every failed
   * attempt that is fetched again gets a `retried` run-log entry; the final failure is the caller's.
   */
  private fetchWindowRetrying(
    session: Session,
    platform: string,
    window: DateWindow,
    found: SourceAccounts,
    signal: AbortSignal,
    run: { runId: string; sourceId: string; trigger: string; log: Logger },
    onRetry: () => void,
  ) {
    let attemptStarted = this.now().toISOString();
    return fetchWindowWithRetry(
      () => {
        attemptStarted = this.now().toISOString();
        return this.fetchWindow(session, platform, window, found);
      },
      {
        ...this.windowRetryDeps(signal),
        onAttemptFailed: async (f: WindowAttemptFailure) => {
          if (f.retryInMs === undefined) return;
          onRetry();
          const message = `source ${run.sourceId}, window ${window.from}..${window.to} attempt ${f.attempt} of ${f.attempts} failed: ${redact(describeError(f.error))}; fetched again in ${Math.round(f.retryInMs / 1000)} s`;
          run.log.warn({ window, attempt: f.attempt, attempts: f.attempts, waitMs: f.retryInMs }, message);
          await this.deps.store.logRun({ ...run, window, status: 'retried', error: message, startedAt: attemptStarted, finishedAt: this.now().toISOString() });
        },
      },
    );
  }

  /**
   * Collects one window's events and checks them before anything is written. It holds nothing
   * but this window's rows, so it can run again for the same window or for several at once.
   */
  private async fetchWindow(
    session: Session,
    platform: string,
    window: DateWindow,
    found: SourceAccounts,
  ): Promise<{ accounts: string[]; days: StoredDay[]; skipped: string[] }> {
    const pending = new Map<string, StoredDay[]>();
    const accounts: string[] = [];
    const days: StoredDay[] = [];
    const skipped = found.skipped.map((s) => `account ${s.accountId} skipped: ${s.reason}`);
    const keys = new Set<string>();
    for await (const event of session.fetch(window, found.accounts)) {
      if (event.kind === 'day') {
        const day = validateDay(event.day, window);
        const key = `${day.accountId}|${day.campaignId}|${day.date}`;
        if (keys.has(key)) throw new Error(`campaign ${day.campaignId} on ${day.date} was returned twice`);
        keys.add(key);
        const stored = toStoredDay(day, platform);
        const list = pending.get(day.accountId) ?? [];
        list.push(stored);
        pending.set(day.accountId, list);
      } else if (event.kind === 'account_done') {
        accounts.push(event.accountId);
        days.push(...(pending.get(event.accountId) ?? []));
        pending.delete(event.accountId);
      } else {
        skipped.push(`account ${event.accountId} skipped: ${event.reason}`);
        pending.delete(event.accountId);
      }
    }
    const unfinished = [...pending.keys()];
    if (unfinished.length > 0) {
      throw new Error(`connector returned rows for account ${unfinished.join(', ')} without finishing it`);
    }
    return { accounts, days, skipped };
  }
}

async function closeSession(session: Session | undefined, log: Logger): Promise<void> {
  try {
    await session?.close();
  } catch (error) {
    log.warn({ err: redact(describeError(error)) }, 'the connector session did not close cleanly');
  }
}

function toStoredDay(day: CampaignDay, platform: string): StoredDay {
  try {
    return { ...day, platform, geo: reconcileGeo(day.impressions, day.geo) };
  } catch (e) {
    if (e instanceof GeoOverflowError) {
      throw new Error(`campaign ${day.campaignId} on ${day.date}: ${e.message}`);
    }
    throw e;
  }
}

function windowError(sourceId: string, window: DateWindow, error: unknown, attempts: number): string {
  const kind = error instanceof QuotaExhaustedError ? 'quota exhausted' : 'failed';
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return `source ${sourceId}, window ${window.from}..${window.to} ${kind}${tries}: ${redact(describeError(error))}`;
}
