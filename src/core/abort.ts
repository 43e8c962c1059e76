// A signal of one operation that follows a long-lived one (a daemon's, a run's). Libraries that
// listen on the signal they are given (fetch removes its listener only once the request is
// garbage-collected) then listen on this one, which dies with the operation; the one listener on
// the long-lived signal is removed by `dispose`.

export interface LinkedSignal {
  signal: AbortSignal | undefined;
  dispose(): void;
}

export function linkedSignal(parent: AbortSignal | undefined): LinkedSignal {
  if (!parent) return { signal: undefined, dispose: () => undefined };
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose: () => undefined };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}
