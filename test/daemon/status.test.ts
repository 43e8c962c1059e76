// `pauta status`: per source the last date, lag, last run and next scheduled run; exit 1 when a
// source is stale beyond the threshold, so a monitoring check can call it.
import { afterEach, describe, expect, it } from 'vitest';
import { runStatus, type StatusFormat } from '../../src/cli/status-command.ts';
import { QuotaExhaustedError } from '../../src/core/errors.ts';
import type { StatusReport } from '../../src/ingest/status.ts';
import { appFor, daemonFor, world, type World } from './setup.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.store.close();
  w = undefined;
});

async function status(world: World, format: StatusFormat, staleAfterDays = 3): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await runStatus(appFor(world), { format, staleAfterDays, now: world.clock.now() }, (t) => (text += t));
  return { code, text };
}

/** alpha current, beta stuck since Sept 25 with its last run failed on quota. */
async function alphaCurrentBetaStale(): Promise<World> {
  const wd = await world({ now: '2021-09-26T12:30:00Z' });
  await daemonFor(wd).tick(); // both up to Sept 25
  wd.fake.failOn = { accountId: '222', date: '2021-09-26', error: () => new QuotaExhaustedError('RESOURCE_EXHAUSTED: daily operations quota spent') };
  wd.clock.set('2021-10-01T12:30:00Z');
  await daemonFor(wd).tick();
  wd.clock.set('2021-10-01T13:00:00Z');
  return wd;
}

describe('status', () => {
  it('exits 1 and says STALE when a source lags beyond the threshold', async () => {
    w = await alphaCurrentBetaStale();
    const { code, text } = await status(w, 'table');
    expect(code).toBe(1);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // Its last run re-pulled Sept 23..30 in one window: 8 days of 3 geo rows (US-CA, CA, ZZ).
    expect(lines[0]).toMatch(/^ok {4}alpha \(test_fake\): last date 2021-09-30, up to date; last run ok at 2021-10-01 07:30 \S+ \(schedule, 1 window, 24 rows\)$/);
    expect(lines[1]).toMatch(
      /^STALE beta \(test_fake\): last date 2021-09-25, 5 days behind 2021-09-30 \(stale after 3\); last run failed at 2021-10-01 07:30 \S+ \(schedule, 0 windows, 0 rows\): source beta, window 2021-09-23\.\.2021-09-30 quota exhausted: RESOURCE_EXHAUSTED: daily operations quota spent$/,
    );
    // 13:00 UTC on Oct 1 is 08:00 in Mexico City: the next 07:30 there is on Oct 2.
    expect(lines[2]).toMatch(/^next scheduled run: 2021-10-02 07:30 \S+ \(cron "30 7 \* \* \*" in America\/Mexico_City\)$/);
  });

  it('exits 0 when the threshold allows the lag', async () => {
    w = await alphaCurrentBetaStale();
    const { code, text } = await status(w, 'table', 5);
    expect(code).toBe(0);
    expect(text).not.toContain('STALE');
  });

  it('--format json gives the same facts for a machine', async () => {
    w = await alphaCurrentBetaStale();
    const { code, text } = await status(w, 'json');
    expect(code).toBe(1);
    const report = JSON.parse(text) as StatusReport;
    expect(report.staleAfterDays).toBe(3);
    expect(report.schedule).toEqual({ cron: '30 7 * * *', timezone: 'America/Mexico_City', nextRunAt: '2021-10-02T12:30:00.000Z' });
    expect(report.sources.map((s) => [s.sourceId, s.lastDate, s.lastComplete, s.lagDays, s.stale])).toEqual([
      ['alpha', '2021-09-30', '2021-09-30', 0, false],
      ['beta', '2021-09-25', '2021-09-30', 5, true],
    ]);
    expect(report.sources[1]!.lastRun).toMatchObject({ trigger: 'schedule', status: 'failed', windows: 0, rows: 0, finishedAt: '2021-10-01T12:30:00.000Z' });
    expect(report.sources[1]!.lastRun!.error).toContain('quota exhausted');
    expect(report.sources[0]!.lastSuccessAt).toBe('2021-10-01T12:30:00.000Z');
    expect(report.sources[0]!.ingestingNow).toBeNull();
  });

  it('a source never ingested is stale; a disabled one never is; a lease shows who is ingesting', async () => {
    w = await world({
      sources: `
  - id: alpha
    platform: test_fake
    accounts: [{ id: "111", time_zone: UTC }]
  - id: beta
    platform: test_fake
    enabled: false
    accounts: [{ id: "222", time_zone: UTC }]
`,
    });
    await w.store.acquireLease('alpha', 'daemon@ingest-1:812', new Date('2021-10-01T12:29:00Z'), 10 * 60_000);
    const { code, text } = await status(w, 'table');
    expect(code).toBe(1);
    expect(text).toMatch(/^STALE alpha \(test_fake\): never ingested; no runs yet; being ingested now by daemon@ingest-1:812 since 2021-10-01 07:29 \S+$/m);
    expect(text).toMatch(/^off {3}beta \(test_fake, disabled\): never ingested; no runs yet$/m);
  });
});
