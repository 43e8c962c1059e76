#!/usr/bin/env node
// pauta's command line. Each command lives in src/cli/; this file only assembles them.
import { Command, CommanderError } from 'commander';
import { EXIT } from './cli/app.ts';
import { registerCheckCommand } from './cli/check-command.ts';
import { registerCopyCommand } from './cli/copy-command.ts';
import { registerDaemonCommand } from './cli/daemon-command.ts';
import { registerImportSendsCommand } from './cli/import-sends-command.ts';
import { registerIngestCommands } from './cli/ingest-commands.ts';
import { registerReportCommand } from './cli/report-command.ts';
import { registerSandboxCommands } from './cli/sandbox-commands.ts';
import { registerStatusCommand } from './cli/status-command.ts';

export function buildProgram(): Command {
  const program = new Command('pauta')
    .description('Daily ad impressions from Google Ads, DV360 and X Ads into SQLite or PostgreSQL, and the campaign plan indicators.')
    .option('--config <file>', 'config file (default: $PAUTA_CONFIG or config/pauta.yaml)')
    .option('--db <file>', 'SQLite file or postgres:// URL (default: $PAUTA_DB, the config\'s database, or data/pauta.sqlite)')
    .option('--log-level <level>', 'trace, debug, info, warn, error (default: $PAUTA_LOG_LEVEL, else info for the daemon and warn for the other commands)')
    .showHelpAfterError()
    .exitOverride();
  registerIngestCommands(program);
  registerReportCommand(program);
  registerImportSendsCommand(program);
  registerStatusCommand(program);
  registerCheckCommand(program);
  registerSandboxCommands(program);
  registerDaemonCommand(program);
  registerCopyCommand(program);
  return program;
}

/**
 * A reader that stops early (`pauta report | head`) closes the pipe, and the next write fails with
 * EPIPE. That is the reader's choice, not pauta's error: stop quietly with the exit code decided so
 * far (0 if none), as a command stopped by SIGPIPE would — no stack trace. Listens for the life of
 * the process; only the entry point installs it.
 */
function stopQuietlyWhenReaderCloses(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

export async function main(argv: string[]): Promise<void> {
  stopQuietlyWhenReaderCloses(process.stdout);
  stopQuietlyWhenReaderCloses(process.stderr);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; any other commander error is a usage error.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw error;
  }
}

await main(process.argv);
