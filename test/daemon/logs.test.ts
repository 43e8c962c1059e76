// Log lines: structured (run id, source, window, rows, duration) and free of secrets even when a
// request fails with the secret in its URL or its headers.
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError, TransientError } from '../../src/core/errors.ts';
import { runStatus } from '../../src/cli/status-command.ts';
import { appFor, collectingLogger, daemonFor, world, type World } from './setup.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.store.close();
  w = undefined;
});

const SOURCE_WITH_KEY = `
  - id: alpha
    platform: test_fake
    start_date: 2021-09-25
    api_key_env: FAKE_ADS_API_KEY
    accounts: [{ id: "111", time_zone: America/Los_Angeles }]
`;

/** Characters that URL-encoding and JSON-escaping both change, so every form of it is tested. */
const API_KEY = 'sk_live/Qm9+Zx=="tail\\end';
/** An OAuth access token obtained at run time: never registered, masked by its shape. */
const ACCESS_TOKEN = 'ya29.a0AfH6SMBxQ2m8kLr7TnV0pW3sYz';

/** An HTTP client error the way client libraries build them: the request rides along. */
function clientError(status: number): Error {
  const url = `https://ads.example.com/v1/stats?account=111&api_key=${encodeURIComponent(API_KEY)}&access_token=${ACCESS_TOKEN}`;
  const error = new FatalError(`GET ${url} answered ${status}`);
  Object.assign(error, {
    status,
    config: { url, headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, 'x-api-key': API_KEY } },
    request: { headers: { authorization: `Basic ${Buffer.from(`client:${API_KEY}`).toString('base64')}` } },
  });
  return error;
}

function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), new URLSearchParams({ k: secret }).toString().slice(2)];
}

function expectNoSecret(text: string): void {
  for (const form of [...forms(API_KEY), ACCESS_TOKEN, Buffer.from(`client:${API_KEY}`).toString('base64')]) {
    expect(text).not.toContain(form);
  }
}

describe('logs', () => {
  it('a window line carries run id, source, window, rows, requests and duration', async () => {
    const collected = collectingLogger({ level: 'info' });
    w = await world({ sources: SOURCE_WITH_KEY });
    w.fake.onDate = async (_a, _d, ctx) => {
      await ctx.call('GET /stats', async () => 'ok');
    };
    const daemon = daemonFor(w, { log: collected.log, env: { FAKE_ADS_API_KEY: API_KEY } });
    const report = await daemon.tick();
    const lines = collected.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const stored = lines.find((l) => l.msg === 'window stored');
    expect(stored).toMatchObject({
      level: 30,
      runId: report!.runId,
      source: 'alpha',
      window: { from: '2021-09-25', to: '2021-09-30' },
      rows: 6 * 3, // per day: US-CA, CA and the ZZ remainder
      days: 6,
      requests: 6,
    });
    expect(typeof stored!.durationMs).toBe('number');
    expect(typeof stored!.time).toBe('string');
    expect(lines.at(-1)).toMatchObject({ msg: 'scheduled run finished', runId: report!.runId, sources: [{ source: 'alpha', status: 'ok', rows: 18, requests: 6 }] });
  });

  it('no secret reaches a log line, the run log or status when a request fails with it in the URL and headers', async () => {
    const collected = collectingLogger({ level: 'trace' });
    w = await world({ sources: SOURCE_WITH_KEY });
    let attempts = 0;
    w.fake.onDate = async (_a, date, ctx) => {
      if (date !== '2021-09-27') return;
      await ctx.call(`GET /stats?api_key=${API_KEY}`, async () => {
        attempts += 1;
        // First a retryable failure (logged by the retry policy), then a fatal one.
        if (attempts === 1) throw new TransientError(`503 from https://ads.example.com/v1/stats?key=${encodeURIComponent(API_KEY)}`);
        // A connector that logs the raw client error before giving up.
        const error = clientError(401);
        ctx.log.error({ err: error, headers: { authorization: `Bearer ${ACCESS_TOKEN}` } }, `request failed: ${error.message}`);
        throw error;
      });
    };
    const daemon = daemonFor(w, { log: collected.log, env: { FAKE_ADS_API_KEY: API_KEY } });
    const report = await daemon.tick();
    expect(report!.results[0]!.status).toBe('failed');
    expect(attempts).toBe(2);

    const text = collected.text();
    expectNoSecret(text);
    expect(text).toContain('[redacted]');
    // The lines still say what happened.
    expect(text).toContain('request failed, retrying');
    expect(text).toContain('source alpha, window 2021-09-25..2021-09-30 failed: GET https://ads.example.com/v1/stats?account=111');
    for (const line of collected.lines) JSON.parse(line); // still valid JSON after masking

    const runs = await w.store.db.selectFrom('ingest_run_log').select('error').execute();
    expectNoSecret(JSON.stringify(runs));
    let status = '';
    await runStatus(appFor(w), { format: 'json', staleAfterDays: 3, now: w.clock.now() }, (t) => (status += t));
    expectNoSecret(status);
    expect(status).toContain('answered 401');
  });

  it('an error keeps its type, message and status; the request it carries never reaches the line', () => {
    const collected = collectingLogger();
    collected.log.error({ err: clientError(403) }, 'GET failed');
    const line = JSON.parse(collected.lines[0]!) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ type: 'FatalError', status: 403 });
    expect(line.err.message).toMatch(/^GET https:\/\/ads\.example\.com\/v1\/stats\?account=111&api_key=\[redacted\]&access_token=\[redacted\] answered 403$/);
    expect(Object.keys(line.err)).not.toContain('config');
    expect(Object.keys(line.err)).not.toContain('request');
  });

  it('pretty output on a terminal is redacted the same way', () => {
    const collected = collectingLogger({ pretty: true });
    collected.log.error({ headers: { Authorization: `Basic ${Buffer.from(`client:${API_KEY}`).toString('base64')}` } }, `GET failed with Authorization: Bearer ${ACCESS_TOKEN}`);
    expect(collected.text()).toContain('GET failed with Authorization: [redacted]');
    expectNoSecret(collected.text());
  });
});
