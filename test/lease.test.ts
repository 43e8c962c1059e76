// Two processes never ingest the same source at once: a lease row in the database.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Store } from '../src/store/store.ts';
import { fakeConnector, steadyCampaign, type FakePlatform } from './helpers/fake-connector.ts';
import { configWith, openTestStore, tempDbPath, testRunner } from './helpers/app.ts';

const SOURCE = `
  - id: fake
    platform: test_fake
    accounts: [{ id: "111", time_zone: UTC }]
`;
const AFTER_2021 = () => new Date('2022-02-01T12:00:00Z');

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function setup() {
  const fake: FakePlatform = { days: () => [steadyCampaign('c1', 100)], windows: [] };
  const connector = fakeConnector(fake);
  const registry = new Map([[connector.platform, connector]]);
  return { fake, connector, registry, config: configWith(SOURCE, registry) };
}

describe('lease', () => {
  it('a second connection to the same file gets "busy" while the first ingests, and writes nothing', async () => {
    const file = tempDbPath();
    const a = await openTestStore(file);
    const b = await openTestStore(file);
    stores.push(a, b);
    const { connector, registry, config } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const open = connector.open.bind(connector);
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    connector.open = (cfg, ctx) => {
      const session = open(cfg, ctx);
      return {
        ...session,
        async *fetch(window, accounts) {
          entered();
          await gate;
          yield* session.fetch(window, accounts);
        },
      };
    };
    const first = testRunner(config, registry, a, { now: AFTER_2021, holder: 'process-a' }).runAll(
      { kind: 'backfill', from: '2021-09-01', to: '2021-09-05' }, 'ra', 'backfill');
    await inside;
    const [second] = await testRunner(config, registry, b, { now: AFTER_2021, holder: 'process-b' }).runAll(
      { kind: 'backfill', from: '2021-09-01', to: '2021-09-05' }, 'rb', 'backfill');
    expect(second!.status).toBe('busy');
    expect(second!.error).toContain('being ingested by another process (process-a');
    release();
    const [firstResult] = await first;
    expect(firstResult!.status).toBe('ok');
    const n = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM campaign_days`.execute(b.db);
    expect(n.rows[0]!.n).toBe(5);
    expect(await b.db.selectFrom('leases').selectAll().execute()).toEqual([]);
  });

  it('waits for the lease when asked to, then runs', async () => {
    const store = await openTestStore();
    stores.push(store);
    const { registry, config } = setup();
    const t0 = AFTER_2021();
    await store.acquireLease('fake', 'daemon', t0, 60_000);
    let clock = t0.getTime();
    let waited = 0;
    const runner = testRunner(config, registry, store, {
      now: () => new Date(clock),
      holder: 'backfill',
      leaseWaitMs: 10 * 60_000,
      sleep: async (ms) => {
        waited += ms;
        clock += ms;
        if (waited >= 10_000) await store.releaseLease('fake', 'daemon');
      },
    });
    const [r] = await runner.runAll({ kind: 'backfill', from: '2021-09-01', to: '2021-09-02' }, 'r', 'backfill');
    expect(r!.status).toBe('ok');
    expect(waited).toBeGreaterThanOrEqual(10_000);
  });

  it('a lease held by another OS process blocks; once that process is gone and the lease expires, it is taken over', async () => {
    const file = tempDbPath();
    const child = spawn(
      process.execPath,
      [
        '--import', 'tsx', '-e',
        `import { Store } from './src/store/store.ts';
         const s = await Store.open(${JSON.stringify(file)});
         const r = await s.acquireLease('fake', 'other-process', new Date(), 5 * 60_000);
         console.log(r.acquired ? 'held' : 'not held');
         await s.close();
         process.stdin.resume();`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(line.toString().trim()).toBe('held');
    const store = await openTestStore(file);
    stores.push(store);
    const { registry, config } = setup();
    const [busy] = await testRunner(config, registry, store, { holder: 'me' }).runAll({ kind: 'backfill', from: '2021-09-01', to: '2021-09-02' }, 'r1', 'backfill');
    expect(busy!.status).toBe('busy');
    child.kill('SIGKILL');
    await once(child, 'exit');
    const later = () => new Date(Date.now() + 6 * 60_000);
    const [ok] = await testRunner(config, registry, store, { holder: 'me', now: later }).runAll({ kind: 'backfill', from: '2021-09-01', to: '2021-09-02' }, 'r2', 'backfill');
    expect(ok!.status).toBe('ok');
  });
});
