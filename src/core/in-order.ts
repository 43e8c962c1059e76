// Bounded work handed back in order: `inOrder` starts `work` for up to `limit` items ahead of the
// oldest result not yet taken and yields each item's settled result in the items' order. A
// result held while an earlier item is still running counts toward the bound, so at most `limit`
// results are ever in memory at once.

export type Settled<T, R> =
  | { item: T; index: number; ok: true; value: R }
  | { item: T; index: number; ok: false; error: unknown };

/**
 * Yields one settled result per item, in the items' order. Work starts in order; leaving the
 * loop early (break, throw) starts no more and waits for what already started to settle, so
 * nothing keeps running behind the caller's back.
 */
export async function* inOrder<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): AsyncGenerator<Settled<T, R>, void, undefined> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`at most ${limit} at once: expected a whole number ≥ 1`);
  const started: Promise<Settled<T, R>>[] = [];
  const startNext = (): void => {
    const index = started.length;
    const item = items[index]!;
    started.push(
      // Started on a later tick so a synchronous throw of `work` settles like a rejection.
      Promise.resolve()
        .then(() => work(item, index))
        .then(
          (value): Settled<T, R> => ({ item, index, ok: true, value }),
          (error: unknown): Settled<T, R> => ({ item, index, ok: false, error }),
        ),
    );
  };
  let taken = 0;
  try {
    while (taken < items.length) {
      while (started.length < items.length && started.length - taken < limit) startNext();
      const result = await started[taken]!;
      taken += 1;
      yield result;
    }
  } finally {
    // Settled promises never reject: this only waits.
    await Promise.all(started.slice(taken));
  }
}
