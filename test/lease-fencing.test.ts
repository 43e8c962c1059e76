// A worker that loses its lease while it fetches (it stalled past the TTL and another worker took
// the source over) cannot commit: the window fails with the reason, nothing of it is stored, and
// the new holder's lease is left alone. On SQLite and on PostgreSQL.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.ts';
import { configWith, testRunner } from './helpers/app.ts';
import { fakeConnector, steadyCampaign, type FakePlatform } from './helpers/fake-connector.ts';
import { ENGINE_CASES, dropSchemas } from './helpers/postgres.ts';

const SOURCE = `
  - id: fake
    platform: test_fake
    accounts: [{ id: "111", time_zone: UTC }]
`;

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
afterAll(dropSchemas);

for (const [engine, skip] of ENGINE_CASES) {
  describe.skipIf(skip)(`lease fencing on ${engine.name}${skip ? ' (SKIPPED: no PostgreSQL server)' : ''}`, () => {
    it('a window fetched under a lease that was taken over is not written', async () => {
      const store = await engine.open();
      stores.push(store);
      let clock = new Date('2022-02-01T12:00:00Z').getTime();
      const fake: FakePlatform = {
        days: () => [steadyCampaign('c1', 100)],
        windows: [],
        // While the second window is read, this worker stalls for two minutes (its 60 s lease
        // lapses) and another worker takes the source over.
        onDate: async (_account, date) => {
          if (date !== '2021-09-15') return;
          clock += 120_000;
          expect(await store.acquireLease('fake', 'worker-b', new Date(clock), 60_000)).toEqual({ acquired: true });
        },
      };
      const connector = fakeConnector(fake);
      const registry = new Map([[connector.platform, connector]]);
      const config = configWith(SOURCE, registry);
      const runner = testRunner(config, registry, store, { now: () => new Date(clock), holder: 'worker-a', leaseTtlMs: 60_000 });
      const [result] = await runner.runAll({ kind: 'backfill', from: '2021-09-01', to: '2021-09-20' }, 'ra', 'backfill');
      expect(result!.status).toBe('failed');
      expect(result!.windowsDone).toBe(1);
      expect(result!.error).toContain('the lease of worker-a expired or was taken over by another worker before the window committed; nothing of it was stored');
      const dates = await store.db.selectFrom('campaign_days').select('date').orderBy('date').execute();
      expect(dates.map((d) => d.date)).toEqual(Array.from({ length: 10 }, (_, i) => `2021-09-${String(i + 1).padStart(2, '0')}`));
      expect(await store.getCursor('fake')).toBe('2021-09-10');
      expect(await store.db.selectFrom('leases').select('holder').execute()).toEqual([{ holder: 'worker-b' }]);
    });
  });
}
