// `pauta sandbox --write-config FILE`: a config and an env file that let a person try every command
// against the running sandbox. What is written loads as a config, sources as a shell file, and
// ingests the simulated world; a file it did not write is never overwritten.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDatesNote } from '../src/cli/sandbox-commands.ts';
import { defaultRegistry } from '../src/connectors/index.ts';
import { loadConfig } from '../src/config/load.ts';
import { isSimulated } from '../src/report/meta.ts';
import { startSandbox } from '../src/sandbox/demo.ts';
import type { RunningSandbox } from '../src/sandbox/http.ts';
import { sandboxFiles, writeSandboxFiles } from '../src/sandbox/write-config.ts';
import { Store } from '../src/store/store.ts';
import { tempDir, testRunner } from './helpers/app.ts';
import { targetAssignment } from '../src/indicators/targets.ts';

const registry = defaultRegistry();
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

/** The variables a shell has after sourcing `file`. */
function sourced(file: string, names: string[]): Record<string, string> {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `. "$1" && for n in ${names.join(' ')}; do printf '%s=%s\\n' "$n" "\${!n}"; done`, 'bash', file], { encoding: 'utf8', env: {} });
  expect(r.stderr).toBe('');
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('the sandbox banner', () => {
  it('says which dates hold data, why run finds none, and what Google Ads skips by today\'s clock', () => {
    const today = sandboxDatesNote(registry, new Date('2026-11-30T12:00:00Z'));
    expect(today).toContain('The simulated platforms hold data for 2021-09-01..2021-12-31 and answer as of 2022-01-15.');
    expect(today).toContain('Backfill the simulated dates instead.');
    expect(today).toContain('Google Ads keeps daily metrics for 37 months: with today\'s clock its source skips them all');
    // Late 2024: September 2021 is past 37 months, December is not.
    expect(sandboxDatesNote(registry, new Date('2024-11-15T12:00:00Z'))).toContain('its source skips the days before 2021-10-15');
    // On the simulated clock nothing is beyond retention.
    expect(sandboxDatesNote(registry, new Date('2022-01-15T12:00:00Z'))).not.toContain('37 months');
  });
});

describe('sandbox --write-config', () => {
  it('names the env file and the database after the config', () => {
    expect(sandboxFiles('data/sandbox.yaml')).toEqual({ config: 'data/sandbox.yaml', env: 'data/sandbox.env', database: 'data/sandbox.sqlite' });
    expect(sandboxFiles('try')).toEqual({ config: 'try', env: 'try.env', database: 'try.sqlite' });
    expect(() => sandboxFiles('data/sandbox.env')).toThrow('--write-config data/sandbox.env: give the config\'s name');
  });

  it('writes a config pointing at this sandbox and a shell file with its credentials; a backfill of the simulated dates ingests them', async () => {
    const files = sandboxFiles(path.join(tempDir(), 'sandbox.yaml'));
    await writeSandboxFiles({ baseUrl: sandbox.baseUrl, registry, baseConfig: 'config/pauta.yaml', files });

    const config = loadConfig(files.config, registry);
    expect(config.database).toBe(files.database);
    expect(config.sources.map((s) => [s.id, JSON.stringify(s).includes(sandbox.baseUrl)])).toEqual([
      ['google-ads', true],
      ['dv360', true],
      ['x-ads', true],
    ]);
    // The plan's targets come from the shipped config.
    expect(config.targets.map((t) => [t.id, t.projected])).toEqual([['programmatic', 517242], ['social', 262963]]);
    expect(readFileSync(files.config, 'utf8').split('\n')[0]).toBe('# Written by `pauta sandbox --write-config` — SIMULATED platforms, not real campaign figures.');
    expect(statSync(files.env).mode & 0o777).toBe(0o600);

    const env = sourced(files.env, ['GOOGLE_ADS_DEVELOPER_TOKEN', 'DV360_REFRESH_TOKEN', 'PAUTA_SANDBOX_X_ACCESS_TOKEN']);
    expect(env).toEqual({
      GOOGLE_ADS_DEVELOPER_TOKEN: 'sandbox-developer-token',
      DV360_REFRESH_TOKEN: 'sandbox-refresh-token',
      PAUTA_SANDBOX_X_ACCESS_TOKEN: '1450000000000000000-sandboxXAccessToken',
    });

    // The database exists already, marked simulated: every report of it says so.
    const store = await Store.open(files.database);
    try {
      expect(await isSimulated(store.db)).toBe(true);
      await store.syncTargets(targetAssignment(config.targets));
      // A person's clock in late 2026: Google Ads refuses 2021 (37 months), DV360 and X answer.
      const runner = testRunner(config, registry, store, { now: () => new Date('2026-11-30T12:00:00Z'), env: sourced(files.env, Object.keys(envNames(files.env))) });
      const results = await runner.runAll({ kind: 'backfill', from: '2021-11-01', to: '2021-11-03' }, 'by-hand', 'backfill');
      expect(results.map((r) => [r.sourceId, r.status, r.rows > 0])).toEqual([
        ['google-ads', 'ok', false],
        ['dv360', 'ok', true],
        ['x-ads', 'ok', true],
      ]);
      expect(results[0]!.skipped).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('rewrites its own files (a restarted sandbox has a new port) but never a file it did not write', async () => {
    const dir = tempDir();
    const files = sandboxFiles(path.join(dir, 'sandbox.yaml'));
    await writeSandboxFiles({ baseUrl: 'http://127.0.0.1:1', registry, baseConfig: 'config/pauta.yaml', files });
    await writeSandboxFiles({ baseUrl: sandbox.baseUrl, registry, baseConfig: 'config/pauta.yaml', files });
    expect(readFileSync(files.config, 'utf8')).toContain(sandbox.baseUrl);
    expect(readFileSync(files.config, 'utf8')).not.toContain('http://127.0.0.1:1/');

    const mine = path.join(dir, 'pauta.yaml');
    writeFileSync(mine, 'database: data/pauta.sqlite\n');
    await expect(writeSandboxFiles({ baseUrl: sandbox.baseUrl, registry, baseConfig: 'config/pauta.yaml', files: sandboxFiles(mine) })).rejects.toThrow(
      `--write-config: ${mine} exists and was not written by pauta sandbox; give another file name`,
    );
    expect(readFileSync(mine, 'utf8')).toBe('database: data/pauta.sqlite\n');
  });
});

/** The variable names an env file exports. */
function envNames(file: string): Record<string, true> {
  return Object.fromEntries([...readFileSync(file, 'utf8').matchAll(/^export (\w+)=/gm)].map((m) => [m[1]!, true]));
}
