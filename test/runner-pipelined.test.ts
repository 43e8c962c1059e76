// The runner with several windows in flight, driven step by step through a test connector: a
// window is committed only after every window before it, a later window's failure never moves the
// cursor past an earlier window still fetching, and a shutdown stores only windows read in full.
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError } from '../src/core/errors.ts';
import { eachDate } from '../src/core/dates.ts';
import type { Store } from '../src/store/store.ts';
import { fakeConnector, steadyCampaign, type FakePlatform } from './helpers/fake-connector.ts';
import { configWith, openTestStore, testRunner } from './helpers/app.ts';

const SOURCE = `
  - id: fake
    platform: test_fake
    windows_at_once: 3
    accounts:
      - { id: "111", time_zone: America/Los_Angeles }
`;
const AFTER_2021 = () => new Date('2022-02-01T12:00:00Z');
// Windows of 10 days: Sept 1–10, 11–20, 21–30.
const SEPTEMBER = { kind: 'backfill' as const, from: '2021-09-01', to: '2021-09-30' };

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

let store: Store;
afterEach(async () => {
  await store?.close();
});

async function setup(platform: Partial<FakePlatform>, signal?: AbortSignal) {
  const fake: FakePlatform = { days: () => [steadyCampaign('c1', 100)], windows: [], ...platform };
  const connector = fakeConnector(fake);
  const registry = new Map([[connector.platform, connector]]);
  store = await openTestStore();
  const committed: string[] = [];
  const runner = testRunner(configWith(SOURCE, registry), registry, store, {
    now: AFTER_2021,
    signal,
    onWindow: (e) => committed.push(`${e.window.from} ${e.status}`),
  });
  return { fake, runner, committed };
}

const storedDates = async () => (await store.db.selectFrom('campaign_days').select('date').orderBy('date').execute()).map((r) => r.date);

describe('a source with three windows at once', () => {
  it('starts all three, and commits the first before the later ones that finished earlier', async () => {
    const first = gate();
    const { fake, runner, committed } = await setup({
      onDate: async (_account, date) => {
        if (date === '2021-09-01') await first.opened;
      },
    });
    const run = runner.runAll(SEPTEMBER, 'r1', 'backfill');
    while (fake.windows.length < 3) await new Promise((r) => setImmediate(r));
    // The second and third are read while the first still waits; nothing is stored yet.
    await new Promise((r) => setTimeout(r, 50));
    expect(committed).toEqual([]);
    expect(await storedDates()).toEqual([]);
    first.open();
    const [result] = await run;
    expect(result).toMatchObject({ status: 'ok', windowsDone: 3, rows: 90 }); // three geo rows a day
    expect(committed).toEqual(['2021-09-01 ok', '2021-09-11 ok', '2021-09-21 ok']);
    expect(await storedDates()).toEqual(eachDate({ from: '2021-09-01', to: '2021-09-30' }));
    expect(await store.getCursor('fake')).toBe('2021-09-30');
  });

  it('a later window failing while an earlier one still fetches: the earlier is stored, the cursor stops there', async () => {
    const first = gate();
    const { runner, committed } = await setup({
      failOn: { date: '2021-09-11', error: () => new FatalError('report FAILED on the platform') },
      onDate: async (_account, date) => {
        if (date === '2021-09-01') await first.opened;
      },
    });
    const run = runner.runAll(SEPTEMBER, 'r1', 'backfill');
    await new Promise((r) => setTimeout(r, 50));
    first.open();
    const [result] = await run;
    expect(result).toMatchObject({ status: 'failed', windowsDone: 1 });
    expect(result!.error).toContain('window 2021-09-11..2021-09-20 failed: report FAILED on the platform');
    // The third window was read in full, and is not stored: the cursor cannot pass the second.
    expect(committed).toEqual(['2021-09-01 ok', '2021-09-11 failed']);
    expect(await storedDates()).toEqual(eachDate({ from: '2021-09-01', to: '2021-09-10' }));
    expect(await store.getCursor('fake')).toBe('2021-09-10');
  });

  it('a shutdown with windows in flight stores the window read in full and nothing after it', async () => {
    const controller = new AbortController();
    const { runner, committed } = await setup(
      {
        onDate: async (_account, date, ctx) => {
          // The first window ends before the shutdown; the others are mid-way and make a request.
          if (date === '2021-09-10') controller.abort();
          if (date === '2021-09-15' || date === '2021-09-25') {
            await new Promise((r) => setTimeout(r, 20));
            await ctx.call('GET /report', async () => 1);
          }
        },
      },
      controller.signal,
    );
    const [result] = await runner.runAll(SEPTEMBER, 'r1', 'backfill');
    expect(result).toMatchObject({ status: 'interrupted', windowsDone: 1 });
    expect(await storedDates()).toEqual(eachDate({ from: '2021-09-01', to: '2021-09-10' }));
    expect(await store.getCursor('fake')).toBe('2021-09-10');
    expect(result!.error).toBe('source fake: interrupted after 1 of 3 window(s)');
    expect(committed).toEqual(['2021-09-01 ok']);
  });
});

describe('windows_at_once in the config', () => {
  it('is a whole number from 1 to 16; anything else is refused naming the source entry', () => {
    const registry = new Map([['test_fake', fakeConnector({ days: () => [], windows: [] })]]);
    for (const bad of ['0', '17', '2.5', '"four"']) {
      expect(() => configWith(SOURCE.replace('windows_at_once: 3', `windows_at_once: ${bad}`), registry)).toThrow(/sources\[0\]\.windows_at_once/);
    }
    expect(configWith(SOURCE, registry).sources[0]).toMatchObject({ windows_at_once: 3 });
  });
});
