// A connector session against the loopback sandbox, driven directly rather than by the runner:
// its fetch may run again for a window it already fetched (a retry) and for several windows at
// once (reports started together, jobs created before polling), and gives the same campaign days
// as one window after the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/connectors/index.ts';
import type { FetchEvent, Session, SourceConfigBase } from '../src/connectors/types.ts';
import type { DateWindow } from '../src/core/dates.ts';
import { silentLogger } from '../src/core/log.ts';
import type { AccountInfo } from '../src/core/records.ts';
import { makeContext } from '../src/ingest/runner.ts';
import { demoConfig, fastSleep, startSandbox } from '../src/sandbox/demo.ts';
import type { RunningSandbox } from '../src/sandbox/http.ts';
import { SIM_NOW } from '../src/sandbox/world.ts';
import type { Store } from '../src/store/store.ts';
import { openTestStore } from './helpers/app.ts';

const registry = defaultRegistry();
const OCTOBER_1: DateWindow = { from: '2021-10-01', to: '2021-10-07' };
const OCTOBER_2: DateWindow = { from: '2021-10-08', to: '2021-10-14' };

let sandbox: RunningSandbox;
let store: Store;
beforeAll(async () => {
  sandbox = await startSandbox();
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
  await sandbox.close();
});

function open(sourceId: string): { session: Session; cfg: SourceConfigBase } {
  const { config, env } = demoConfig(sandbox.baseUrl, registry);
  const cfg = config.sources.find((s) => s.id === sourceId)!;
  const ctx = makeContext(cfg, { store, log: silentLogger(), env, now: () => SIM_NOW, sleep: fastSleep }, silentLogger());
  return { session: registry.get(cfg.platform)!.open(cfg, ctx), cfg };
}

async function collect(events: AsyncIterable<FetchEvent>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of events) {
    if (e.kind === 'day') {
      const geo = e.day.geo.map((g) => `${g.country}${g.region ? `/${g.region}` : ''}=${g.impressions}`).join(',');
      out.push(`${e.day.accountId} ${e.day.campaignId} ${e.day.date} ${e.day.impressions} [${geo}]`);
    } else out.push(`${e.kind} ${e.accountId}`);
  }
  return out.sort();
}

describe.each(['google-ads', 'dv360', 'x-ads'])('a %s session', (sourceId) => {
  it('fetches two windows at once, then one of them again, exactly as one after the other', async () => {
    const sequential = open(sourceId);
    let accounts: AccountInfo[];
    let first: string[];
    let second: string[];
    try {
      accounts = (await sequential.session.accounts()).accounts;
      first = await collect(sequential.session.fetch(OCTOBER_1, accounts));
      second = await collect(sequential.session.fetch(OCTOBER_2, accounts));
    } finally {
      await sequential.session.close();
    }
    expect(first.filter((e) => e.includes(' 2021-10-')).length).toBeGreaterThan(0);
    expect(second.filter((e) => e.includes(' 2021-10-')).length).toBeGreaterThan(0);

    const { session } = open(sourceId);
    const createsBefore = sandbox.ctx.requests.filter((r) => r.method === 'POST' && r.url.pathname === '/v2/queries').length;
    try {
      const planned = (await session.accounts()).accounts;
      const [a, b] = await Promise.all([collect(session.fetch(OCTOBER_1, planned)), collect(session.fetch(OCTOBER_2, planned))]);
      expect(a).toEqual(first);
      expect(b).toEqual(second);
      expect(await collect(session.fetch(OCTOBER_1, planned))).toEqual(first);
    } finally {
      await session.close();
    }
    if (sourceId === 'dv360') {
      // Both windows ran the source's one saved query: the first session created it, this one reused it.
      const creates = sandbox.ctx.requests.filter((r) => r.method === 'POST' && r.url.pathname === '/v2/queries').length;
      expect(creates - createsBefore).toBe(0);
    }
    // Google Ads loads its client library's protos on first use: seconds on a busy machine.
  }, 120_000);
});
