// SIGTERM (systemd, docker stop) and SIGINT (Ctrl-C) stop pauta cleanly: the first asks the run
// to stop after the window in flight commits or rolls back; a second one exits at once, which is
// still safe because SQLite discards a transaction that never committed.
import type { Logger } from '../core/log.ts';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ShutdownHandle {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** Removes the handlers (when the command is done). */
  dispose(): void;
}

export function onShutdownSignals(
  log: Logger,
  opts: { onStop?: (signal: NodeJS.Signals) => void; exit?: (code: number) => void } = {},
): ShutdownHandle {
  const controller = new AbortController();
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn({ signal }, 'second signal: exiting now; the window in flight is rolled back');
      exit(1);
      return;
    }
    log.warn({ signal }, 'stopping: the window in flight commits or rolls back, nothing new starts (send it again to exit at once)');
    controller.abort(new Error(`stopped by ${signal}`));
    opts.onStop?.(signal);
  };
  for (const s of SHUTDOWN_SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of SHUTDOWN_SIGNALS) process.off(s, handler);
    },
  };
}
