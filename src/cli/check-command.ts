// `pauta check`: the config is valid, then each source's credentials and access.
import type { Command } from 'commander';
import { describeError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { terminalText } from '../core/terminal-text.ts';
import type { CheckResult } from '../connectors/types.ts';
import { resolveConfigPath } from '../config/paths.ts';
import type { SourceState } from '../core/records.ts';
import { EXIT, action, checkSourceOption, globalOptions, logLevel } from './app.ts';

/**
 * `check` opens no database (it works before the first run, beside a running daemon, and
 * without access to the file): what a connector would remember lives in memory for the check.
 */
function memoryState(): SourceState {
  const values = new Map<string, unknown>();
  return {
    get: async (key) => values.get(key),
    set: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
  };
}

/** One source's result; names and messages come from the platform, so their controls are escaped. */
export function formatCheckResult(source: { id: string; platform: string }, result: CheckResult): string {
  const lines = [`source ${source.id} (${source.platform}): ${result.ok ? 'ok' : 'FAILED'}`];
  for (const line of result.lines) lines.push(`  ${line.ok ? '✓' : '✗'} ${terminalText(line.subject)}: ${terminalText(redact(line.detail))}`);
  return `${lines.join('\n')}\n`;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('validate the config, then credentials and access for each source')
    .option('--source <id>', 'only this source')
    .action(
      action(async (opts: { source?: string }, cmd: Command) => {
        const global = globalOptions(cmd);
        const [{ defaultRegistry }, { loadConfig }, { createLogger }, { makeContext }] = await Promise.all([
          import('../connectors/index.ts'),
          import('../config/load.ts'),
          import('../core/log.ts'),
          import('../ingest/runner.ts'),
        ]);
        const registry = defaultRegistry();
        const config = loadConfig(resolveConfigPath(global.config), registry);
        checkSourceOption(config, opts.source);
        const log = createLogger({ level: logLevel(global) });
        let ok = true;
        process.stdout.write(`config ${terminalText(config.file)}: ok (${config.sources.length} source(s), ${config.targets.length} target(s))\n`);
        for (const cfg of config.sources) {
          if (opts.source !== undefined && cfg.id !== opts.source) continue;
          const connector = registry.get(cfg.platform)!;
          const ctx = makeContext(cfg, { state: memoryState(), log }, log.child({ source: cfg.id }));
          let result;
          let session;
          try {
            session = connector.open(cfg, ctx);
            result = await session.check();
          } catch (error) {
            result = { ok: false, lines: [{ ok: false, subject: cfg.id, detail: describeError(error) }] };
          } finally {
            await session?.close().catch(() => undefined);
          }
          ok &&= result.ok;
          process.stdout.write(formatCheckResult(cfg, result));
        }
        return ok ? EXIT.ok : EXIT.sourceFailed;
      }),
    );
}
