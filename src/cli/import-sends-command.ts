// `pauta import-sends --channel sms|email --file F [--send N] [--programmed]`: a provider's
// delivery report (or the programmed list) into the database. A file with a bad row is refused
// whole, before the database is even opened; re-importing the same or an overlapping file counts
// nothing twice.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { resolveConfigPath } from '../config/paths.ts';
import { terminalText } from '../core/terminal-text.ts';
import type { ImportSendsOptions } from '../messaging/import.ts';
import { MESSAGE_CHANNELS } from '../messaging/recipient.ts';
import { action, globalOptions, openApp } from './app.ts';
import { parseChoice } from './args.ts';

interface ImportOptions {
  channel?: string;
  file?: string;
  send?: string;
  programmed?: boolean;
}

function checkReadableFile(file: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    throw new UsageError(`--file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!stat.isFile()) throw new UsageError(`--file: ${file} is not a file`);
}

export function registerImportSendsCommand(program: Command): void {
  program
    .command('import-sends')
    .description('import an SMS or e-mail delivery report (CSV), or with --programmed the programmed list')
    .requiredOption('--channel <channel>', 'sms or email')
    .requiredOption('--file <file>', 'the CSV file (UTF-8 or Latin-1; delimiter detected)')
    .option('--send <n>', 'send number of every row (when the file has no send column)')
    .option('--programmed', 'the file is the programmed list: its count per send is the scheduled total', false)
    .action(
      action(async (opts: ImportOptions, cmd: Command) => {
        const channel = parseChoice('channel', opts.channel, MESSAGE_CHANNELS, 'sms');
        if (opts.send !== undefined && !/^[1-9]$/.test(opts.send)) throw new UsageError(`--send: expected a send number 1–9, got "${opts.send}"`);
        checkReadableFile(opts.file!);
        const global = globalOptions(cmd);
        const [{ loadConfig }, { defaultRegistry }, { checkSendsImport, importSends }] = await Promise.all([
          import('../config/load.ts'),
          import('../connectors/index.ts'),
          import('../messaging/import.ts'),
        ]);
        const config = loadConfig(resolveConfigPath(global.config), defaultRegistry());
        const importOptions: ImportSendsOptions = {
          channel,
          kind: opts.programmed ? 'programmed' : 'delivery',
          file: opts.file!,
          send: opts.send === undefined ? undefined : Number(opts.send),
          messaging: config.messaging,
          defaultTimeZone: config.schedule.timezone,
          env: process.env,
        };
        // The key and every row are checked before the database is opened (or created): a
        // rejected file leaves no trace, not even a new empty database.
        const checked = await checkSendsImport(importOptions);
        const app = await openApp(global, { config });
        try {
          const r = await importSends(app.store, importOptions, checked);
          const n = (v: number) => v.toLocaleString('en-US');
          const already = r.messages - r.newMessages - r.updatedMessages;
          process.stdout.write(
            `${terminalText(r.fileName)}: ${n(r.rows)} rows (${r.encoding}, "${r.delimiter === '\t' ? '\\t' : r.delimiter}"), ${n(r.messages)} ${channel} ${r.kind === 'programmed' ? 'programmed recipients' : 'messages'}` +
              `${r.duplicateRows > 0 ? ` (${n(r.duplicateRows)} repeated rows merged)` : ''}: ${n(r.newMessages)} new, ${n(r.updatedMessages)} updated, ${n(already)} already stored\n`,
          );
          process.stdout.write(`  ${r.bySend.map((s) => `send ${s.send}: ${n(s.messages)}`).join(', ')}${r.firstDate ? `; dates ${r.firstDate}..${r.lastDate}` : ''}\n`);
          // Headers come from the provider's file.
          process.stdout.write(`  columns: ${Object.entries(r.columns).map(([f, h]) => `${f} = "${terminalText(h)}"`).join(', ')}\n`);
          if (r.kind === 'programmed') {
            const configured = app.config.messaging?.[channel]?.scheduled ?? {};
            for (const s of r.bySend) {
              if (configured[String(s.send)] !== undefined) {
                process.stdout.write(`  note: messaging.${channel}.scheduled sets send ${s.send}; the config's number is used, not the list's count\n`);
              }
            }
          }
        } finally {
          await app.store.close();
        }
      }),
    );
}
