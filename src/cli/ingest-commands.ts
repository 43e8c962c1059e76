// `pauta run` (one scheduled cycle now) and `pauta backfill --from --to [--source] [--dry-run]`:
// the same runner, the daemon's code path. Ctrl-C or SIGTERM stops after the window in flight
// commits or rolls back; running the same command again finishes the job (windows are replaced
// whole, so nothing is skipped or counted twice, and the cursor never moves backwards).
import type { Command } from 'commander';
import type { SourceConfigBase } from '../connectors/types.ts';
import type { AccountInfo } from '../core/records.ts';
import { addDays, windowDays, type DateWindow } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';
import { onShutdownSignals } from '../daemon/signals.ts';
import type { PlanEvent, RunMode, SourceRunResult, WindowEvent } from '../ingest/runner.ts';
import { EXIT, action, checkSourceOption, globalOptions, logLevel, openApp, type App, type GlobalOptions } from './app.ts';
import { parseNonNegativeInt, requireDateOption } from './args.ts';
import { createProgress, formatDuration } from './progress.ts';

const count = (n: number) => n.toLocaleString('en-US');

export function summarize(results: readonly SourceRunResult[]): string {
  return results
    .map((r) => {
      const head = `${r.sourceId}: ${r.status}`;
      const body =
        r.status === 'ok' || r.status === 'interrupted' || (r.status === 'failed' && r.windowsDone > 0)
          ? ` (${r.windowsDone} window(s), ${count(r.rows)} row(s), ${count(r.requests ?? 0)} request(s), ${formatDuration(r.durationMs ?? 0)})`
          : '';
      // An ok source that could not read some accounts says so: "0 row(s)" alone would look like no traffic.
      const skipped = r.skipped && r.skipped.length > 0 ? `\n  ${r.skipped.length} account window(s) not read, stored rows kept — e.g. ${r.skipped[0]}` : '';
      // Every window that did not commit, with its own cause; the later windows were stored.
      const failed = (r.failedWindows ?? []).length > 1 ? r.failedWindows!.map((f) => `\n  failed ${f.window.from}..${f.window.to}: ${f.error}`).join('') : '';
      const notFetched = r.notFetched && r.notFetched.length > 0 ? `\n  not fetched: ${r.notFetched.length} window(s), ${r.notFetched[0]!.from}..${r.notFetched.at(-1)!.to}` : '';
      return `${head}${body}${r.error ? ` — ${r.error}` : ''}${failed}${notFetched}${skipped}`;
    })
    .join('\n');
}

export function exitCodeFor(results: readonly SourceRunResult[]): number {
  return results.some((r) => r.status !== 'ok' && r.status !== 'disabled') ? EXIT.sourceFailed : EXIT.ok;
}

