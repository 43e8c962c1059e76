// The connector state, typed: a connector reads what it stored through its declared key, and a
// stored value of another shape (an older pauta, a hand edit) fails naming the key — never used
// as if it fit, never silently replaced.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { SAVED_QUERY } from '../src/connectors/dv360/query.ts';
import { windowJobs } from '../src/connectors/x-ads/jobs.ts';
import { StateShapeError, typedState } from '../src/connectors/state.ts';
import type { Store } from '../src/store/store.ts';
import { openTestStore } from './helpers/app.ts';
import { backfill } from './dv360/bid-manager-mock.ts';

let store: Store;
beforeEach(async () => {
  nock.disableNetConnect();
  store = await openTestStore();
});
afterEach(async () => {
  nock.enableNetConnect();
  await store.close();
});

describe('typed connector state', () => {
  it('gives back what was stored under a key, and nothing for a key never set', async () => {
    const state = typedState(store.connectorState('dv360'), 'dv360');
    expect(await state.get(SAVED_QUERY)).toBeUndefined();
    await state.set(SAVED_QUERY, { queryId: '1234567', fingerprint: 'a1b2c3d4e5f60718' });
    expect(await state.get(SAVED_QUERY)).toEqual({ queryId: '1234567', fingerprint: 'a1b2c3d4e5f60718' });
    await state.delete(SAVED_QUERY);
    expect(await state.get(SAVED_QUERY)).toBeUndefined();
  });

  it('keeps keys of one family apart: the jobs of each account-window', async () => {
    const state = typedState(store.connectorState('x-ads'), 'x-ads');
    const november = windowJobs('18ce54d4x5t', { from: '2021-11-01', to: '2021-11-14' });
    const december = windowJobs('18ce54d4x5t', { from: '2021-12-01', to: '2021-12-14' });
    await state.set(november, [{ key: 'ALL_ON_TWITTER|96683cc9126741d1|2021-11-01..2021-11-14|f2qqv', id: '1458000000000000101' }]);
    expect(november.name).toBe('jobs:18ce54d4x5t:2021-11-01:2021-11-14');
    expect(await state.get(december)).toBeUndefined();
    expect(await state.get(november)).toHaveLength(1);
  });

  it('fails naming the key and the field when a stored value has another shape', async () => {
    await store.connectorState('dv360').set('saved_query', { queryId: 1234567, fingerprint: 'a1b2c3d4e5f60718' });
    const state = typedState(store.connectorState('dv360'), 'dv360');
    const read = state.get(SAVED_QUERY);
    await expect(read).rejects.toBeInstanceOf(StateShapeError);
    await expect(read).rejects.toThrow(/source dv360: connector state "saved_query" does not have the shape pauta stores \(queryId: .*string/);
    await expect(read).rejects.toThrow("delete that row of connector_state (source_id 'dv360', key 'saved_query')");
  });

  it('a malformed value fails the window that reads it, stores nothing and is kept for a person to look at', async () => {
    // The request count is read before the first Bid Manager request: nothing goes out.
    await store.connectorState('dv360').set('bid_manager_requests', { day: '2022-02-01', count: 'ten' });
    const { result } = await backfill(store, '2021-09-01', '2021-09-02');
    expect(result.status).toBe('failed');
    expect(result.error).toContain('window 2021-09-01..2021-09-02 failed: source dv360: connector state "bid_manager_requests" does not have the shape pauta stores (count:');
    expect(await store.db.selectFrom('campaign_days').selectAll().execute()).toEqual([]);
    expect(await store.connectorState('dv360').get('bid_manager_requests')).toEqual({ day: '2022-02-01', count: 'ten' });
  });
});
