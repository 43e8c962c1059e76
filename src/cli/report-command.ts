// `pauta report [--as-of D] [--format table|json|csv|html] [--lang es|en] [--out F] [--send]`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CSV_TABLES } from '../report/csv.ts';
import { DEMO_DB_PATH } from '../config/paths.ts';
import { UsageError } from '../core/errors.ts';
import { DatabaseError } from '../store/errors.ts';
import { makeDirs, writeFileAtomic } from '../core/files.ts';
import { action, globalOptions, openApp, type App, keepYoungGenerationSmall } from './app.ts';
import { parseChoice, parseDateOption } from './args.ts';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'html'] as const;

interface ReportOptions {
  asOf?: string;
  format?: string;
  lang?: string;
  out?: string;
  table?: string;
  send?: boolean;
}

/** A report of the default, empty database right after `npm run demo` most likely wanted the demo's file. */
async function hintDemoDatabase(app: App, explicitDb: boolean): Promise<void> {
  if (explicitDb || path.resolve(app.dbPath) === path.resolve(DEMO_DB_PATH) || !existsSync(DEMO_DB_PATH)) return;
  const any = await app.store.db.selectFrom('campaign_days').select('date').limit(1).executeTakeFirst();
  if (any === undefined) {
    process.stderr.write(`pauta: ${app.dbPath} holds no impressions yet; the demo's simulated data are in ${DEMO_DB_PATH} (--db ${DEMO_DB_PATH})\n`);
  }
}

/** No database at the default path, but the demo's exists: most likely what was meant. */
function missingDatabaseHint(e: unknown, explicitDb: boolean): unknown {
  if (!(e instanceof DatabaseError) || explicitDb || existsSync(e.file) || !existsSync(DEMO_DB_PATH)) return e;
  if (path.resolve(e.file) === path.resolve(DEMO_DB_PATH)) return e;
  return new DatabaseError(e.file, `does not exist (this command only reads and created nothing); the demo's simulated data are in ${DEMO_DB_PATH} (--db ${DEMO_DB_PATH})`);
}

/** A file system error writing --out, said as a usage error naming the path. Reports are written 0600 (directories 0700). */
function writeOut(out: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EISDIR' ? 'is a directory (give a file name)'
      : code === 'EEXIST' || code === 'ENOTDIR' ? 'is not a directory (csv writes one file per table into a directory)'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable'
      : code === 'ENOSPC' ? 'the disk is full'
      : (e as Error).message;
    throw new UsageError(`--out ${out}: ${why}`);
  }
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('the campaign plan indicators, pacing and SMS/e-mail progress from the stored data')
    .option('--as-of <date>', 'count data up to this date (default: yesterday in schedule.timezone)')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'table')
    .option('--lang <lang>', 'es or en', 'es')
    .option('--out <path>', 'write to this file (for csv without --table: a directory, one file per table) instead of stdout')
    .option('--table <name>', `with --format csv: only this table (${CSV_TABLES.join(', ')}; default indicators to stdout, all with --out)`)
    .option('--send', 'e-mail the report now as report.email sends it after each run (to test the settings), instead of printing it')
    .action(
      action(async (opts: ReportOptions, cmd: Command) => {
        keepYoungGenerationSmall();
        const format = parseChoice('format', opts.format, REPORT_FORMATS, 'table');
        const lang = parseChoice('lang', opts.lang, ['es', 'en'] as const, 'es');
        const table = parseChoice('table', opts.table, CSV_TABLES, 'indicators');
        if (opts.table !== undefined && format !== 'csv') {
          throw new UsageError(`--table ${opts.table}: a table of the CSV report; add --format csv (the ${format} report has every table)`);
        }
        const explicitAsOf = parseDateOption('as-of', opts.asOf);
        // The report's modules, and the e-mail's only with --send.
        const send = opts.send ? await import('./report-send.ts') : undefined;
        send?.checkSendOptions(cmd);
        const [{ reportCsvTables }, { reportHtml }, { reportJson }, { buildReport, defaultAsOf }, { reportTable }] = await Promise.all([
          import('../report/csv.ts'),
          import('../report/html.ts'),
          import('../report/json.ts'),
          import('../report/model.ts'),
          import('../report/table.ts'),
        ]);
        const explicitDb = globalOptions(cmd).db !== undefined || Boolean(process.env.PAUTA_DB);
        const app = await openApp(globalOptions(cmd), { access: 'read' }).catch((e: unknown) => {
          throw missingDatabaseHint(e, explicitDb);
        });
        try {
          // Platforms report whole days, so today has no data yet: yesterday is the natural cut.
          const asOf = explicitAsOf ?? defaultAsOf(new Date(), app.config);
          const report = await buildReport(app.store, app.config, { asOf });
          if (send) return await send.sendReportByHand(app.config, report, send.sendLang(cmd, app.config, lang));
          await hintDemoDatabase(app, explicitDb);
          if (format === 'csv') {
            const tables = reportCsvTables(report, lang);
            if (opts.out === undefined) {
              process.stdout.write(tables[table]);
            } else if (opts.table !== undefined) {
              const out = opts.out;
              writeOut(out, () => writeFileAtomic(out, tables[table]));
              process.stderr.write(`pauta: wrote ${opts.out} (the ${table} table)\n`);
            } else {
              const out = opts.out;
              writeOut(out, () => {
                makeDirs(out);
                for (const name of CSV_TABLES) writeFileAtomic(path.join(out, `${name}.csv`), tables[name]);
              });
              const dir = out.endsWith('/') || out.endsWith(path.sep) ? out : `${out}${path.sep}`;
              process.stderr.write(`pauta: wrote ${CSV_TABLES.length} tables to ${dir}\n`);
            }
            return;
          }
          const text =
            format === 'json'
              ? `${JSON.stringify(reportJson(report), null, 2)}\n`
              : format === 'html'
                ? reportHtml(report, { lang })
                : reportTable(report, { lang });
          if (opts.out === undefined) {
            process.stdout.write(text);
          } else {
            const out = opts.out;
            writeOut(out, () => writeFileAtomic(out, text));
            process.stderr.write(`pauta: wrote ${opts.out} (as of ${asOf}${report.simulated ? ', simulated data' : ''})\n`);
          }
        } finally {
          await app.store.close();
        }
      }),
    );
}
