// Fetching several windows at once, committing them one after the other: `inWindowOrder` starts
// up to `concurrency` fetches ahead of the oldest result not yet taken, and hands the results back
// in the windows' order, so whoever commits them sees exactly the order of a one-at-a-time loop.
// A result held while an earlier window is still fetching counts toward the bound: at most
// `concurrency` windows are ever in memory at once. A failure is a result in its place
// (`ok: false`), so the caller decides whether later windows go on.
import { inOrder, type Settled } from '../core/in-order.ts';

export type { Settled };

/**
 * Yields one settled fetch per window, in window order. Leaving the loop early (break, throw)
 * starts no more fetches and waits for those already started to settle.
 */
export async function* inWindowOrder<W, R>(
  windows: readonly W[],
  concurrency: number,
  fetchOne: (window: W, index: number) => Promise<R>,
): AsyncGenerator<Settled<W, R>, void, undefined> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`the number of windows fetched at once must be a whole number ≥ 1, got ${concurrency}`);
  }
  yield* inOrder(windows, concurrency, fetchOne);
}
