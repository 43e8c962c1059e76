// Windows fetched at once against the loopback sandbox, whose DV360 reports and X jobs take three
// polls: a Sept–Dec backfill that starts several reports (creates several windows' jobs) before
// the first is read stores exactly what the one-window-at-a-time backfill stores, commits in
// window order, and a window that still fails after its retries holds the cursor before it
// however far the others got.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/connectors/index.ts';
import { silentLogger } from '../src/core/log.ts';
import { planBackfill } from '../src/ingest/plan.ts';
import { Runner, newRunId, type SourceRunResult, type WindowEvent } from '../src/ingest/runner.ts';
import { demoConfig, startSandbox } from '../src/sandbox/demo.ts';
import type { RunningSandbox, SandboxRequest } from '../src/sandbox/http.ts';
import { SIM_NOW, SIM_PERIOD } from '../src/sandbox/world.ts';
import { Store } from '../src/store/store.ts';
import { snapshot } from './helpers/app.ts';

const registry = defaultRegistry();
const SEPT_DEC = { kind: 'backfill' as const, from: SIM_PERIOD.from, to: SIM_PERIOD.to };
/** Waits shortened to at most 100 ms: a report's three polls still take a while, so windows overlap. */
const shortSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 100)));

interface Backfill {
  result: SourceRunResult;
  windows: WindowEvent[];
  requests: SandboxRequest[];
  store: Store;
  sandbox: RunningSandbox;
}

