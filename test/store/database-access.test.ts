// Who may open the database, and how: `report` and `status` only read (a read-only file in a
// read-only directory, beside a process holding the write lock, never creating a file); a writer
// that cannot get the lock in time exits 3 naming who holds it; another application's SQLite file
// is refused untouched; and what pauta creates is private whatever the umask.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import SQLite from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { PAUTA_APPLICATION_ID } from '../../src/store/sqlite-open.ts';
import { Store } from '../../src/store/store.ts';
import { TARGETS_YAML, tempDir } from '../helpers/app.ts';
import { seedCampaigns } from '../reports/seed.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PAUTA = path.join(ROOT, 'dist/cli.js');
/** The holder another process wrote in the lease table while it keeps the write lock. */
const OTHER_HOLDER = 'ingest-host:4242:abcd1234';

function pauta(args: string[], opts: { cwd?: string; honourModes?: boolean; umask?: string } = {}) {
  const { PATH, HOME, TMPDIR } = process.env;
  const env = { PATH, HOME, TMPDIR, PAUTA_LOG_LEVEL: 'error' };
  let command = process.execPath;
  let argv = [PAUTA, ...args];
  if (opts.honourModes && process.getuid?.() === 0) {
    // Root reads and writes whatever the modes say: without the capabilities that override them
    // it is held to the modes like any owner, wherever the project is checked out.
    argv = ['--bounding-set=-dac_override,-dac_read_search,-fowner', command, ...argv];
    command = 'setpriv';
  }
  if (opts.umask !== undefined) {
    argv = ['-c', `umask ${opts.umask} && exec "$0" "$@"`, command, ...argv];
    command = '/bin/sh';
  }
  const r = spawnSync(command, argv, { cwd: opts.cwd ?? ROOT, env, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function mode(file: string): string {
  return (statSync(file).mode & 0o777).toString(8).padStart(4, '0');
}

/** A config with the two test targets and no sources; `swapTargets` makes display count toward `social`. */
function writeConfig(dir: string, opts: { swapTargets?: boolean } = {}): string {
  const file = path.join(dir, opts.swapTargets ? 'swapped.yaml' : 'pauta.yaml');
  const yaml = opts.swapTargets
    ? TARGETS_YAML.replace('- { channel: display }', '- { channel: SWAP }').replace('- { channel: social }', '- { channel: display }').replace('SWAP', 'social')
    : TARGETS_YAML;
  writeFileSync(file, yaml);
  return file;
}

/** A pauta database with 10 days of 1,000 display impressions (programmatic) in September 2021. */
async function seededDatabase(file: string): Promise<void> {
  const config = parseConfig(TARGETS_YAML, 'pauta.yaml', new Map());
  const store = await Store.open(file);
  await seedCampaigns(store, config.targets, '2021-09-01', '2021-09-10', [{ platform: 'dv360', campaignId: 'd1', channel: 'display', perDay: () => 1000 }]);
  await store.close();
}

function achieved(reportJson: string): Record<string, number> {
  const report = JSON.parse(reportJson) as { impressions: { targets: { target_id: string; achieved: number }[] } };
  return Object.fromEntries(report.impressions.targets.map((t) => [t.target_id, t.achieved]));
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/**
 * Another process that records a lease, then takes the write lock (an IMMEDIATE transaction, as a
 * long import or window commit holds it) and keeps it until killed.
 */
async function holdWriteLock(file: string): Promise<void> {
  const script = `
    const SQLite = require(${JSON.stringify(path.join(ROOT, 'node_modules/better-sqlite3'))});
    const db = new SQLite(${JSON.stringify(file)});
    db.prepare("INSERT INTO leases (source_id, holder, acquired_at, expires_at) VALUES ('dv360', ?, ?, ?)")
      .run(${JSON.stringify(OTHER_HOLDER)}, new Date().toISOString(), new Date(Date.now() + 3600e3).toISOString());
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO meta (key, value, updated_at) VALUES ('long', 'transaction', 'now')").run();
    console.log('locked');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  expect(line).toBe('locked');
}

let dir: string;
let config: string;
beforeAll(() => {
  dir = tempDir('pauta-access-');
  config = writeConfig(dir);
});

describe('commands that only read', () => {
  it('report and status read a read-only database in a read-only directory, and targets come from the config', async () => {
    const roDir = path.join(dir, 'read-only');
    mkdirSync(roDir);
    const db = path.join(roDir, 'pauta.sqlite');
    await seededDatabase(db);
    chmodSync(db, 0o444);
    chmodSync(roDir, 0o555);
    const before = sha256(db);
    try {
      const report = pauta(['report', '--format', 'json', '--as-of', '2021-09-30', '--config', config, '--db', db], { honourModes: true });
      expect(report.stderr).toBe('');
      expect(report.code).toBe(0);
      expect(achieved(report.stdout)).toEqual({ programmatic: 10_000, social: 0 });
      // The plan in memory decides: with display counted toward social, so is the report.
      const swapped = pauta(['report', '--format', 'json', '--as-of', '2021-09-30', '--config', writeConfig(dir, { swapTargets: true }), '--db', db], { honourModes: true });
      expect(swapped.code).toBe(0);
      expect(achieved(swapped.stdout)).toEqual({ programmatic: 0, social: 10_000 });
      const status = pauta(['status', '--config', config, '--db', db], { honourModes: true });
      expect(status.stderr).toBe('');
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('no sources configured');
    } finally {
      chmodSync(roDir, 0o755);
    }
    expect(sha256(db)).toBe(before);
    expect(existsSync(`${db}-wal`)).toBe(false);
  });

  it('while another process holds the write lock, status and report answer, and a writer exits 3 naming the holder', async () => {
    const db = path.join(dir, 'locked.sqlite');
    await seededDatabase(db);
    await holdWriteLock(db);
    const status = pauta(['status', '--format', 'json', '--config', config, '--db', db]);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const report = pauta(['report', '--format', 'json', '--as-of', '2021-09-30', '--config', config, '--db', db]);
    expect(report.code).toBe(0);
    expect(achieved(report.stdout)).toEqual({ programmatic: 10_000, social: 0 });

    const writer = pauta(['run', '--config', config, '--db', db]);
    expect(writer.code).toBe(3);
    expect(writer.stderr).toContain(`pauta: database ${db}: another process holds the write lock (waited up to 10s; being ingested by ${OTHER_HOLDER} (source dv360, since`);
    expect(writer.stderr).toContain('nothing was written, run again when it is done');
    expect(writer.stderr).not.toContain('database is locked');
  });

  it('on a database that does not exist: exit 2, and no file is created; check opens none', () => {
    const cwd = tempDir('pauta-fresh-');
    for (const args of [['status'], ['report'], ['report', '--format', 'json']]) {
      const r = pauta([...args, '--config', config], { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(
        'pauta: database data/pauta.sqlite: does not exist (this command only reads and created nothing); `pauta run`, `pauta backfill` or `pauta import-sends` create it, or give an existing database with --db\n',
      );
    }
    const check = pauta(['check', '--config', config], { cwd });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`config ${config}: ok (0 source(s), 2 target(s))`);
    expect(existsSync(path.join(cwd, 'data'))).toBe(false);
  });

  it('on a database an older pauta left unmigrated: exit 2, says a writer migrates it, and leaves it as it was', async () => {
    const db = path.join(dir, 'older.sqlite');
    await seededDatabase(db);
    const raw = new SQLite(db);
    raw.prepare("DELETE FROM kysely_migration WHERE name = '0002-messaging'").run();
    raw.exec('DROP VIEW indicator_messaging; DROP VIEW messaging_daily; DROP TABLE message_scheduled; DROP TABLE message_programmed; DROP TABLE message_sends; DROP TABLE message_imports; DROP TABLE meta');
    raw.close();
    const before = sha256(db);
    const r = pauta(['status', '--config', config, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`pauta: database ${db}: needs migrating to this version of pauta (0002-messaging); this command only reads: a writing command`);
    expect(sha256(db)).toBe(before);
    expect(pauta(['run', '--config', config, '--db', db]).code).toBe(0);
    expect(pauta(['status', '--config', config, '--db', db]).code).toBe(0);
  });
});

describe("another application's SQLite file", () => {
  it('is refused by every command with exit 2 and left byte-identical, not switched to WAL', () => {
    const db = path.join(dir, 'inventory.sqlite');
    const other = new SQLite(db);
    other.exec("CREATE TABLE parts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO parts (name) VALUES ('bolt'), ('nut')");
    other.close();
    const before = sha256(db);
    for (const args of [['run'], ['backfill', '--from', '2021-09-01', '--to', '2021-09-02'], ['status'], ['report']]) {
      const r = pauta([...args, '--config', config, '--db', db]);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toBe(`pauta: database ${db}: holds another application's tables (parts) and no pauta mark; pauta leaves it untouched: give pauta its own file with --db\n`);
    }
    expect(sha256(db)).toBe(before);
    const after = new SQLite(db, { readonly: true });
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('a file marked by another application is refused even when empty of tables', () => {
    const db = path.join(dir, 'marked.sqlite');
    const other = new SQLite(db);
    other.pragma('application_id = 1234');
    other.close();
    const before = sha256(db);
    const r = pauta(['run', '--config', config, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('belongs to another application (application_id 1234)');
    expect(sha256(db)).toBe(before);
  });

  it("pauta's databases carry its mark; one from before the mark is adopted by the next writer", async () => {
    const db = path.join(dir, 'unmarked.sqlite');
    await seededDatabase(db);
    const raw = new SQLite(db);
    expect(raw.pragma('application_id', { simple: true })).toBe(PAUTA_APPLICATION_ID);
    raw.pragma('application_id = 0');
    raw.close();
    expect(pauta(['status', '--config', config, '--db', db]).code).toBe(0); // a reader accepts it as is
    expect(pauta(['run', '--config', config, '--db', db]).code).toBe(0);
    const marked = new SQLite(db, { readonly: true });
    expect(marked.pragma('application_id', { simple: true })).toBe(PAUTA_APPLICATION_ID);
    marked.close();
  });
});

describe('file modes', () => {
  it('under umask 022 the database, its -wal and -shm, and reports are 0600; directories pauta creates 0700', async () => {
    const base = tempDir('pauta-modes-');
    const db = path.join(base, 'state', 'nested', 'pauta.sqlite');
    const previous = process.umask(0o022);
    try {
      const store = await Store.open(db);
      try {
        await store.logRun({ runId: 'r', sourceId: 's', trigger: 'run', status: 'ok', startedAt: 'a', finishedAt: 'b' });
        expect([mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(['0600', '0600', '0600']);
      } finally {
        await store.close();
      }
    } finally {
      process.umask(previous);
    }
    expect([mode(path.join(base, 'state')), mode(path.join(base, 'state', 'nested'))]).toEqual(['0700', '0700']);

    const html = path.join(base, 'out', 'report.html');
    expect(pauta(['report', '--format', 'html', '--config', config, '--db', db, '--out', html], { umask: '022' }).code).toBe(0);
    expect([mode(path.join(base, 'out')), mode(html)]).toEqual(['0700', '0600']);
    const csv = path.join(base, 'tables');
    expect(pauta(['report', '--format', 'csv', '--config', config, '--db', db, '--out', csv], { umask: '022' }).code).toBe(0);
    expect(mode(csv)).toBe('0700');
    expect(mode(path.join(csv, 'indicators.csv'))).toBe('0600');
  });
});