export interface IngestOptions {
  source?: string | undefined;
  waitMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onPlan?: ((event: PlanEvent) => void) | undefined;
  onWindow?: ((event: WindowEvent) => void) | undefined;
  now?: (() => Date) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

function checkSource(app: App, source: string | undefined): void {
  checkSourceOption(app.config, source);
}

export async function ingest(app: App, mode: RunMode, trigger: string, opts: IngestOptions): Promise<SourceRunResult[]> {
  checkSource(app, opts.source);
  const { Runner, newRunId } = await import('../ingest/runner.ts');
  const runner = new Runner(app.config, app.registry, {
    store: app.store,
    log: app.log,
    leaseWaitMs: opts.waitMs ?? 0,
    busyHint: opts.waitMs ? 'Try again later, or pass a longer --wait SECONDS.' : 'Try again later, or pass --wait SECONDS to wait for it.',
    signal: opts.signal,
    onPlan: opts.onPlan,
    onWindow: opts.onWindow,
    now: opts.now,
    sleep: opts.sleep,
  });
  return runner.runAll(mode, newRunId(opts.now?.()), trigger, opts.source);
}

/** The sources a command covers: the one named (even if disabled), else every enabled one. */
function sourcesInScope(app: App, source: string | undefined): SourceConfigBase[] {
  return app.config.sources.filter((s) => (source === undefined ? s.enabled : s.id === source));
}

/** Who holds each source's lease right now, for a message before a backfill waits or gives up. */
async function liveLeases(app: App, now: Date): Promise<Map<string, { holder: string; since: string }>> {
  const rows = await app.store.db.selectFrom('leases').selectAll().where('expires_at', '>', now.toISOString()).execute();
  return new Map(rows.map((r) => [r.source_id, { holder: r.holder, since: r.acquired_at }]));
}

/** The windows of a run that did not commit, joined where they touch, in date order. */
export function unfinishedRanges(r: SourceRunResult): DateWindow[] {
  const windows = [...(r.failedWindows ?? []).map((f) => f.window), ...(r.notFetched ?? [])].sort((a, b) => a.from.localeCompare(b.from));
  const out: DateWindow[] = [];
  for (const w of windows) {
    const last = out.at(-1);
    if (last && w.from <= addDays(last.to, 1)) last.to = w.to > last.to ? w.to : last.to;
    else out.push({ ...w });
  }
  return out;
}

/**
 * How to finish what a backfill left undone: per unfinished source, one command per stretch of
 * windows that did not commit (windows that failed, and those never fetched after a stop or a
 * shutdown); a source that never got to plan its windows gets the whole range. Stored windows
 * stay, and re-running them would also be safe.
 */
export function resumeHints(
  app: App,
  range: { from: string; to: string } | undefined,
  source: string | undefined,
  results: readonly SourceRunResult[],
  global: GlobalOptions = {},
): string[] {
  // The same --config and --db, or the hint would finish the job in another database.
  const where = [global.config === undefined ? '' : ` --config ${shellWord(global.config)}`, global.db === undefined ? '' : ` --db ${shellWord(global.db)}`].join('');
  const byId = new Map(results.map((r) => [r.sourceId, r]));
  const hints: string[] = [];
  for (const cfg of sourcesInScope(app, source)) {
    const r = byId.get(cfg.id);
    if (r?.status === 'ok' || r?.status === 'disabled') continue;
    const why = r === undefined ? 'not started' : r.status;
    const stretches = r ? unfinishedRanges(r) : [];
    const ranges = stretches.length > 0 ? stretches : range ? [range] : [];
    for (const { from, to } of ranges) {
      hints.push(`  ${cfg.id} (${why}): npm run backfill --${where} --from ${from} --to ${to} --source ${cfg.id}`);
    }
  }
  return hints;
}

/** A path as one shell word. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface DryRunWindow {
  window: DateWindow;
  days: number;
  /** 0 when no account is queried. */
  requests: number | null;
  /** Accounts whose days in this window are older than the platform keeps (not queried, rows kept). */
  beyondRetention?: { accounts: number; of: number } | undefined;
}

export interface DryRunSource {
  sourceId: string;
  platform: string;
  windows: DryRunWindow[];
  /** Sum over the windows; null when the connector gives no estimate. */
  requests: number | null;
  clampedTo?: string | undefined;
  /** False before the first run: the end date was clamped assuming the westernmost zone. */
  zonesKnown: boolean;
  ingestingNow: { holder: string; since: string } | undefined;
  /** When some window reaches past the platform's retention: its rule, and the first date every account answers for. */
  retention?: { rule: string; earliest: string } | undefined;
}

/** The westernmost zone there is (UTC−12): its yesterday is the earliest anywhere. */
const WESTERNMOST_ZONE = 'Etc/GMT+12';

