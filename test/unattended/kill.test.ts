// A crash costs seconds: a backfill process SIGKILLed at a few points (between windows, in the
// middle of one) is started again at once — not refused as busy, though the dead process's lease
// is still in the table — the database passes its integrity check, and the end result equals the
// simulated world exactly.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/demo.ts';
import type { RunningSandbox } from '../../src/sandbox/http.ts';
import { SIM_PERIOD } from '../../src/sandbox/world.ts';
import { Store } from '../../src/store/store.ts';
import { tempDbPath } from '../helpers/app.ts';
import { storedNumbers, worldNumbers } from '../helpers/sandbox-world.ts';

const WINDOW_DAYS = 7;
let sandbox: RunningSandbox;
const file = tempDbPath();

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

type Line = { source?: string; window?: { from: string; to: string }; status?: string; done?: { source: string; status: string; error?: string }[] };

function startBackfill(): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/backfill-child.ts', file, sandbox.baseUrl, String(WINDOW_DAYS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

function integrity(): string {
  const db = new SQLite(file, { readonly: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string);
  } finally {
    db.close();
  }
}

function leaseHolders(): string[] {
  const db = new SQLite(file, { readonly: true });
  try {
    return (db.prepare('SELECT holder FROM leases').all() as { holder: string }[]).map((r) => r.holder);
  } finally {
    db.close();
  }
}

describe('SIGKILL during a backfill', () => {
  it('the next run starts at once and the end result is exact', async () => {
    // Killed after the 2nd window, inside the 6th (a few ms after the 5th), and after the 20th.
    const killPoints = [
      { afterWindows: 2, delayMs: 0 },
      { afterWindows: 5, delayMs: 8 },
      { afterWindows: 20, delayMs: 0 },
    ];
    for (const [i, point] of killPoints.entries()) {
      const { child, lines } = startBackfill();
      const exited = once(child, 'exit');
      let stored = 0;
      let first: Line | undefined;
      for await (const text of lines) {
        const line = JSON.parse(text) as Line;
        first ??= line;
        expect(line.done, `run ${i + 1} ended before it was killed: ${text}`).toBeUndefined();
        if (line.status === 'ok') stored += 1;
        if (stored === point.afterWindows) break;
      }
      // A restarted backfill stored a window, so its sources were not refused as busy.
      expect(first?.status).toBe('ok');
      if (point.delayMs > 0) await new Promise((r) => setTimeout(r, point.delayMs));
      child.kill('SIGKILL');
      await exited;
      expect(integrity()).toBe('ok');
      // The killed process's leases (its sources run at once) are still there: only recognising
      // them as dead lets the next run in.
      const holders = leaseHolders();
      expect(holders.length).toBeGreaterThanOrEqual(1);
      expect(holders.every((h) => h.split(':')[1] === String(child.pid)), holders.join(', ')).toBe(true);
    }

    const { child, lines } = startBackfill();
    const exited = once(child, 'exit');
    let done: Line['done'];
    for await (const text of lines) done = (JSON.parse(text) as Line).done ?? done;
    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    expect(done).toEqual([
      { source: 'dv360', status: 'ok' },
      { source: 'x-ads', status: 'ok' },
    ]);
    expect(integrity()).toBe('ok');
    expect(leaseHolders()).toEqual([]);

    const store = await Store.open(file);
    try {
      const got = await storedNumbers(store);
      const dv360 = worldNumbers('dv360', [SIM_PERIOD]);
      const x = worldNumbers('x_ads', [SIM_PERIOD]);
      expect(got).toEqual({ days: [...dv360.days, ...x.days].sort(), geo: [...dv360.geo, ...x.geo].sort() });
      expect(await store.getCursor('dv360')).toBe(SIM_PERIOD.to);
      expect(await store.getCursor('x-ads')).toBe(SIM_PERIOD.to);
    } finally {
      await store.close();
    }
  }, 120_000);
});
