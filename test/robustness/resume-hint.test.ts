// The command printed to finish an interrupted backfill must write to the same database with the
// same config the interrupted one used, or following it fills another file.
import { afterEach, describe, expect, it } from 'vitest';
import { ingest, resumeHints } from '../../src/cli/ingest-commands.ts';
import { appFor, world, type World } from '../daemon/setup.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.store.close();
  w = undefined;
});

const RANGE = { from: '2021-09-01', to: '2021-12-31' };

describe('backfill resume hint', () => {
  it('repeats an explicit --config and --db, quoting a path with spaces', async () => {
    w = await world({ now: '2022-02-01T12:00:00Z' });
    const controller = new AbortController();
    w.fake.onDate = async (account, date, ctx) => {
      if (account === '111' && date === '2021-10-04') {
        controller.abort(new Error('stopped by SIGINT'));
        await ctx.call('GET /stats', async () => 1);
      }
    };
    const app = appFor(w);
    const first = await ingest(app, { kind: 'backfill', ...RANGE }, 'backfill', { signal: controller.signal, now: w.clock.now, sleep: async () => undefined });
    expect(resumeHints(app, RANGE, 'alpha', first, { config: '/srv/pauta/prod.yaml', db: "/srv/my data/it's.sqlite" })).toEqual([
      `  alpha (interrupted): npm run backfill -- --config /srv/pauta/prod.yaml --db '/srv/my data/it'\\''s.sqlite' --from 2021-10-01 --to 2021-12-31 --source alpha`,
    ]);
    expect(resumeHints(app, RANGE, 'alpha', first, {})).toEqual([
      '  alpha (interrupted): npm run backfill -- --from 2021-10-01 --to 2021-12-31 --source alpha',
    ]);
  });
});
