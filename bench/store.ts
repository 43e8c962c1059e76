// How the store's window commit scales: a re-run (delete + insert) against a first write, and
// a 4× larger window against a 1× one. Prints ratios measured in this run.
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addDays, eachDate } from '../src/core/dates.ts';
import { reconcileGeo } from '../src/core/geo.ts';
import type { StoredDay } from '../src/core/records.ts';
import { Store } from '../src/store/store.ts';

function days(from: string, n: number, campaigns: number): StoredDay[] {
  const out: StoredDay[] = [];
  for (const date of eachDate({ from, to: addDays(from, n - 1) })) {
    for (let c = 0; c < campaigns; c += 1) {
      const geo = ['US-CA', 'US-TX', 'US-IL', 'US-NY', 'US-FL', 'US-AZ', 'US-WA', 'US-GA', 'US-NJ', 'US-NV'].map((region, i) => ({
        country: 'US',
        region,
        impressions: 100 + i,
      }));
      out.push({
        date, accountId: '1', campaignId: String(1000 + c), campaignName: `c${c}`, channel: 'display', platform: 'bench',
        impressions: 2000, geoMethod: 'bench', geo: reconcileGeo(2000, geo),
      });
    }
  }
  return out;
}

async function commitMs(store: Store, d: StoredDay[], from: string, n: number): Promise<number> {
  const t0 = performance.now();
  await store.commitWindow({
    runId: 'bench', sourceId: 'bench', trigger: 'bench', window: { from, to: addDays(from, n - 1) }, accounts: ['1'], days: d,
    targetOf: () => null, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
  });
  return performance.now() - t0;
}

export async function benchStore(): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-bench-'));
  const store = await Store.open(path.join(dir, 'bench.sqlite'));
  try {
    const small = days('2021-09-01', 7, 50);
    const large = days('2021-10-01', 28, 50);
    await commitMs(store, small, '2021-09-01', 7); // warm-up
    const first = await commitMs(store, large, '2021-10-01', 28);
    const rerun = await commitMs(store, large, '2021-10-01', 28);
    const smallRerun = await commitMs(store, small, '2021-09-01', 7);
    const rows = large.reduce((s, d) => s + d.geo.length, 0);
    return [
      `store: first commit of a 28-day window, ${rows} geo rows: ${first.toFixed(0)} ms (${Math.round(rows / (first / 1000))} rows/s)`,
      `store: re-run of the same window (replace) ÷ first commit: ${(rerun / first).toFixed(2)}×`,
      `store: 28-day window ÷ 7-day window (4× the rows): ${(rerun / smallRerun).toFixed(2)}×`,
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
