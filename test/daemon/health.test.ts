// The daemon's health endpoint over loopback: /healthz answers 200 while every source is fresh
// and 503 once one is stale; /metrics is Prometheus text with per-source facts.
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError } from '../../src/core/errors.ts';
import type { Daemon } from '../../src/schedule.ts';
import { daemonFor, world, type World } from './setup.ts';

let w: World | undefined;
let daemon: Daemon | undefined;
afterEach(async () => {
  await daemon?.stop('test over');
  await w?.store.close();
  w = daemon = undefined;
});

const HEALTH_ON_ANY_PORT = `
schedule: { cron: "30 7 * * *", timezone: America/Mexico_City, stale_after_days: 3 }
health: { enabled: true, host: 127.0.0.1, port: 0 }
`;

/** The sample lines of one metric family. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('health endpoint', () => {
  it('serves /healthz and /metrics on loopback with what the runs did', async () => {
    w = await world({ extra: HEALTH_ON_ANY_PORT });
    w.fake.failOn = { accountId: '222', date: '2021-09-05', error: () => new FatalError('403 PERMISSION_DENIED') };
    daemon = daemonFor(w);
    // First start: no run ever, so the catch-up runs at once.
    const { catchUp } = await daemon.start();
    const report = await catchUp;
    expect(report?.results.map((r) => r.status)).toEqual(['ok', 'failed']);
    const url = daemon.healthUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await metrics.text();
    // alpha: Sept 1..30 stored, 3 geo rows a day; beta failed in its first window.
    expect(samples(text, 'pauta_rows_ingested_total')).toEqual(['pauta_rows_ingested_total{source="alpha"} 90', 'pauta_rows_ingested_total{source="beta"} 0']);
    expect(samples(text, 'pauta_run_failures_total')).toEqual(['pauta_run_failures_total{source="alpha"} 0', 'pauta_run_failures_total{source="beta"} 1']);
    expect(samples(text, 'pauta_source_last_success_timestamp_seconds')).toEqual([
      `pauta_source_last_success_timestamp_seconds{source="alpha",platform="test_fake"} ${Date.parse('2021-10-01T12:30:00Z') / 1000}`,
    ]);
    expect(samples(text, 'pauta_source_stale')).toEqual(['pauta_source_stale{source="alpha"} 0', 'pauta_source_stale{source="beta"} 1']);
    expect(samples(text, 'pauta_source_runs_total')).toEqual(['pauta_source_runs_total{source="alpha",status="ok"} 1', 'pauta_source_runs_total{source="beta",status="failed"} 1']);
    expect(samples(text, 'pauta_daemon_next_tick_timestamp_seconds')).toEqual([`pauta_daemon_next_tick_timestamp_seconds ${Date.parse('2021-10-02T12:30:00Z') / 1000}`]);
    expect(text).toContain('# TYPE pauta_rows_ingested_total counter\n');

    // beta never ingested a day: stale, so the check fails.
    const unhealthy = await fetch(`${url}/healthz`);
    expect(unhealthy.status).toBe(503);
    const body = (await unhealthy.json()) as { status: string; sources: { id: string; stale: boolean; lastRun: { error: string } | null }[] };
    expect(body.status).toBe('stale');
    expect(body.sources.map((s) => [s.id, s.stale])).toEqual([['alpha', false], ['beta', true]]);
    expect(body.sources[1]!.lastRun!.error).toContain('403 PERMISSION_DENIED');

    // The platform lets beta in again; the next tick brings it up to date.
    w.fake.failOn = undefined;
    w.clock.set('2021-10-02T12:30:00Z');
    await daemon.tick();
    const healthy = await fetch(`${url}/healthz`);
    expect(healthy.status).toBe(200);
    expect(((await healthy.json()) as { status: string }).status).toBe('ok');
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405);

    await daemon.stop('SIGTERM');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
