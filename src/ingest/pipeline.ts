// Fetching several windows at once, committing them one after the other: `inWindowOrder` starts
// up to `concurrency` fetches ahead of the oldest result not yet taken, and hands the results back
// in the windows' order, so whoever commits them sees exactly the order of a one-at-a-time loop.
// A result held while an earlier window is still fetching counts toward the bound: at most
// `concurrency` windows are ever in memory at once.

export type Settled<T, R> =
  | { item: T; index: number; ok: true; value: R }
  | { item: T; index: number; ok: false; error: unknown };

/**
 * Yields one settled result per item, in the items' order. Fetches start in order; leaving the
 * loop early (break, throw) starts no more and waits for those already started to settle, so
 * nothing keeps running behind the caller's back.
 */
export async function* inWindowOrder<T, R>(
  items: readonly T[],
  concurrency: number,
  fetchOne: (item: T, index: number) => Promise<R>,
): AsyncGenerator<Settled<T, R>, void, undefined> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`the number of windows fetched at once must be a whole number ≥ 1, got ${concurrency}`);
  }
  const started: Promise<Settled<T, R>>[] = [];
  const startNext = (): void => {
    const index = started.length;
    const item = items[index]!;
    started.push(
      // Started on a later tick so a synchronous throw of fetchOne settles like a rejection.
      Promise.resolve()
        .then(() => fetchOne(item, index))
        .then(
          (value): Settled<T, R> => ({ item, index, ok: true, value }),
          (error: unknown): Settled<T, R> => ({ item, index, ok: false, error }),
        ),
    );
  };
  let taken = 0;
  try {
    while (taken < items.length) {
      while (started.length < items.length && started.length - taken < concurrency) startNext();
      const result = await started[taken]!;
      taken += 1;
      yield result;
    }
  } finally {
    // Settled promises never reject: this only waits.
    await Promise.all(started.slice(taken));
  }
}
