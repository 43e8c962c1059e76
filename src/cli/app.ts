// What every command needs: the config, the database, a logger and the connectors. Errors a
// person can fix (config, arguments) exit 2; a failed source exits 1.
// Only what defining the commands needs is imported here; `openApp` loads the rest when a command
// runs, so `pauta --help` or a usage error starts without the store, the config parser or the
// platform clients (docs/ARCHITECTURE.md, "Build and start-up").
import type { Command } from 'commander';
import type { ConnectorRegistry, PautaConfig } from '../config/load.ts';
import { DEFAULT_DB_PATH, resolveConfigPath } from '../config/paths.ts';
import { UsageError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { terminalLines } from '../core/terminal-text.ts';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { DatabaseBusyError, isBusy } from '../store/errors.ts';
import { isPostgresUrl, urlHasPassword } from '../store/location.ts';
import type { Store } from '../store/store.ts';

export interface GlobalOptions {
  config?: string;
  db?: string;
  logLevel?: string;
}

export interface App {
  config: PautaConfig;
  store: Store;
  log: Logger;
  registry: ConnectorRegistry;
  dbPath: string;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function resolveDbPath(opts: GlobalOptions, config?: PautaConfig): string {
  // SQLite opens "" as a temporary database that vanishes at exit: never what anyone meant.
  if (opts.db !== undefined && opts.db.trim() === '') throw new UsageError('--db: expected a file path, got ""');
  // Other users of the machine can read a command line: the password goes in the environment.
  if (opts.db !== undefined && urlHasPassword(opts.db)) {
    throw new UsageError('--db: a postgres:// URL on the command line must not carry a password; set PGPASSWORD (or use ~/.pgpass) instead');
  }
  return opts.db ?? (process.env.PAUTA_DB || undefined) ?? config?.database ?? DEFAULT_DB_PATH;
}

export async function openApp(
  opts: GlobalOptions,
  overrides: {
    registry?: ConnectorRegistry;
    config?: PautaConfig;
    dbPath?: string;
    log?: Logger;
    source?: string | undefined;
    /**
     * `read` for commands that only read (`report`, `status`): the file must exist, is opened
     * read-only and never locked, and targets come from the config in memory. `read-or-empty`:
     * the same, and a file that does not exist reads as an empty database (nothing is created).
     * Default `write`: the file is created and migrated if need be, and the config's targets and
     * scheduled totals are mirrored into it.
     */
    access?: 'write' | 'read' | 'read-or-empty';
  } = {},
): Promise<App> {
  const [{ defaultRegistry }, { loadConfig }, { createLogger }, { targetAssignment }, { syncMessagingSchedule }, { Store, databaseError }] = await Promise.all([
    import('../connectors/index.ts'),
    import('../config/load.ts'),
    import('../core/log.ts'),
    import('../indicators/targets.ts'),
    import('../messaging/schedule.ts'),
    import('../store/store.ts'),
  ]);
  const registry = overrides.registry ?? defaultRegistry();
  const config = overrides.config ?? loadConfig(resolveConfigPath(opts.config), registry);
  const log = overrides.log ?? createLogger({ level: logLevel(opts) });
  // Usage checks that need the config come before the database is opened (or created).
  if (overrides.source !== undefined) checkSourceOption(config, overrides.source);
  const dbPath = overrides.dbPath ?? resolveDbPath(opts, config);
  const access = overrides.access ?? 'write';
  openedDatabase = dbPath;
  if (access !== 'write') {
    const empty = access === 'read-or-empty' && !isPostgresUrl(dbPath) && !existsSync(dbPath);
    const store = empty ? await Store.open(':memory:') : await Store.open(dbPath, { access: 'read' });
    return { config, store, log, registry, dbPath: empty ? dbPath : store.file };
  }
  const store = await Store.open(dbPath);
  try {
    await store.syncTargets(targetAssignment(config.targets));
    await syncMessagingSchedule(store, config.messaging);
  } catch (e) {
    await store.close();
    throw isPostgresUrl(dbPath) ? databaseError(store.file, e) : (await import('../store/sqlite-open.ts')).busyError(dbPath, e);
  }
  return { config, store, log, registry, dbPath: store.file };
}

/**
 * For the commands that read a report and exit (`report`, `status`): V8 doubles its young
 * generation each time it fills while modules load, which a short read never needs; kept at its
 * first size, such a command peaks about 30 MB lower (`npm run bench -- start-up`). Called before
 * the command loads its modules; long runs (the daemon, backfills) keep V8's default, which
 * collects garbage less often.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * --log-level, else PAUTA_LOG_LEVEL, else the command's default: `info` for the daemon (its log is
 * its record), `warn` for one-shot commands, whose own output says what happened.
 */
export function logLevel(opts: GlobalOptions, commandDefault: 'info' | 'warn' = 'warn'): string {
  return opts.logLevel ?? process.env.PAUTA_LOG_LEVEL ?? commandDefault;
}

/** `--source ID` must name a source of the config. */
export function checkSourceOption(config: PautaConfig, source: string | undefined): void {
  if (source !== undefined && !config.sources.some((s) => s.id === source)) {
    throw new UsageError(`--source: no source "${source}" in ${config.file} (have: ${config.sources.map((s) => s.id).join(', ') || 'none'})`);
  }
}

/**
 * Exit codes (README.md, "Commands"): 0 ok, 1 some source failed, 2 bad usage, config or
 * database file, 3 another process kept the database's write lock longer than the busy timeout.
 */
export const EXIT = { ok: 0, sourceFailed: 1, usage: 2, databaseBusy: 3 } as const;

/** The database the command opened, to name who holds its lock if a write times out. */
let openedDatabase: string | undefined;

/** A write that timed out on the lock, anywhere in a command, said with the lock's holder. */
async function asBusyError(error: unknown): Promise<DatabaseBusyError | undefined> {
  if (error instanceof DatabaseBusyError) return error;
  if (!isBusy(error) || openedDatabase === undefined) return undefined;
  const { BUSY_TIMEOUT_MS, describeLockHolder } = await import('../store/sqlite-open.ts');
  return new DatabaseBusyError(openedDatabase, describeLockHolder(openedDatabase), BUSY_TIMEOUT_MS);
}

/** Wraps a command's action: prints errors without stack traces and sets the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (caught) {
      const busy = await asBusyError(caught);
      const error = busy ?? caught;
      process.stderr.write(`pauta: ${terminalLines(redact(describeError(error)))}\n`);
      process.exitCode = busy ? EXIT.databaseBusy : error instanceof UsageError ? EXIT.usage : EXIT.sourceFailed;
    }
  };
}