const open: Backfill[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) {
    await b.store.close();
    await b.sandbox.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One backfill of one source on a fresh sandbox and database. */
async function backfill(sourceId: string, windowsAtOnce: number, faults: string[] = []): Promise<Backfill> {
  const sandbox = await startSandbox({ pollsUntilDone: 3 });
  for (const f of faults) sandbox.ctx.faults.arm(f);
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-pipelined-'));
  dirs.push(dir);
  const store = await Store.open(path.join(dir, 'pauta.sqlite'));
  const windows: WindowEvent[] = [];
  const b = { windows, requests: sandbox.ctx.requests, store, sandbox } as Backfill;
  open.push(b);
  const { config, env } = demoConfig(sandbox.baseUrl, registry);
  const sources = config.sources.filter((s) => s.id === sourceId).map((s) => ({ ...s, windows_at_once: windowsAtOnce }));
  const runner = new Runner({ ...config, sources }, registry, {
    store,
    log: silentLogger(),
    env,
    now: () => SIM_NOW,
    sleep: shortSleep,
    onWindow: (e) => windows.push(e),
  });
  [b.result] = await runner.runAll(SEPT_DEC, newRunId(), 'backfill');
  return b;
}

/** Report runs (DV360) or job creations (X) of distinct windows sent before the first result file was downloaded. */
function windowsStartedBeforeFirstDownload(requests: readonly SandboxRequest[]): number {
  const firstDownload = requests.findIndex((r) => r.url.pathname.startsWith('/downloads/'));
  const starts = requests.slice(0, firstDownload).flatMap((r) => {
    if (r.method !== 'POST') return [];
    if (r.url.pathname.endsWith(':run')) return [JSON.stringify(JSON.parse(r.body.toString('utf8')).dataRange)];
    if (r.url.pathname.startsWith('/12/stats/jobs/')) return [r.url.searchParams.get('start_time')];
    return [];
  });
  return new Set(starts).size;
}

async function runLog(store: Store) {
  return store.db.selectFrom('ingest_run_log').select(['window_from', 'window_to', 'status']).where('window_from', 'is not', null).orderBy('id').execute();
}

describe.each(['dv360', 'x-ads'])('a %s backfill with several windows at once', (sourceId) => {
  it('stores exactly what one window at a time stores, committing in window order', async () => {
    const oneByOne = await backfill(sourceId, 1);
    const pipelined = await backfill(sourceId, 4);
    expect(oneByOne.result).toMatchObject({ status: 'ok' });
    expect(pipelined.result).toMatchObject({ status: 'ok', windowsDone: oneByOne.result.windowsDone, rows: oneByOne.result.rows });
    expect(pipelined.result.windowsDone).toBeGreaterThanOrEqual(3);
    expect(pipelined.result.rows).toBeGreaterThan(0);
    expect(await snapshot(pipelined.store)).toEqual(await snapshot(oneByOne.store));
    expect(await snapshot(pipelined.store)).toMatchObject({ cursors: [{ source_id: sourceId, cursor_date: SIM_PERIOD.to }] });

    // Several windows were under way before the first was read; one at a time, never.
    expect(windowsStartedBeforeFirstDownload(oneByOne.requests)).toBe(1);
    expect(windowsStartedBeforeFirstDownload(pipelined.requests)).toBeGreaterThanOrEqual(2);

    // Committed (and reported) in window order, each window with its own request count.
    const planned = pipelined.result.windows.map((w) => `${w.from}..${w.to}`);
    expect(pipelined.windows.map((e) => `${e.window.from}..${e.window.to}`)).toEqual(planned);
    expect(pipelined.windows.map((e) => e.index)).toEqual(planned.map((_, i) => i));
    expect((await runLog(pipelined.store)).map((r) => `${r.window_from}..${r.window_to} ${r.status}`)).toEqual(planned.map((w) => `${w} ok`));
    const perWindow = (b: Backfill) => b.windows.reduce((n, e) => n + e.requests, 0);
    expect(perWindow(pipelined)).toBe(perWindow(oneByOne));
    // A report or job takes three polls: every window made at least its start and those polls.
    for (const e of pipelined.windows) expect(e.requests).toBeGreaterThanOrEqual(4);
  }, 120_000);
});

describe('a failed window among windows fetched at once', () => {
  it('is fetched again; still failing, it is left out, the windows around it are stored, and the cursor stops before it', async () => {
    const windows = planBackfill({ from: SIM_PERIOD.from, to: SIM_PERIOD.to, lastComplete: SIM_PERIOD.to, maxWindowDays: 31 }).windows;
    expect(windows.length).toBe(4);
    const [first, second, third, fourth] = windows as [typeof windows[0], typeof windows[0], typeof windows[0], typeof windows[0]];
    // The second window's report FAILED on Google's side at each of its three attempts; the first
    // is slow (four more polls), so the third is read before the first is.
    const failedReport = `dv360.report_failed:${second.from}`;
    const b = await backfill('dv360', 4, [failedReport, failedReport, failedReport, 'dv360.slow_report']);
    expect(b.result.status).toBe('failed');
    expect(b.result.windowsDone).toBe(3);
    expect(b.result.failedWindows?.map((f) => [f.window, f.kind, f.attempts])).toEqual([[second, 'transient', 3]]);
    expect(b.result.error).toContain(`window ${second.from}..${second.to} failed`);
    expect(b.result.error).toContain('FAILED on Google');
    expect(await b.store.getCursor('dv360')).toBe(first.to);
    const log = (await runLog(b.store)).map((r) => `${r.window_from} ${r.status}`);
    expect(log.filter((l) => l.startsWith(second.from))).toEqual([`${second.from} retried`, `${second.from} retried`, `${second.from} failed`]);
    expect(log.filter((l) => l.endsWith(' ok'))).toEqual([first, third, fourth].map((w) => `${w.from} ok`));
    const inSecond = await b.store.db
      .selectFrom('campaign_days')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('date', '>=', second.from)
      .where('date', '<=', second.to)
      .executeTakeFirstOrThrow();
    expect(Number(inSecond.n)).toBe(0);
    const stored = await b.store.db.selectFrom('campaign_days').select((eb) => [eb.fn.min('date').as('first'), eb.fn.max('date').as('last')]).executeTakeFirstOrThrow();
    expect(stored).toEqual({ first: first.from, last: fourth.to });
    // The third window's report was read before the first's, and committed after it.
    const runs = b.requests.filter((r) => r.method === 'POST' && r.url.pathname.endsWith(':run')).map((r) => r.body.toString('utf8'));
    const startMonth = (w: { from: string }) => `"customStartDate":{"year":${Number(w.from.slice(0, 4))},"month":${Number(w.from.slice(5, 7))},"day":${Number(w.from.slice(8))}}`;
    const reportOf = (w: { from: string }) => runs.findIndex((body) => body.includes(startMonth(w)));
    expect(reportOf(first)).toBe(0);
    expect(reportOf(third)).toBeGreaterThan(0);
    const downloads = b.requests.filter((r) => r.url.pathname.startsWith('/downloads/dv360/')).map((r) => Number(r.url.pathname.split('/').at(-1)!.replace('.csv', '')));
    const firstReportId = Math.min(...downloads);
    expect(downloads.indexOf(firstReportId + reportOf(third))).toBeLessThan(downloads.indexOf(firstReportId));
    expect(b.windows.map((e) => `${e.window.from} ${e.status}`)).toEqual([first, second, third, fourth].map((w) => `${w.from} ${w === second ? 'failed' : 'ok'}`));
  }, 120_000);
});
