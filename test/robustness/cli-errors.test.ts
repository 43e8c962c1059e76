// What a person meets with a bad database path, a damaged or newer database file, an unwritable
// --out or an invalid cron expression: one line naming what and where, exit 2, nothing touched.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { tempDir } from '../helpers/app.ts';
import { PAUTA } from '../helpers/cli.ts';

function pauta(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...PAUTA, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PAUTA_LOG_LEVEL: 'warn', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One `pauta: …` line, no stack trace. */
function expectOneLine(stderr: string): void {
  expect(stderr).toMatch(/^pauta: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
}

describe('database path problems', () => {
  it('a file that is not SQLite: exit 2, the path named, the file left as it was', () => {
    const db = path.join(tempDir(), 'notes.sqlite');
    const junk = 'these are notes, not a database\n'.repeat(200);
    writeFileSync(db, junk);
    const r = pauta(['status', '--db', db]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`database ${db}: not a SQLite database`);
    expect(readFileSync(db, 'utf8')).toBe(junk);
  });

  it('a directory given as the database: exit 2, the path named', () => {
    const dir = tempDir();
    const r = pauta(['report', '--db', dir]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`database ${dir}: is a directory`);
  });

  it('a database path under a regular file: exit 2, the path named', () => {
    const dir = tempDir();
    const file = path.join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    const db = path.join(file, 'pauta.sqlite');
    const r = pauta(['run', '--db', db]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`database ${db}: cannot create its directory`);
  });

  it('a database written by a newer pauta: exit 2, says so, and nothing is migrated', async () => {
    const db = path.join(tempDir(), 'newer.sqlite');
    await (await Store.open(db)).close();
    const raw = new SQLite(db);
    raw.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-from-the-future', '2030-01-01T00:00:00.000Z')").run();
    const before = raw.prepare('SELECT name FROM kysely_migration ORDER BY name').all();
    raw.close();
    const r = pauta(['report', '--format', 'json', '--db', db]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`database ${db}: written by a newer version of pauta (migration 9999-from-the-future)`);
    const after = new SQLite(db, { readonly: true });
    expect(after.prepare('SELECT name FROM kysely_migration ORDER BY name').all()).toEqual(before);
    after.close();
  });
});

describe('report --out problems', () => {
  it('a directory given as --out for html: exit 2, names --out', async () => {
    const dir = tempDir();
    await (await Store.open(path.join(dir, 'p.sqlite'))).close();
    const r = pauta(['report', '--format', 'html', '--db', path.join(dir, 'p.sqlite'), '--out', dir]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`--out ${dir}: is a directory`);
  });

  it('a regular file given as the csv --out directory: exit 2, names --out, the file kept', async () => {
    const dir = tempDir();
    await (await Store.open(path.join(dir, 'p.sqlite'))).close();
    const file = path.join(dir, 'report.csv');
    writeFileSync(file, 'keep me');
    const r = pauta(['report', '--format', 'csv', '--db', path.join(dir, 'p.sqlite'), '--out', file]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`--out ${file}: is not a directory`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
});

describe('config problems found before anything runs', () => {
  it('check refuses an invalid schedule.cron, naming the file and key, and creates no database', () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'pauta.yaml');
    writeFileSync(cfg, readFileSync('config/pauta.yaml', 'utf8').replace('cron: "30 7 * * *"', 'cron: "61 7 * * *"'));
    const db = path.join(dir, 'never', 'p.sqlite');
    for (const cmd of [['check'], ['run'], ['status']]) {
      const r = pauta([...cmd, '--config', cfg, '--db', db]);
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stderr, cmd[0]).toContain(`${cfg}: schedule.cron: "61 7 * * *" is not a cron expression`);
      expect(r.stdout, cmd[0]).toBe('');
    }
    expect(() => readFileSync(db)).toThrow();
  });

  it('an unknown --source is refused before the database is created', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'data'));
    const db = path.join(dir, 'data', 'p.sqlite');
    const r = pauta(['backfill', '--from', '2021-09-01', '--to', '2021-09-02', '--source', 'nope', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--source: no source "nope" in config/pauta.yaml');
    const check = pauta(['check', '--source', 'nope', '--db', db]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('--source: no source "nope" in config/pauta.yaml');
    expect(() => readFileSync(db)).toThrow();
  });

  it('a YAML syntax error is reported once per problem, with its line, without a dangling colon', () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'bad.yaml');
    writeFileSync(cfg, '{{{ not yaml');
    const r = pauta(['status', '--config', cfg, '--db', path.join(dir, 'p.sqlite')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {2}.+: YAML: .+ at line 1, column \d+$/);
  });

  it('a YAML alias bomb exits 2 naming the file, and creates no database', () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'laughs.yaml');
    const levels = 'abcdefghi'.split('');
    const bomb = levels.map((l, i) => `${l}: &${l} [${Array(9).fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`).join(', ')}]`).join('\n');
    writeFileSync(cfg, `${bomb}\ntargets: *i\n`);
    const db = path.join(dir, 'never', 'p.sqlite');
    const r = pauta(['check', '--config', cfg, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `pauta: ${cfg}: invalid configuration\n  ${cfg}: YAML: aliases expand into too many values (an "alias bomb"?): write the values out, or use fewer aliases\n`,
    );
    expect(() => readFileSync(db)).toThrow();
  });
});

describe('demo, sandbox and global options', () => {
  it('demo with an unusable --db exits 2 at once instead of leaving its sandbox server running', () => {
    const dir = tempDir();
    const file = path.join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    const r = pauta(['demo', '--db', path.join(file, 'demo.sqlite')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`database ${path.join(file, 'demo.sqlite')}: cannot create its directory`);
  });

  it('sandbox --port out of range or taken exits 2 naming --port', async () => {
    const big = pauta(['sandbox', '--port', '99999']);
    expect(big.code).toBe(2);
    expectOneLine(big.stderr);
    expect(big.stderr).toContain('--port: expected a port number 0–65535, got 99999');

    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const taken = spawnSync(process.execPath, [...PAUTA, 'sandbox', '--port', String(port)], { encoding: 'utf8', timeout: 60_000 });
      expect(taken.status).toBe(2);
      expect(taken.stderr).toContain(`--port ${port}: already in use`);
    } finally {
      server.close();
    }
  });

  it('an unknown --log-level exits 2 naming the option', () => {
    const r = pauta(['--log-level', 'loud', 'status', '--db', path.join(tempDir(), 'p.sqlite')]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain('--log-level (or PAUTA_LOG_LEVEL): expected one of trace, debug, info, warn, error, fatal, silent, got "loud"');
  });
});

describe('daemon start-up', () => {
  it('a health port already in use exits 2 naming the config keys and the address', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const dir = tempDir();
    const cfg = path.join(dir, 'pauta.yaml');
    writeFileSync(cfg, readFileSync('config/pauta.yaml', 'utf8').replace('enabled: false', 'enabled: true').replace('port: 9464', `port: ${port}`));
    try {
      const r = pauta(['daemon', '--config', cfg, '--db', path.join(dir, 'p.sqlite')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`pauta: ${cfg}: health.host/health.port: cannot listen on 127.0.0.1:${port} (already in use)\n`);
    } finally {
      server.close();
    }
  });
});

describe('an empty database path', () => {
  // SQLite would open a temporary database and everything ingested would vanish at exit.
  it('is refused from --db and from the config; an empty PAUTA_DB counts as unset', () => {
    const dir = tempDir();
    const flag = pauta(['status', '--db', '']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('pauta: --db: expected a file path, got ""\n');
    const config = pauta(['status', '--config', '', '--db', path.join(dir, 'c.sqlite')]);
    expect(config.code).toBe(2);
    expect(config.stderr).toBe('pauta: --config: expected a file path, got ""\n');
    expect(pauta(['run', '--db', path.join(dir, 'c.sqlite')], { PAUTA_CONFIG: '' }).code).toBe(1); // the default config's sources lack credentials
    const demo = pauta(['demo', '--db', '']);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toBe('pauta: --db: expected a file path, got ""\n');

    const cfg = path.join(dir, 'pauta.yaml');
    writeFileSync(cfg, readFileSync('config/pauta.yaml', 'utf8').replace('database: data/pauta.sqlite', 'database: ""'));
    const file = pauta(['status', '--config', cfg]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`${cfg}: database: expected a file path`);

    const db = path.join(dir, 'from-config.sqlite');
    writeFileSync(cfg, readFileSync('config/pauta.yaml', 'utf8').replace('database: data/pauta.sqlite', `database: ${db}`));
    expect(pauta(['run', '--config', cfg], { PAUTA_DB: '' }).code).toBe(1); // the sources lack credentials, the database is created
    expect(readFileSync(db).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
