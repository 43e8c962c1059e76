// `pauta status [--format table|json]`: exits 1 when an enabled source is stale, so a
// monitoring check can call it.
import type { Command } from 'commander';
import { sourceStatus } from '../ingest/status.ts';
import { EXIT, action, globalOptions, openApp } from './app.ts';
import { parseChoice, parseNonNegativeInt } from './args.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('per source: last date stored, lag in days, last run')
    .option('--format <format>', 'table or json', 'table')
    .option('--stale-after <days>', 'lag that counts as stale (default: schedule.stale_after_days)')
    .action(
      action(async (opts: { format?: string; staleAfter?: string }, cmd: Command) => {
        const format = parseChoice('format', opts.format, ['table', 'json'] as const, 'table');
        const app = await openApp(globalOptions(cmd));
        try {
          const staleAfter = parseNonNegativeInt('stale-after', opts.staleAfter, app.config.schedule.stale_after_days);
          const lines = await sourceStatus(app.store, app.config, new Date(), staleAfter);
          if (format === 'json') {
            process.stdout.write(`${JSON.stringify({ stale_after_days: staleAfter, sources: lines }, null, 2)}\n`);
          } else {
            if (lines.length === 0) process.stdout.write('no sources configured\n');
            for (const l of lines) {
              const lag = l.lagDays === null ? 'never ingested' : `${l.lagDays} day(s) behind`;
              const run = l.lastRun ? `last run ${l.lastRun.status} at ${l.lastRun.finishedAt}${l.lastRun.error ? `: ${l.lastRun.error}` : ''}` : 'no runs yet';
              process.stdout.write(
                `${l.stale ? 'STALE' : 'ok   '} ${l.sourceId} (${l.platform}${l.enabled ? '' : ', disabled'}): last date ${l.lastDate ?? '—'}, ${lag}; ${run}\n`,
              );
            }
          }
          return lines.some((l) => l.stale) ? EXIT.sourceFailed : EXIT.ok;
        } finally {
          await app.store.close();
        }
      }),
    );
}
