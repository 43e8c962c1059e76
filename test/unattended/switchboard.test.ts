// The sandbox's fault switchboard: faults are known by name, armed a number of times, taken by
// the route that produces them; an operator arms them on a running sandbox over HTTP or with
// `pauta sandbox --fault NAME=TIMES`, and a wrong name is a usage error naming the known ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { startSandbox } from '../../src/sandbox/demo.ts';
import { FAULTS, Faults, faultsOf, parseFaultOption } from '../../src/sandbox/faults.ts';
import type { RunningSandbox } from '../../src/sandbox/http.ts';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

describe('the fault switchboard', () => {
  it('lists each platform’s faults with their kind', () => {
    expect(faultsOf('x_ads', 'transient').map((f) => f.name)).toContain('x_ads.jobs_paged');
    expect(faultsOf('dv360', 'permanent').map((f) => f.name)).toEqual(['dv360.daily_quota']);
    expect(new Set(FAULTS.map((f) => f.name)).size).toBe(FAULTS.length);
  });

  it('arms a fault a number of times; each take uses one', () => {
    const faults = new Faults();
    faults.arm('dv360.report_failed', 2);
    expect(faults.pending()).toEqual({ 'dv360.report_failed': 2 });
    expect([faults.take('dv360.report_failed'), faults.take('dv360.report_failed'), faults.take('dv360.report_failed')]).toEqual([true, true, false]);
    expect(faults.pending()).toEqual({});
    expect(() => faults.arm('dv360.report_faild')).toThrow(UsageError);
  });

  it('parses --fault NAME and NAME=TIMES, and refuses an unknown name with the known ones', () => {
    expect(parseFaultOption('x_ads.job_gone')).toEqual({ name: 'x_ads.job_gone', times: 1 });
    expect(parseFaultOption('x_ads.job_gone=3')).toEqual({ name: 'x_ads.job_gone', times: 3 });
    expect(() => parseFaultOption('x_ads.job_lost')).toThrow(/--fault x_ads.job_lost: expected NAME or NAME=TIMES .*known: google_ads\.temporarily_exhausted/);
    expect(() => parseFaultOption('x_ads.job_gone=0')).toThrow(UsageError);
  });

  it('is armed, listed and cleared over HTTP on a running sandbox', async () => {
    const url = `${sandbox.baseUrl}/sandbox/faults`;
    expect(await (await fetch(`${url}?arm=x_ads.download_cut&times=2`, { method: 'POST' })).json()).toEqual({ armed: { 'x_ads.download_cut': 2 } });
    const refused = await fetch(`${url}?arm=x_ads.nope`, { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toContain('unknown sandbox fault "x_ads.nope"');
    expect(await (await fetch(url)).json()).toEqual({ armed: { 'x_ads.download_cut': 2 } });
    expect(await (await fetch(url, { method: 'DELETE' })).json()).toEqual({ armed: {} });
  });
});
