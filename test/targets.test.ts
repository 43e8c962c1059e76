// Which target a campaign counts toward: the first whose include rules match, so a campaign that
// two targets' rules describe is never counted twice. The store receives the rule, not the config.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.ts';
import { targetAssignment, targetFor } from '../src/indicators/targets.ts';
import type { Store } from '../src/store/store.ts';
import { openTestStore } from './helpers/app.ts';
import { fakeConnector } from './helpers/fake-connector.ts';

const fake = fakeConnector({ days: () => [], windows: [] });
const registry = new Map([[fake.platform, fake]]);

const config = parseConfig(
  `
sources:
  - id: fake
    platform: test_fake
    accounts: [{ id: "1", time_zone: UTC }]
targets:
  - id: programmatic
    name: Campaña en Programmatic
    projected: 517242
    period: { start: 2021-09-01, end: 2021-12-31 }
    include:
      - { channel: display }
  - id: social
    name: Campañas en YouTube y Twitter
    projected: 262963
    period: { start: 2021-09-01, end: 2021-12-31 }
    include:
      - { channel: youtube }
      - { campaign_name: "registro consular" }
`,
  'pauta.yaml',
  registry,
);

const campaign = (channel: string, campaignName: string) => ({ sourceId: 'fake', platform: 'test_fake', channel, campaignId: '16000101', campaignName });

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('targets', () => {
  it('a campaign both targets describe counts toward the first only', () => {
    expect(targetFor(campaign('display', 'Display — Registro consular'), config.targets)).toBe('programmatic');
    expect(targetFor(campaign('video', 'YouTube — Registro Consular, Norteamérica'), config.targets)).toBe('social');
    expect(targetFor(campaign('video', 'Video — Voto desde el exterior'), config.targets)).toBeNull();
  });

  it('the store re-assigns stored campaigns with the rule it is given', async () => {
    store = await openTestStore();
    await store.commitWindow({
      runId: 'r1',
      sourceId: 'fake',
      trigger: 'backfill',
      window: { from: '2021-09-01', to: '2021-09-01' },
      accounts: ['1'],
      days: [
        { date: '2021-09-01', accountId: '1', campaignId: 'c1', campaignName: 'Display — Registro consular', channel: 'display', impressions: 10, geo: [{ country: 'ZZ', region: '', impressions: 10 }], geoMethod: 'test', platform: 'test_fake' },
      ],
      targetOf: () => null,
      startedAt: '2022-01-01T00:00:00.000Z',
      finishedAt: '2022-01-01T00:00:00.000Z',
    });
    await store.syncTargets(targetAssignment(config.targets));
    const rows = await store.db.selectFrom('campaigns').select(['campaign_id', 'target_id']).execute();
    expect(rows).toEqual([{ campaign_id: 'c1', target_id: 'programmatic' }]);
    const targets = await store.db.selectFrom('targets').select(['target_id', 'projected', 'position']).orderBy('position').execute();
    expect(targets).toEqual([
      { target_id: 'programmatic', projected: 517242, position: 0 },
      { target_id: 'social', projected: 262963, position: 1 },
    ]);
  });
});
