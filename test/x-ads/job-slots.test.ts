// X allows 100 PROCESSING jobs per account; pauta keeps its own to MAX_JOBS_AT_ONCE per account
// however many windows create jobs at once: a batch that does not fit waits for another to end.
import { describe, expect, it } from 'vitest';
import { JobSlots, MAX_JOBS_AT_ONCE } from '../../src/connectors/x-ads/jobs.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('the jobs a session runs at once', () => {
  it('keeps each account within the limit, first come first served, and other accounts unaffected', async () => {
    const slots = new JobSlots(MAX_JOBS_AT_ONCE);
    const order: string[] = [];
    const september = await slots.take('18ce54d4x5t', 30);
    const october = slots.take('18ce54d4x5t', 30).then((release) => (order.push('october'), release));
    const november = slots.take('18ce54d4x5t', 5).then((release) => (order.push('november'), release));
    const otherAccount = slots.take('gq1844', 50).then((release) => (order.push('other account'), release));
    await tick();
    // October's 30 would make 60 running jobs; November, though it fits, waits its turn behind it.
    expect(order).toEqual(['other account']);
    september();
    september(); // giving back twice frees nothing more
    await tick();
    expect(order).toEqual(['other account', 'october', 'november']);
    const blocked = slots.take('18ce54d4x5t', 16).then(() => order.push('december'));
    await tick();
    expect(order).not.toContain('december');
    (await november)();
    await tick();
    expect(order).toContain('december');
    await blocked;
  });

  it('refuses a batch larger than the limit instead of waiting forever', async () => {
    await expect(new JobSlots(50).take('18ce54d4x5t', 51)).rejects.toThrow(/51 jobs at once exceed the 50/);
  });
});