/** What a backfill would fetch, without touching the platforms or the database's data. */
export async function planDryRun(app: App, range: { from: string; to: string }, source: string | undefined, now: Date): Promise<DryRunSource[]> {
  checkSource(app, source);
  const { Runner } = await import('../ingest/runner.ts');
  const runner = new Runner(app.config, app.registry, { store: app.store, log: app.log, now: () => now });
  const leases = await liveLeases(app, now);
  const out: DryRunSource[] = [];
  for (const cfg of sourcesInScope(app, source)) {
    const stored = await app.store.db.selectFrom('accounts').selectAll().where('source_id', '=', cfg.id).execute();
    const accounts: AccountInfo[] =
      stored.length > 0
        ? stored.map((a) => ({ accountId: a.account_id, timeZone: a.time_zone }))
        : [{ accountId: '(unknown)', timeZone: WESTERNMOST_ZONE }];
    const plan = await runner.plan(cfg, { kind: 'backfill', ...range }, accounts);
    const connector = runner.connectorFor(cfg);
    const earliest = connector.retention ? accounts.map((a) => connector.retention!.earliestDate(now, a.timeZone)) : [];
    const windows = plan.windows.map((window): DryRunWindow => {
      const requests = connector.estimateRequests ? connector.estimateRequests(cfg, window) : null;
      // The connector skips an account's window that starts before its retention, as the platform would refuse it.
      const beyond = earliest.filter((date) => window.from < date).length;
      if (beyond === 0) return { window, days: windowDays(window), requests };
      return { window, days: windowDays(window), requests: beyond === accounts.length ? 0 : requests, beyondRetention: { accounts: beyond, of: accounts.length } };
    });
    const retention = connector.retention && windows.some((w) => w.beyondRetention)
      ? { rule: connector.retention.rule, earliest: earliest.reduce((a, b) => (a > b ? a : b)) }
      : undefined;
    out.push({
      sourceId: cfg.id,
      platform: cfg.platform,
      windows,
      requests: connector.estimateRequests ? windows.reduce((n, w) => n + (w.requests ?? 0), 0) : null,
      clampedTo: plan.clampedTo,
      zonesKnown: stored.length > 0,
      ingestingNow: leases.get(cfg.id),
      retention,
    });
  }
  return out;
}

