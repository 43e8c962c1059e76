// Daemons on several machines share one PostgreSQL database. A source another worker holds at
// a tick is watched: when that worker dies, its lease stays past its expiry and this daemon takes
// the source over within the same tick; when it finishes normally, nothing is fetched twice.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { dropSchemas, freshSchemaUrl, postgresAvailable } from '../helpers/postgres.ts';
import { daemonFor, world, type World } from './setup.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.store.close();
  w = undefined;
});
afterAll(dropSchemas);

const statuses = (results: { sourceId: string; status: string }[] | undefined) => results?.map((r) => [r.sourceId, r.status]);

describe.skipIf(!postgresAvailable)(`a daemon sharing PostgreSQL with other workers${postgresAvailable ? '' : ' (SKIPPED: no PostgreSQL server)'}`, () => {
  it('takes over a source whose worker died, once its lease has expired', async () => {
    w = await world({ store: await Store.open(freshSchemaUrl('takeover')) });
    const world_ = w;
    await world_.store.acquireLease('alpha', 'worker-2@db2:77', world_.clock.now(), 5 * 60_000);
    const waits: number[] = [];
    // Simulated time: waiting moves the clock.
    const daemon = daemonFor(world_, {
      sleep: async (ms) => {
        waits.push(ms);
        world_.clock.current = new Date(world_.clock.current.getTime() + ms);
      },
    });
    const report = await daemon.tick();
    expect(statuses(report?.results)).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    expect(waits).toContain(5 * 60_000 + 1_000);
    expect(await world_.store.getCursor('alpha')).toBe('2021-09-30');
    expect(await world_.store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
  });

  it('leaves a source alone when its worker finishes and lets the lease go', async () => {
    w = await world({ store: await Store.open(freshSchemaUrl('takeover')) });
    const world_ = w;
    await world_.store.acquireLease('alpha', 'worker-2@db2:77', world_.clock.now(), 5 * 60_000);
    const daemon = daemonFor(world_, {
      sleep: async (ms) => {
        world_.clock.current = new Date(world_.clock.current.getTime() + ms);
        await world_.store.releaseLease('alpha', 'worker-2@db2:77');
      },
    });
    const report = await daemon.tick();
    expect(statuses(report?.results)).toEqual([['alpha', 'busy'], ['beta', 'ok']]);
    expect(await world_.store.getCursor('alpha')).toBeUndefined();
  });
});
