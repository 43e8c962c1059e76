// On SQLite a window commits through reused prepared statements; other engines take the generic
// kysely commit. Both must leave exactly the same database after the same windows: rows replaced
// per account read in full, campaigns upserted with their target, one run-log entry per window,
// the cursor moved only forward, and nothing at all when the transaction fails.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileGeo } from '../../src/core/geo.ts';
import type { StoredDay } from '../../src/core/records.ts';
import { Store, type WindowCommit } from '../../src/store/store.ts';
import { tempDbPath } from '../helpers/app.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function day(accountId: string, campaignId: string, date: string, impressions: number, name = `Campaign ${campaignId}`): StoredDay {
  return {
    date,
    accountId,
    campaignId,
    campaignName: name,
    channel: campaignId.startsWith('v') ? 'youtube' : 'display',
    platform: 'test_fake',
    impressions,
    clicks: campaignId === 'd1' ? 7 : undefined,
    geoMethod: 'test',
    geo: reconcileGeo(impressions, [
      { country: 'US', region: 'US-CA', impressions: Math.floor(impressions / 2) },
      { country: 'US', region: 'US-TX', impressions: Math.floor(impressions / 4) },
    ]),
  };
}

function window(from: string, to: string, days: StoredDay[], extra: Partial<WindowCommit> = {}): WindowCommit {
  return {
    runId: `run-${from}`,
    sourceId: 'fake',
    trigger: 'backfill',
    window: { from, to },
    accounts: [...new Set(days.map((d) => d.accountId))],
    days,
    targetOf: (c) => (c.channel === 'display' ? 'programmatic' : c.campaignName.includes('social') ? 'social' : null),
    startedAt: `${from}T01:00:00.000Z`,
    finishedAt: `${from}T02:00:00.000Z`,
    cursor: to,
    ...extra,
  };
}

/** Every row of every table a commit writes, in a fixed order. */
async function dump(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['campaign_days', 'geo_days', 'campaigns', 'ingest_run_log', 'source_cursors'] as const) {
    out[table] = await store.db.selectFrom(table).selectAll().orderBy((eb) => eb.lit(1)).execute();
    out[table]!.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

const WINDOWS: WindowCommit[] = [
  window('2021-09-01', '2021-09-02', [day('1', 'd1', '2021-09-01', 1000), day('1', 'd1', '2021-09-02', 1200), day('2', 'v1', '2021-09-01', 300, 'v1 social')]),
  // The platform restated a day and renamed a campaign; account 2 was not read in full (kept).
  window('2021-09-01', '2021-09-02', [day('1', 'd1', '2021-09-01', 900, 'renamed'), day('1', 'd1', '2021-09-02', 1200, 'renamed')], {
    runId: 'rerun',
    accounts: ['1'],
    note: 'account 2: not read',
    finishedAt: '2021-09-03T02:00:00.000Z',
  }),
  window('2021-09-03', '2021-09-05', [day('1', 'd1', '2021-09-03', 50), day('2', 'v2', '2021-09-04', 80)]),
  // A backfill of an earlier window: stored, the cursor stays where it is.
  window('2021-08-30', '2021-08-31', [day('1', 'd1', '2021-08-30', 10)]),
];

describe('the window commit', () => {
  it('prepared statements and the generic commit leave the same database, window after window', async () => {
    const prepared = await Store.open(tempDbPath());
    const generic = await Store.open(tempDbPath(), { preparedCommit: false });
    stores.push(prepared, generic);
    for (const w of WINDOWS) {
      const rows = [await prepared.commitWindow(w), await generic.commitWindow(w)];
      expect(rows[0]).toBe(rows[1]);
      expect(await dump(prepared)).toEqual(await dump(generic));
    }
    const state = await dump(prepared);
    expect(state.source_cursors).toMatchObject([{ source_id: 'fake', cursor_date: '2021-09-05' }]);
    // The name the latest window saw (the backfill's), with its target.
    expect(state.campaigns).toContainEqual(expect.objectContaining({ campaign_id: 'd1', campaign_name: 'Campaign d1', target_id: 'programmatic', updated_at: '2021-08-30T02:00:00.000Z' }));
    expect(state.campaigns).toContainEqual(expect.objectContaining({ campaign_id: 'v1', target_id: 'social' }));
    // Account 2's day of the first window survived the re-run that did not read it.
    expect(state.campaign_days).toContainEqual(expect.objectContaining({ account_id: '2', campaign_id: 'v1', date: '2021-09-01', impressions: 300 }));
    expect(state.ingest_run_log).toHaveLength(WINDOWS.length);
    expect(state.ingest_run_log).toContainEqual(expect.objectContaining({ run_id: 'rerun', rows: 6, error: 'account 2: not read' }));
  });

  it('a window that fails half-way leaves nothing of it, on either path', async () => {
    for (const preparedCommit of [true, false]) {
      const store = await Store.open(tempDbPath(), { preparedCommit });
      stores.push(store);
      await store.commitWindow(WINDOWS[0]!);
      const before = await dump(store);
      const twice = day('1', 'd1', '2021-09-02', 5);
      await expect(store.commitWindow(window('2021-09-02', '2021-09-03', [day('1', 'd1', '2021-09-03', 5), twice, twice]))).rejects.toThrow(/UNIQUE/);
      expect(await dump(store), preparedCommit ? 'prepared' : 'generic').toEqual(before);
    }
  });
});
