// `pauta daemon` (`npm start`): runs until SIGTERM or SIGINT, then stops cleanly and exits 0.
import type { Command } from 'commander';
import type { ConnectorRegistry } from '../config/load.ts';
import { onShutdownSignals } from '../daemon/signals.ts';
import { EXIT, action, globalOptions, logLevel, openApp, type GlobalOptions } from './app.ts';

export async function runDaemon(opts: GlobalOptions, overrides: { registry?: ConnectorRegistry } = {}): Promise<number> {
  const [{ Daemon }, { createLogger }] = await Promise.all([import('../schedule.ts'), import('../core/log.ts')]);
  const app = await openApp(opts, { log: createLogger({ level: logLevel(opts, 'info') }), ...overrides });
  const shutdown = onShutdownSignals(app.log);
  try {
    const daemon = new Daemon({ config: app.config, registry: app.registry, store: app.store, log: app.log });
    // A signal that arrives while the daemon is starting still stops it.
    const stop = () => void daemon.stop(String(shutdown.signal.reason instanceof Error ? shutdown.signal.reason.message : 'signal'));
    if (shutdown.signal.aborted) stop();
    else shutdown.signal.addEventListener('abort', stop, { once: true });
    try {
      await daemon.start();
    } catch (error) {
      await daemon.stop('start-up failed');
      throw error;
    }
    await daemon.done();
    return EXIT.ok;
  } finally {
    shutdown.dispose();
    await app.store.close();
  }
}

export function registerDaemonCommand(program: Command): void {
  program
    .command('daemon')
    .description('run every source on the config\'s schedule until stopped (SIGTERM/SIGINT); also serves /healthz and /metrics when health.enabled')
    .action(action(async (_opts: unknown, cmd: Command) => runDaemon(globalOptions(cmd))));
}
