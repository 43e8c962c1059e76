// inWindowOrder: windows fetched ahead, results handed back in window order, never more than the
// bound in flight or held, and nothing left running when the caller stops early.
import { describe, expect, it } from 'vitest';
import { inWindowOrder, type Settled } from '../src/ingest/pipeline.ts';

/** A fetch that finishes when the test says so. */
function gated() {
  const gates = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  const fetchOne = (item: string, index: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(index);
      running += 1;
      peak = Math.max(peak, running);
      const done = () => (running -= 1);
      gates.set(index, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
    }).then((v) => `${item}:${v}`);
  return { gates, started, fetchOne, peak: () => peak, running: () => running };
}

const tick = () => new Promise((r) => setImmediate(r));

async function drain<R>(it: AsyncIterable<Settled<string, R>>): Promise<Settled<string, R>[]> {
  const out: Settled<string, R>[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('inWindowOrder', () => {
  it('starts up to the bound at once and yields in window order although later windows finish first', async () => {
    const g = gated();
    const results = drain(inWindowOrder(['sep', 'oct', 'nov', 'dec'], 3, g.fetchOne));
    await tick();
    expect(g.started).toEqual([0, 1, 2]);
    g.gates.get(2)!.resolve('c');
    g.gates.get(1)!.resolve('b');
    await tick();
    // November and October are done, but September is not: December waits (three held or in flight).
    expect(g.started).toEqual([0, 1, 2]);
    g.gates.get(0)!.resolve('a');
    await tick();
    expect(g.started).toEqual([0, 1, 2, 3]);
    g.gates.get(3)!.resolve('d');
    const out = await results;
    expect(out.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(out.map((r) => (r.ok ? r.value : 'failed'))).toEqual(['sep:a', 'oct:b', 'nov:c', 'dec:d']);
    expect(g.peak()).toBe(3);
  });

  it('with a bound of one, fetches one window after the other', async () => {
    const g = gated();
    const results = drain(inWindowOrder(['sep', 'oct'], 1, g.fetchOne));
    await tick();
    expect(g.started).toEqual([0]);
    g.gates.get(0)!.resolve('a');
    await tick();
    expect(g.started).toEqual([0, 1]);
    g.gates.get(1)!.resolve('b');
    expect((await results).map((r) => r.ok)).toEqual([true, true]);
    expect(g.peak()).toBe(1);
  });

  it('hands a failure back in its place, as a result, and goes on if the caller does', async () => {
    const g = gated();
    const results = drain(inWindowOrder(['sep', 'oct', 'nov'], 3, g.fetchOne));
    await tick();
    g.gates.get(1)!.reject(new Error('report FAILED'));
    g.gates.get(0)!.resolve('a');
    g.gates.get(2)!.resolve('c');
    const out = await results;
    expect(out.map((r) => [r.item, r.ok])).toEqual([['sep', true], ['oct', false], ['nov', true]]);
    expect(out[1]!.ok === false && (out[1]!.error as Error).message).toBe('report FAILED');
  });

  it('a caller that stops early starts nothing more and waits for the windows in flight', async () => {
    const g = gated();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const r of inWindowOrder(['sep', 'oct', 'nov', 'dec'], 2, g.fetchOne)) {
        seen.push(r.index);
        if (!r.ok) break;
      }
    })();
    await tick();
    g.gates.get(0)!.reject(new Error('quota exhausted'));
    await tick();
    // October is still running: the loop has not finished.
    let finished = false;
    void loop.then(() => (finished = true));
    await tick();
    expect(finished).toBe(false);
    g.gates.get(1)!.resolve('b');
    await loop;
    expect(seen).toEqual([0]);
    expect(g.started).toEqual([0, 1]);
    expect(g.running()).toBe(0);
  });

  it('a fetch that throws at once is a failed result, not an exception of the loop', async () => {
    const out = await drain(
      inWindowOrder(['sep'], 2, () => {
        throw new Error('bad window');
      }),
    );
    expect(out).toMatchObject([{ item: 'sep', ok: false }]);
  });

  it('refuses a bound that is not a whole number of at least one', async () => {
    await expect(drain(inWindowOrder(['sep'], 0, async () => 'x'))).rejects.toThrow(/whole number ≥ 1, got 0/);
  });
});
