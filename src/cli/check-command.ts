// `pauta check`: the config is valid, then each source's credentials and access.
import type { Command } from 'commander';
import { describeError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { terminalText } from '../core/terminal-text.ts';
import type { CheckResult } from '../connectors/types.ts';
import { EXIT, action, globalOptions, openApp } from './app.ts';

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
        const app = await openApp(globalOptions(cmd), { source: opts.source });
        const { makeContext } = await import('../ingest/runner.ts');
        let ok = true;
        try {
          process.stdout.write(`config ${terminalText(app.config.file)}: ok (${app.config.sources.length} source(s), ${app.config.targets.length} target(s))\n`);
          for (const cfg of app.config.sources) {
            if (opts.source !== undefined && cfg.id !== opts.source) continue;
            const connector = app.registry.get(cfg.platform)!;
            const ctx = makeContext(cfg, { store: app.store, log: app.log }, app.log.child({ source: cfg.id }));
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
        } finally {
          await app.store.close();
        }
        return ok ? EXIT.ok : EXIT.sourceFailed;
      }),
    );
}
