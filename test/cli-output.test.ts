// What a person sees at the terminal: a reader that closes the pipe early, options that only mean
// something together, the messages after writing files, and help that tells the truth.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.ts';
import { tempDir } from './helpers/app.ts';
import { PAUTA } from './helpers/cli.ts';

/** `report` only reads: the database a writer would have created, empty. */
async function emptyDatabase(file: string): Promise<string> {
  await (await Store.open(file)).close();
  return file;
}

/** Each case starts pauta a few times; a shared, busy machine makes that slow. */
const SLOW = { timeout: 180_000 };

function pauta(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...PAUTA, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PAUTA_LOG_LEVEL: 'warn', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A shell pipeline; prints pauta's own exit status (PIPESTATUS[0]) last on stdout. */
function pipeline(command: string) {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `${command}; echo "pauta exit \${PIPESTATUS[0]}"`], {
    encoding: 'utf8',
    env: { ...process.env, PAUTA_LOG_LEVEL: 'warn', PAUTA: [process.execPath, ...PAUTA].join(' ') },
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('a reader that closes the pipe early', SLOW, () => {
  it('report | true: pauta stops quietly, exit 0, no EPIPE stack trace', async () => {
    const db = await emptyDatabase(path.join(tempDir(), 'new.sqlite'));
    // `true` exits without reading, long before pauta has started: every write meets a closed pipe.
    const r = pipeline(`$PAUTA report --db ${db} | true`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('pauta exit 0\n');
  });

  it('check | head -1: the first line, then a quiet stop', () => {
    const db = path.join(tempDir(), 'new.sqlite');
    const r = pipeline(`$PAUTA check --db ${db} | head -1`);
    expect(r.stdout).toMatch(/^config config\/pauta\.yaml: ok \(3 source\(s\), 2 target\(s\)\)\npauta exit [01]\n$/);
    expect(r.stderr).toBe('');
  });
});

describe('report options', SLOW, () => {
  it('--table without --format csv exits 2 and says to add it', () => {
    const db = path.join(tempDir(), 'new.sqlite');
    for (const args of [['--table', 'by_area'], ['--format', 'json', '--table', 'by_area']]) {
      const r = pauta(['report', '--db', db, ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^pauta: --table by_area: a table of the CSV report; add --format csv \(the (table|json) report has every table\)\n$/);
    }
  });

  it('--format csv --out DIR names the directory once, with or without a trailing slash', async () => {
    const dir = tempDir();
    const db = await emptyDatabase(path.join(dir, 'new.sqlite'));
    for (const out of [path.join(dir, 'a'), `${path.join(dir, 'b')}/`]) {
      const r = pauta(['report', '--db', db, '--format', 'csv', '--out', out]);
      expect(r.code).toBe(0);
      const named = out.endsWith('/') ? out : `${out}/`;
      expect(r.stderr).toBe(`pauta: wrote 9 tables to ${named}\n`);
      expect(readdirSync(out).sort()).toEqual(
        ['by_area', 'by_geo', 'by_month', 'by_platform', 'daily', 'indicators', 'messaging', 'messaging_daily', 'targets'].map((t) => `${t}.csv`),
      );
    }
  });

  it('--format csv --table T --out FILE writes that one table to the file, as it prints it to stdout', async () => {
    const dir = tempDir();
    const db = await emptyDatabase(path.join(dir, 'new.sqlite'));
    const file = path.join(dir, 'by-area.csv');
    const written = pauta(['report', '--db', db, '--as-of', '2021-11-20', '--format', 'csv', '--table', 'by_area', '--out', file]);
    expect(written.code).toBe(0);
    expect(written.stderr).toBe(`pauta: wrote ${file} (the by_area table)\n`);
    const printed = pauta(['report', '--db', db, '--as-of', '2021-11-20', '--format', 'csv', '--table', 'by_area']);
    expect(readFileSync(file, 'utf8')).toBe(printed.stdout);
    expect(printed.stdout.split('\n')[0]).toMatch(/^target_id,/);
  });
});

describe('help', SLOW, () => {
  it('gives the log level default per command, as the commands apply it', () => {
    const r = pauta(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('--log-level <level> trace, debug, info, warn, error (default: $PAUTA_LOG_LEVEL, else info for the daemon and warn for the other commands)');
  });
});
