// `pauta run` (one scheduled cycle now) and `pauta backfill --from --to [--source]`: the same
// runner, the daemon's code path.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { Runner, newRunId, type RunMode, type SourceRunResult } from '../ingest/runner.ts';
import { EXIT, action, globalOptions, openApp, type App } from './app.ts';
import { parseNonNegativeInt, requireDateOption } from './args.ts';

export function summarize(results: readonly SourceRunResult[]): string {
  return results
    .map((r) => {
      const head = `${r.sourceId}: ${r.status}`;
      const body = r.status === 'ok' ? ` (${r.windowsDone} window(s), ${r.rows} row(s))` : '';
      return `${head}${body}${r.error ? ` — ${r.error}` : ''}`;
    })
    .join('\n');
}

export function exitCodeFor(results: readonly SourceRunResult[]): number {
  return results.some((r) => r.status !== 'ok' && r.status !== 'disabled') ? EXIT.sourceFailed : EXIT.ok;
}

export async function ingest(app: App, mode: RunMode, trigger: string, opts: { source?: string; waitMs?: number }): Promise<SourceRunResult[]> {
  if (opts.source !== undefined && !app.config.sources.some((s) => s.id === opts.source)) {
    throw new UsageError(`--source: no source "${opts.source}" in ${app.config.file} (have: ${app.config.sources.map((s) => s.id).join(', ') || 'none'})`);
  }
  const runner = new Runner(app.config, app.registry, { store: app.store, log: app.log, leaseWaitMs: opts.waitMs ?? 0 });
  return runner.runAll(mode, newRunId(), trigger, opts.source);
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
        const app = await openApp(globalOptions(cmd));
        try {
          const results = await ingest(app, { kind: 'scheduled' }, 'run', { source: opts.source, waitMs });
          process.stdout.write(`${summarize(results)}\n`);
          return exitCodeFor(results);
        } finally {
          await app.store.close();
        }
      }),
    );

  program
    .command('backfill')
    .description('fetch an explicit date range (account-local dates, inclusive)')
    .requiredOption('--from <date>', 'first date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last date, YYYY-MM-DD')
    .option('--source <id>', 'only this source')
    .option('--wait <seconds>', 'wait this long for a source another process is ingesting')
    .action(
      action(async (opts: { from: string; to: string; source?: string; wait?: string }, cmd: Command) => {
        const from = requireDateOption('from', opts.from);
        const to = requireDateOption('to', opts.to);
        if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
        const waitMs = parseNonNegativeInt('wait', opts.wait, 0) * 1000;
        const app = await openApp(globalOptions(cmd));
        try {
          const results = await ingest(app, { kind: 'backfill', from, to }, 'backfill', { source: opts.source, waitMs });
          process.stdout.write(`${summarize(results)}\n`);
          return exitCodeFor(results);
        } finally {
          await app.store.close();
        }
      }),
    );
}
