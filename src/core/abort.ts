// A signal of one operation that follows a long-lived one (a daemon's, a run's). Libraries that
// listen on the signal they are given (fetch removes its listener only once the request is
// garbage-collected) then listen on this one, which dies with the operation; the one listener on
// the long-lived signal is removed by `dispose`. The operation may also end early on its own
// (`abort`), without touching the long-lived signal.

export interface LinkedSignal {
  signal: AbortSignal;
  abort(reason?: unknown): void;
  dispose(): void;
}

export function linkedSignal(parent: AbortSignal | undefined): LinkedSignal {
  const controller = new AbortController();
  const abort = (reason?: unknown) => controller.abort(reason);
  if (!parent) return { signal: controller.signal, abort, dispose: () => undefined };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, abort, dispose: () => undefined };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, abort, dispose: () => parent.removeEventListener('abort', onAbort) };
}
