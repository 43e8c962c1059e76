// The CLI as a person runs it: exit codes, messages, a new database.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.ts';
import { tempDir } from './helpers/app.ts';
import { PAUTA } from './helpers/cli.ts';

function pauta(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...PAUTA, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PAUTA_LOG_LEVEL: 'warn', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pauta CLI', () => {
  it('report --format json on a new database prints both targets with achieved 0 and pct 0', async () => {
    const db = path.join(tempDir(), 'new.sqlite');
    await (await Store.open(db)).close();
    const r = pauta(['report', '--format', 'json', '--db', db]);
    expect(r.stderr).not.toMatch(/error|invalid/i);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.impressions.targets.map((t: any) => [t.target_id, t.projected, t.achieved, t.pct])).toEqual([
      ['programmatic', 517242, 0, 0],
      ['social', 262963, 0, 0],
    ]);
    expect(report.impressions.total).toMatchObject({ projected: 780205, achieved: 0, pct: 0 });
  });

  it('a malformed config exits 2 naming the key, and touches nothing', () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'bad.yaml');
    writeFileSync(cfg, 'targets:\n  - id: programmatic\n    name: x\n    projected: -5\n    period: { start: 2021-09-01, end: 2021-12-31 }\n    include: [{ channel: display }]\n');
    const db = path.join(dir, 'never.sqlite');
    const r = pauta(['report', '--config', cfg, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}: targets[0].projected: Too small: expected number to be >0`);
    expect(r.stdout).toBe('');
    expect(existsSync(db)).toBe(false);
  });

  it('bad arguments exit 2 with a clear message', () => {
    const db = path.join(tempDir(), 'x.sqlite');
    const bad = pauta(['backfill', '--from', '2021-13-01', '--to', '2021-12-31', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from: expected a date as YYYY-MM-DD, got "2021-13-01"');
    const missing = pauta(['backfill', '--from', '2021-09-01']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--to <date>' not specified");
    const unknown = pauta(['report', '--format', 'pdf', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--format: expected one of');
  });
});
