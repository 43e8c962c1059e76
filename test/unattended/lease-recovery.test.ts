// A killed process leaves its lease. On this host, a holder whose pid no longer exists is taken
// over at once (and the log says so); a holder on another host blocks until its short lease —
// kept alive by its heartbeat while it lives — expires, seconds later.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TTL_MS, commandHolder, daemonHolder, holderIsDeadHere, parseHolder } from '../../src/ingest/lease-holder.ts';
import type { Store } from '../../src/store/store.ts';
import { configWith, openTestStore, testRunner } from '../helpers/app.ts';
import { fakeConnector, steadyCampaign } from '../helpers/fake-connector.ts';
import { collectingLogger } from '../daemon/setup.ts';

const SOURCE = `
  - id: fake
    platform: test_fake
    accounts: [{ id: "111", time_zone: UTC }]
`;
const NOW = new Date('2022-02-01T12:00:00Z');
const RANGE = { kind: 'backfill' as const, from: '2021-09-01', to: '2021-09-02' };

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

function setup() {
  const connector = fakeConnector({ days: () => [steadyCampaign('c1', 100)], windows: [] });
  const registry = new Map([[connector.platform, connector]]);
  return { registry, config: configWith(SOURCE, registry) };
}

/** The pid of a process that has just exited: no process has it now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid!;
}

describe('lease holders', () => {
  it('name their host and pid, and are dead only on this host with no such process', async () => {
    expect(parseHolder(commandHolder())).toEqual({ host: hostname(), pid: process.pid });
    expect(parseHolder(daemonHolder())).toEqual({ host: hostname(), pid: process.pid });
    expect(parseHolder('process-a')).toBeUndefined();
    const pid = await deadPid();
    expect(holderIsDeadHere(`${hostname()}:${pid}:abcd1234`)).toBe(true);
    expect(holderIsDeadHere(`daemon@${hostname()}:${pid}`)).toBe(true);
    expect(holderIsDeadHere(`another-host:${pid}:abcd1234`)).toBe(false);
    expect(holderIsDeadHere(commandHolder())).toBe(false);
    expect(holderIsDeadHere(`${hostname()}:1:abcd1234`)).toBe(false); // init is alive
  });
});

describe('after a crash', () => {
  it('a lease of a process gone from this host is taken over at once, and the log says whose', async () => {
    store = await openTestStore();
    const { registry, config } = setup();
    const dead = `${hostname()}:${await deadPid()}:deadbeef`;
    // Left by a backfill killed a moment ago: it would hold for the whole TTL.
    await store.acquireLease('fake', dead, NOW, 10 * 60_000);
    const { log, text } = collectingLogger({ level: 'warn' });
    const [r] = await testRunner(config, registry, store, { now: () => NOW, log, holder: commandHolder() }).runAll(RANGE, 'r', 'backfill');
    expect(r!.status).toBe('ok');
    expect(text()).toContain(`the lease of ${dead} was taken over: that process no longer exists on this host`);
    expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
  });

  it('a lease held on another host blocks until it expires; the default lease lasts 30 seconds', async () => {
    store = await openTestStore();
    const { registry, config } = setup();
    expect(DEFAULT_LEASE_TTL_MS).toBe(30_000);
    await store.acquireLease('fake', 'daemon@other-host:4242', NOW, DEFAULT_LEASE_TTL_MS);
    const [busy] = await testRunner(config, registry, store, { now: () => NOW, holder: commandHolder() }).runAll(RANGE, 'r1', 'backfill');
    expect(busy!.status).toBe('busy');
    const later = new Date(NOW.getTime() + DEFAULT_LEASE_TTL_MS + 1);
    const [ok] = await testRunner(config, registry, store, { now: () => later, holder: commandHolder() }).runAll(RANGE, 'r2', 'backfill');
    expect(ok!.status).toBe('ok');
  });

  it('a live process on this host keeps its lease', async () => {
    store = await openTestStore();
    const { registry, config } = setup();
    await store.acquireLease('fake', `${hostname()}:${process.pid}:0ther000`, NOW, DEFAULT_LEASE_TTL_MS);
    const [busy] = await testRunner(config, registry, store, { now: () => NOW, holder: commandHolder() }).runAll(RANGE, 'r', 'backfill');
    expect(busy!.status).toBe('busy');
  });

  it('a run whose lease another process took (it stalled past the TTL) commits no further window', async () => {
    store = await openTestStore();
    const s = store;
    const connector = fakeConnector({
      days: () => [steadyCampaign('c1', 100)],
      windows: [],
      // Inside the second window, another process takes the lease and the heartbeat comes round.
      onDate: async (_account, date) => {
        if (date !== '2021-09-11') return;
        await s.db.updateTable('leases').set({ holder: 'daemon@other-host:77', expires_at: '2099-01-01T00:00:00.000Z' }).execute();
        await new Promise((r) => setTimeout(r, 1_300));
      },
    });
    const registry = new Map([[connector.platform, connector]]);
    const config = configWith(SOURCE, registry);
    const [r] = await testRunner(config, registry, store, { now: () => NOW, holder: commandHolder(), leaseTtlMs: 3_000 }).runAll(
      { kind: 'backfill', from: '2021-09-01', to: '2021-09-30' }, 'r', 'backfill');
    expect([r!.status, r!.windowsDone]).toEqual(['failed', 1]);
    expect(r!.error).toContain('the lease was taken over by another process after 1 of 3 window(s)');
    expect(r!.notFetched).toEqual([{ from: '2021-09-11', to: '2021-09-20' }, { from: '2021-09-21', to: '2021-09-30' }]);
    expect(await store.getCursor('fake')).toBe('2021-09-10');
    // Its lease is the other process's: releasing ours touched nothing.
    expect((await store.db.selectFrom('leases').select('holder').execute()).map((l) => l.holder)).toEqual(['daemon@other-host:77']);
  });

  it('of two processes taking over the same dead lease, one wins', async () => {
    store = await openTestStore();
    const dead = `${hostname()}:${await deadPid()}:deadbeef`;
    await store.acquireLease('fake', dead, NOW, 10 * 60_000);
    const wins = await Promise.all([store.takeOverLease('fake', dead, 'a:1:x', NOW, 30_000), store.takeOverLease('fake', dead, 'b:2:y', NOW, 30_000)]);
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});