export function renderDryRun(range: { from: string; to: string }, plan: readonly DryRunSource[]): string {
  const lines = [`dry run: backfill ${range.from}..${range.to}; nothing is fetched or written`];
  if (plan.length === 0) lines.push('no enabled sources');
  for (const s of plan) {
    const requests = s.requests === null ? `requests unknown (the ${s.platform} connector gives no estimate)` : `${count(s.requests)} request(s)`;
    lines.push(`${s.sourceId} (${s.platform}): ${s.windows.length} window(s), ${requests}`);
    if (s.clampedTo) lines.push(`  ends at ${s.clampedTo}, the last complete day${s.zonesKnown ? '' : ' (account time zones are known after the first run; assumed the westernmost)'}`);
    if (s.ingestingNow) lines.push(`  being ingested now by ${s.ingestingNow.holder} since ${s.ingestingNow.since}: the backfill would wait (--wait SECONDS) or stop for this source`);
    if (s.retention) {
      lines.push(`  ${s.retention.rule}: an account's window starting before ${s.retention.earliest} is not queried and its stored rows are kept (--from ${s.retention.earliest} or later reads every day)`);
    }
    for (const w of s.windows) {
      const requests = w.requests === null ? 'requests unknown' : `${count(w.requests)} request(s)`;
      const beyond = w.beyondRetention;
      const note = !beyond ? requests
        : beyond.accounts === beyond.of ? 'not queried (beyond retention)'
        : `${requests}; ${beyond.accounts} of ${beyond.of} account(s) not queried (beyond retention)`;
      lines.push(`  ${w.window.from}..${w.window.to}  ${String(w.days).padStart(3)} day(s)  ${note}`);
    }
  }
  const known = plan.filter((s) => s.requests !== null);
  const unknown = plan.filter((s) => s.requests === null).map((s) => s.sourceId);
  if (plan.length > 1) {
    const total = known.reduce((n, s) => n + s.requests!, 0);
    const windows = plan.reduce((n, s) => n + s.windows.length, 0);
    lines.push(`total: ${windows} window(s), ${count(total)} request(s)${unknown.length > 0 ? ` plus an unknown number for ${unknown.join(', ')}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerIngestCommands(program: Command): void {
  program
    .command('run')
    .description('run one scheduled cycle now: yesterday, the lookback and any gap, for every source')
    .option('--source <id>', 'only this source')
    .option('--wait <seconds>', 'wait this long for a source another process is ingesting')
    .action(
      action(async (opts: { source?: string; wait?: string }, cmd: Command) => {
        const waitMs = parseNonNegativeInt('wait', opts.wait, 0) * 1000;
        const global = globalOptions(cmd);
        const { createLogger } = await import('../core/log.ts');
        const app = await openApp(global, { source: opts.source, log: createLogger({ level: logLevel(global) }) });
        const shutdown = onShutdownSignals(app.log);
        try {
          const results = await ingest(app, { kind: 'scheduled' }, 'run', { source: opts.source, waitMs, signal: shutdown.signal });
          process.stdout.write(`${summarize(results)}\n`);
          // The next run fetches them anyway (the cursor stayed before them); this fetches them now.
          const hints = resumeHints(app, undefined, opts.source, results, global);
          if (hints.length > 0) process.stdout.write(`to fetch what did not commit now (the next run would too):\n${hints.join('\n')}\n`);
          return exitCodeFor(results);
        } finally {
          shutdown.dispose();
          await app.store.close();
        }
      }),
    );

  program
    .command('backfill')
    .description('fetch an explicit date range (account-local dates, inclusive) through the daemon\'s code path')
    .requiredOption('--from <date>', 'first date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last date, YYYY-MM-DD')
    .option('--source <id>', 'only this source')
    .option('--wait <seconds>', 'wait this long for a source another process (the daemon) is ingesting')
    .option('--dry-run', 'print the windows and the API requests per source, fetch nothing')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(
      action(async (opts: { from: string; to: string; source?: string; wait?: string; dryRun?: boolean; progress: boolean }, cmd: Command) => {
        const from = requireDateOption('from', opts.from);
        const to = requireDateOption('to', opts.to);
        if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
        const waitMs = parseNonNegativeInt('wait', opts.wait, 0) * 1000;
        const global = globalOptions(cmd);
        const range = { from, to };

        if (opts.dryRun) {
          // Reads only; before the first backfill there is no file yet, and none is created.
          const app = await openApp(global, { source: opts.source, access: 'read-or-empty' });
          try {
            process.stdout.write(renderDryRun(range, await planDryRun(app, range, opts.source, new Date())));
            return EXIT.ok;
          } finally {
            await app.store.close();
          }
        }

        const bars = opts.progress && process.stderr.isTTY === true;
        const progress = opts.progress ? createProgress({ tty: bars }) : undefined;
        const { createLogger } = await import('../core/log.ts');
        const log = createLogger({
          level: logLevel(global),
          pretty: bars ? true : undefined,
          destination: progress?.logDestination,
        });
        const app = await openApp(global, { log, source: opts.source });
        const shutdown = onShutdownSignals(app.log);
        try {
          checkSource(app, opts.source);
          const leases = await liveLeases(app, new Date());
          for (const cfg of sourcesInScope(app, opts.source)) {
            const lease = leases.get(cfg.id);
            if (!lease) continue;
            const what = `${cfg.id} is being ingested by ${lease.holder} (since ${lease.since})`;
            process.stderr.write(waitMs > 0 ? `${what}: waiting up to ${waitMs / 1000}s for it\n` : `${what}: it will be reported busy; pass --wait SECONDS to wait for it\n`);
          }
          const results = await ingest(app, { kind: 'backfill', ...range }, 'backfill', {
            source: opts.source,
            waitMs,
            signal: shutdown.signal,
            onPlan: progress ? (e) => progress.onPlan(e) : undefined,
            onWindow: progress ? (e) => progress.onWindow(e) : undefined,
          });
          progress?.stop();
          process.stdout.write(`${summarize(results)}\n`);
          const hints = resumeHints(app, range, opts.source, results, global);
          if (hints.length > 0) {
            process.stdout.write(`to finish (stored windows stay; re-running any part is safe):\n${hints.join('\n')}\n`);
          }
          return exitCodeFor(results) === EXIT.ok && hints.length === 0 ? EXIT.ok : EXIT.sourceFailed;
        } finally {
          progress?.stop();
          shutdown.dispose();
          await app.store.close();
        }
      }),
    );
}
