// The daemon as a real process: SIGTERM while a window is in flight leaves a consistent database
// and exits 0; the real CLI serves its health endpoint and stops on SIGTERM; a bad cron is a
// configuration error (exit 2).
// Every wait here is for an event (a log line, an exit), bounded by a deadline that fails the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDaemon } from '../../src/cli/daemon-command.ts';
import { addDays } from '../../src/core/dates.ts';
import { UsageError } from '../../src/core/errors.ts';
import { Store } from '../../src/store/store.ts';
import { TARGETS_YAML, tempDir } from '../helpers/app.ts';
import { PAUTA, ROOT } from '../helpers/cli.ts';
const DEADLINE_MS = 20_000;

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first JSON log line the predicate accepts. */
  waitFor: (predicate: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** `nodeArgs` start a script: the compiled CLI (PAUTA), or a TypeScript fixture through tsx. */
function start(nodeArgs: string[]): Proc {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, PAUTA_LOG_LEVEL: 'info', PAUTA_CONFIG: '', PAUTA_DB: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let pending = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) {
      if (!part.trim()) continue;
      const line = JSON.parse(part) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiters.filter((x) => x.predicate(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitFor: (predicate) => {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
  };
}

/** Rejects when the deadline passes first, with what the process said so far. */
function within<T>(p: Proc, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${DEADLINE_MS} ms; stderr: ${p.stderr()}; last lines: ${JSON.stringify(p.lines.slice(-3))}`)), DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function writeConfig(dir: string, body: string): string {
  const file = path.join(dir, 'pauta.yaml');
  writeFileSync(file, `${body}\n${TARGETS_YAML}`);
  return file;
}

describe('daemon process', () => {
  it('SIGTERM while a window is in flight: exits 0, and only whole windows are stored', async () => {
    const dir = tempDir();
    const config = writeConfig(
      dir,
      `
sources:
  - id: slow
    platform: test_fake
    start_date: 2021-09-01
    accounts: [{ id: "111", time_zone: America/Los_Angeles }]
`,
    );
    const db = path.join(dir, 'pauta.sqlite');
    const p = start(['--import', 'tsx', 'test/daemon/fixtures/slow-daemon.ts', config, db]);
    // First start: the catch-up run begins; wait until the second window has committed.
    await within(p, p.waitFor((l) => l.msg === 'window stored' && (l.window as { from: string }).from === '2021-09-06'), 'second window');
    p.child.kill('SIGTERM');
    const code = await within(p, p.exited, 'exit after SIGTERM');
    expect(code).toBe(0);
    expect(p.lines.some((l) => l.msg === 'daemon stopped')).toBe(true);

    const store = await Store.open(db);
    try {
      const cursor = await store.getCursor('slow');
      const days = (await store.db.selectFrom('campaign_days').select('date').orderBy('date').execute()).map((d) => d.date);
      const windowsStored = p.lines.filter((l) => l.msg === 'window stored').length;
      // Whole 5-day windows from Sept 1, contiguous, ending at the cursor: nothing half-written.
      expect(windowsStored).toBeGreaterThanOrEqual(2);
      expect(days).toHaveLength(windowsStored * 5);
      expect(days[0]).toBe('2021-09-01');
      expect(days.at(-1)).toBe(cursor);
      expect(days.every((d, i) => i === 0 || d === addDays(days[i - 1]!, 1))).toBe(true);
      const geo = await store.db.selectFrom('geo_days').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(geo.n)).toBe(days.length * 3);
      expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
      const last = await store.db.selectFrom('ingest_run_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      // Either the window in flight was rolled back (and said so) or it finished and was the last.
      if (last.status === 'failed') expect(last.error).toContain('interrupted by shutdown');
      else expect(last.window_to).toBe(cursor);
    } finally {
      await store.close();
    }
  });

  it('the real CLI serves /healthz and stops on SIGTERM', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, 'health: { enabled: true, host: 127.0.0.1, port: 0 }\nsources: []');
    const p = start([...PAUTA, 'daemon', '--config', config, '--db', path.join(dir, 'pauta.sqlite')]);
    const listening = await within(p, p.waitFor((l) => l.msg === 'health endpoint listening'), 'health endpoint');
    await within(p, p.waitFor((l) => l.msg === 'daemon started'), 'daemon start');
    const response = await fetch(`${String(listening.url)}/healthz`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('ok');
    p.child.kill('SIGTERM');
    expect(await within(p, p.exited, 'exit after SIGTERM')).toBe(0);
    expect(p.lines.at(-1)).toMatchObject({ msg: 'daemon stopped', reason: 'stopped by SIGTERM' });
  });

  it('a schedule that is not cron is a configuration error before anything runs', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, 'schedule: { cron: "every morning" }\nsources: []');
    await expect(runDaemon({ config, db: path.join(dir, 'pauta.sqlite') }, {})).rejects.toThrow(UsageError);
    await expect(runDaemon({ config, db: path.join(dir, 'pauta.sqlite') }, {})).rejects.toThrow('schedule.cron: "every morning" is not a cron expression');
  });
});
