// `pauta report [--as-of D] [--format table|json] [--lang es|en]`.
import type { Command } from 'commander';
import { localDate } from '../core/dates.ts';
import { impressionsIndicator } from '../indicators/impressions.ts';
import { reportJson } from '../report/json.ts';
import { reportTable } from '../report/table.ts';
import { action, globalOptions, openApp } from './app.ts';
import { parseChoice, parseDateOption } from './args.ts';

export const REPORT_FORMATS = ['table', 'json'] as const;

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('the campaign plan indicators from the stored data')
    .option('--as-of <date>', 'count data up to this date (default: today)')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'table')
    .option('--lang <lang>', 'es or en', 'es')
    .action(
      action(async (opts: { asOf?: string; format?: string; lang?: string }, cmd: Command) => {
        const asOf = parseDateOption('as-of', opts.asOf) ?? localDate(new Date(), 'UTC');
        const format = parseChoice('format', opts.format, REPORT_FORMATS, 'table');
        const lang = parseChoice('lang', opts.lang, ['es', 'en'] as const, 'es');
        const app = await openApp(globalOptions(cmd), {});
        try {
          const ind = await impressionsIndicator(app.store, app.config.targets, asOf);
          if (format === 'json') {
            process.stdout.write(`${JSON.stringify(reportJson(ind, { generatedAt: new Date().toISOString() }), null, 2)}\n`);
          } else {
            process.stdout.write(reportTable(ind, { lang }));
          }
        } finally {
          await app.store.close();
        }
      }),
    );
}
