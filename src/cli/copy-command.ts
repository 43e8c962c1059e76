// `pauta copy --to postgres://…`: moves an existing store (by default the one --db or the config
// names) into another database, and reports success only once both sides agree.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_DB_PATH, resolveConfigPath } from '../config/paths.ts';
import { isPostgresUrl, urlHasPassword } from '../store/location.ts';
import { action, globalOptions } from './app.ts';

/** The store to copy: --from, else --db, $PAUTA_DB, the config's database, the default file. */
async function sourceLocation(from: string | undefined, cmd: Command): Promise<string> {
  if (from !== undefined) return from;
  const g = globalOptions(cmd);
  const named = g.db ?? (process.env.PAUTA_DB || undefined);
  if (named !== undefined) return named;
  const configFile = resolveConfigPath(g.config);
  if (!existsSync(configFile)) return DEFAULT_DB_PATH;
  const [{ defaultRegistry }, { loadConfig }] = await Promise.all([import('../connectors/index.ts'), import('../config/load.ts')]);
  return loadConfig(configFile, defaultRegistry()).database ?? DEFAULT_DB_PATH;
}

export function registerCopyCommand(program: Command): void {
  program
    .command('copy')
    .description('copy the whole store into another database (e.g. a SQLite file into PostgreSQL), then check both sides agree')
    .requiredOption('--to <url>', 'the destination: a postgres:// URL (or a new SQLite file); it must hold no data yet')
    .option('--from <file>', 'the store to copy (default: --db, $PAUTA_DB, the config\'s database, or data/pauta.sqlite)')
    .action(
      action(async (opts: { to: string; from?: string }, cmd: Command) => {
        const from = await sourceLocation(opts.from, cmd);
        for (const [option, value] of [['--to', opts.to], ['--from', from]] as const) {
          if (value.trim() === '') throw new UsageError(`${option}: expected a file path or a postgres:// URL, got ""`);
          if (urlHasPassword(value)) throw new UsageError(`${option}: a postgres:// URL on the command line must not carry a password; set PGPASSWORD (or use ~/.pgpass) instead`);
        }
        // Copying from a file that is not there would create an empty one and copy nothing.
        if (!isPostgresUrl(from) && !existsSync(from)) throw new UsageError(`--from ${from}: no such file`);
        const [{ copyStore }, { Store }] = await Promise.all([import('../store/copy.ts'), import('../store/store.ts')]);
        const source = await Store.open(from);
        try {
          const destination = await Store.open(opts.to);
          try {
            if (destination.file === source.file) throw new UsageError(`--to ${opts.to}: the same database as the source`);
            const result = await copyStore(source, destination);
            const width = Math.max(...result.tables.map((t) => t.table.length));
            for (const t of result.tables) {
              const impressions = t.impressions === undefined ? '' : `, ${t.impressions.toLocaleString('en-US')} impressions`;
              process.stdout.write(`  ${t.table.padEnd(width)}  ${t.rows.toLocaleString('en-US')} rows${impressions}: same on both sides\n`);
            }
            process.stdout.write(`copied ${source.file} to ${destination.file}; row counts and impression sums match\n`);
          } finally {
            await destination.close();
          }
        } finally {
          await source.close();
        }
      }),
    );
}
