// How the store's window commit scales: a re-run (delete + insert) against a first write, and
// a 4× larger window against a 1× one; and its throughput against raw better-sqlite3 prepared
// inserts of the same rows into the same schema and file settings. Prints ratios measured in this run.
import { rmSync } from 'node:fs';
import SQLite from 'better-sqlite3';
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

/** One small window written first on every connection measured. */
const WARM_UP = days('2021-01-01', 1, 5);

/** A new database file with pauta's schema and settings (WAL, synchronous NORMAL). */
async function freshStore(dir: string, name: string, opts: { preparedCommit?: boolean } = {}): Promise<Store> {
  return Store.open(path.join(dir, `${name}.sqlite`), opts);
}

/** The same rows through better-sqlite3 alone: two prepared inserts reused in one transaction. */
async function rawInsertMs(dir: string, name: string, d: StoredDay[]): Promise<number> {
  await (await freshStore(dir, name)).close();
  const db = new SQLite(path.join(dir, `${name}.sqlite`));
  try {
    db.pragma('synchronous = NORMAL');
    const insertDay = db.prepare(`INSERT INTO campaign_days (source_id, account_id, campaign_id, date, impressions, clicks, video_views, cost_micros, geo_method, run_id, fetched_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertGeo = db.prepare('INSERT INTO geo_days (source_id, account_id, campaign_id, date, country, region, impressions) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const now = new Date().toISOString();
    const insert = db.transaction((rows: StoredDay[]) => {
      for (const r of rows) insertDay.run('bench', r.accountId, r.campaignId, r.date, r.impressions, null, null, null, r.geoMethod, 'bench', now);
      for (const r of rows) for (const g of r.geo) insertGeo.run('bench', r.accountId, r.campaignId, r.date, g.country, g.region, g.impressions);
    });
    insert(WARM_UP); // as the store's commit below: the connection has written once before
    const t0 = performance.now();
    insert(d);
    return performance.now() - t0;
  } finally {
    db.close();
  }
}

/** A first commit of the window into a new file through the store. */
async function storeCommitMs(dir: string, name: string, d: StoredDay[], from: string, n: number, opts: { preparedCommit?: boolean } = {}): Promise<number> {
  const store = await freshStore(dir, name, opts);
  try {
    await commitMs(store, WARM_UP, '2021-01-01', 1);
    return await commitMs(store, d, from, n);
  } finally {
    await store.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Rows per second of the store's commit and of raw inserts, alternating, medians of each. */
async function storeVersusRaw(dir: string): Promise<string[]> {
  const window = days('2021-10-01', 28, 100);
  const rows = window.length + window.reduce((s, d) => s + d.geo.length, 0);
  const prepared: number[] = [];
  const generic: number[] = [];
  const raw: number[] = [];
  const trials = 7;
  for (let i = 0; i < trials; i++) {
    raw.push(await rawInsertMs(dir, `raw-${i}`, window));
    prepared.push(await storeCommitMs(dir, `store-${i}`, window, '2021-10-01', 28));
    generic.push(await storeCommitMs(dir, `generic-${i}`, window, '2021-10-01', 28, { preparedCommit: false }));
  }
  const perSecond = (ms: number) => Math.round(rows / (ms / 1000));
  const [p, g, r] = [median(prepared), median(generic), median(raw)];
  return [
    `store ÷ raw better-sqlite3 rows/s, a 28-day window of ${rows} rows into a new file, median of ${trials}: ${(r / p).toFixed(2)}× (store ${perSecond(p)} rows/s, raw ${perSecond(r)} rows/s)`,
    `generic kysely commit (the path other engines take) ÷ raw rows/s: ${(r / g).toFixed(2)}× (${perSecond(g)} rows/s)`,
  ];
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
      ...(await storeVersusRaw(dir)),
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
