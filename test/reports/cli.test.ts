// The commands as a person runs them: `pauta import-sends` and `pauta report`, in a child
// process with the config and database given by environment variables.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { markSimulated } from '../../src/report/meta.ts';
import { TARGETS_YAML, openTestStore, tempDir } from '../helpers/app.ts';
import { PAUTA } from '../helpers/cli.ts';
import { seedSimWorld } from './seed.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/messaging');
const CONFIG_YAML = `${TARGETS_YAML}
messaging:
  time_zone: America/Mexico_City
  sms:
    scheduled: { "1": 10, "2": 10 }
`;

let dir: string;
let env: NodeJS.ProcessEnv;

function pauta(...args: string[]) {
  const r = spawnSync(process.execPath, [...PAUTA, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = tempDir('pauta-cli-');
  writeFileSync(path.join(dir, 'pauta.yaml'), CONFIG_YAML);
  const db = path.join(dir, 'pauta.sqlite');
  const store = await openTestStore(db);
  const config = parseConfig(CONFIG_YAML, 'pauta.yaml', new Map());
  await store.syncTargets(targetAssignment(config.targets));
  await seedSimWorld(store, config.targets, '2021-09-01', '2021-11-30');
  await markSimulated(store.db);
  await store.close();
  const { CI, PATH, HOME, TMPDIR } = process.env;
  env = { CI, PATH, HOME, TMPDIR, PAUTA_CONFIG: path.join(dir, 'pauta.yaml'), PAUTA_DB: db, PAUTA_MESSAGING_SALT: '53iecYEuZsyrjTy/9R8wDUFCzGjK7e07tsQR6DPSPL0=', PAUTA_LOG_LEVEL: 'error' };
});

describe('pauta import-sends and pauta report', () => {
  it('imports a delivery report, then refuses a malformed one with exit code 2 and the line', () => {
    const ok = pauta('import-sends', '--channel', 'sms', '--file', path.join(FIXTURES, 'sms-report-bom.csv'));
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('sms-report-bom.csv: 7 rows (utf-8, ","), 5 sms messages (2 repeated rows merged): 5 new, 0 updated, 0 already stored');
    expect(ok.stdout).toContain('send 1: 4, send 2: 1; dates 2021-10-04..2021-11-22');

    const again = pauta('import-sends', '--channel', 'sms', '--file', path.join(FIXTURES, 'sms-report-bom.csv'));
    expect(again.stdout).toContain('0 new, 0 updated, 5 already stored');

    const bad = pauta('import-sends', '--channel', 'sms', '--file', path.join(FIXTURES, 'sms-report-bad-rows.csv'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pauta: sms-report-bad-rows.csv: not imported, nothing was stored:');
    expect(bad.stderr).toContain('line 3, column "Telefono": not a phone number');
    expect(bad.stderr).not.toMatch(/555/);

    const noKey = spawnSync(process.execPath, [...PAUTA, 'import-sends', '--channel', 'sms', '--file', path.join(FIXTURES, 'sms-part1.csv'), '--send', '1'], {
      cwd: dir,
      env: { ...env, PAUTA_MESSAGING_SALT: undefined },
      encoding: 'utf8',
    });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain('environment variable PAUTA_MESSAGING_SALT is not set');
  }, 120_000);

  it('a rejected import creates nothing: with a weak key, a bad file or none, no database and no directory appear', () => {
    const fresh = path.join(tempDir('pauta-cli-fresh-'), 'new', 'pauta.sqlite');
    const run = (file: string, extra: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [...PAUTA, 'import-sends', '--channel', 'sms', '--file', path.join(FIXTURES, file)], {
        cwd: dir,
        env: { ...env, PAUTA_DB: fresh, ...extra },
        encoding: 'utf8',
      });
    const weakKey = run('sms-report-bom.csv', { PAUTA_MESSAGING_SALT: 'a'.repeat(40) });
    expect(weakKey.status).toBe(2);
    expect(weakKey.stderr).toContain('pauta: PAUTA_MESSAGING_SALT: the messaging key repeats itself');
    const badFile = run('sms-report-bad-rows.csv', {});
    expect(badFile.status).toBe(2);
    expect(badFile.stderr).toContain('pauta: sms-report-bad-rows.csv: not imported, nothing was stored:');
    const missing = run('no-such-file.csv', {});
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no-such-file.csv (ENOENT)');
    expect(existsSync(path.dirname(fresh))).toBe(false);
    const good = run('sms-report-bom.csv', {});
    expect(good.stderr).toBe('');
    expect(existsSync(fresh)).toBe(true);
  }, 120_000);

  it('writes the HTML report, the CSV tables and the JSON for a past date', () => {
    const html = pauta('report', '--as-of', '2021-10-31', '--format', 'html', '--out', 'out/report.html');
    expect(html.code).toBe(0);
    expect(html.stderr).toContain('wrote out/report.html (as of 2021-10-31, simulated data)');
    const page = readFileSync(path.join(dir, 'out/report.html'), 'utf8');
    expect(page).toContain('DATOS SIMULADOS');
    expect(page).toContain('31 de octubre de 2021');

    const csv = pauta('report', '--as-of', '2021-10-31', '--format', 'csv', '--out', 'out/csv');
    expect(csv.code).toBe(0);
    expect(readdirSync(path.join(dir, 'out/csv')).sort()).toEqual(
      ['by_area', 'by_geo', 'by_month', 'by_platform', 'daily', 'indicators', 'messaging', 'messaging_daily', 'targets'].map((t) => `${t}.csv`),
    );
    expect(readFileSync(path.join(dir, 'out/csv/messaging.csv'), 'utf8')).toContain('sms,1,10,config,4,2,1,1,40,50,2021-10-04,2021-10-05');

    const json = pauta('report', '--as-of', '2021-10-31', '--format', 'json', '--lang', 'en');
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ schema: 'pauta.report/1', as_of: '2021-10-31', simulated: true });
    expect(doc.indicators[1]).toEqual({ id: 'sms', achieved: 4, planned: 20, pct: 20, status: null });
    expect(existsSync(path.join(dir, 'data'))).toBe(false); // nothing written beside the given database

    const usage = pauta('report', '--format', 'pdf');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--format: expected one of table, json, csv, html, got "pdf"');
  }, 120_000);
});
