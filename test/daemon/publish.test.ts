// The daily report the daemon publishes after each scheduled run: against the loopback sandbox the
// page is written and is byte for byte what `pauta report --format html` prints for the same date;
// after a failed run the page names the missing source and since when; files are private unless
// the config gives a mode.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { defaultRegistry } from '../../src/connectors/index.ts';
import { QuotaExhaustedError } from '../../src/core/errors.ts';
import { fastSleep, startSandbox } from '../../src/sandbox/demo.ts';
import type { RunningSandbox } from '../../src/sandbox/http.ts';
import { SANDBOX_PLATFORMS } from '../../src/sandbox/platforms.ts';
import { Daemon } from '../../src/schedule.ts';
import type { Store } from '../../src/store/store.ts';
import { TARGETS_YAML, openTestStore, tempDir } from '../helpers/app.ts';
import { PAUTA } from '../helpers/cli.ts';
import { Clock, SCHEDULE, collectingLogger, daemonFor, world, type World } from './setup.ts';


/** The page's one moment-dependent line: when it was generated. */
const withoutGeneratedAt = (html: string) => html.replace(/<small>[^<]*<\/small>/, '<small></small>');

const pctOf = (html: string, indicator: string) => new RegExp(`data-indicator="${indicator}">\\s*<h3>[^<]*</h3>\\s*<div class="kpi-value" data-pct="([^"]*)"`).exec(html)?.[1];

describe('the daemon publishes the report against the sandbox', () => {
  let sandbox: RunningSandbox;
  let store: Store;
  let dir: string;
  let configFile: string;
  let dbFile: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    dir = tempDir('pauta-publish-');
    dbFile = path.join(dir, 'pauta.sqlite');
    store = await openTestStore(dbFile);
  });
  afterAll(async () => {
    await store?.close();
    await sandbox?.close();
  });

  it('writes the page, the JSON and the CSV as of yesterday, the same page `pauta report --format html` prints', async () => {
    const demo = SANDBOX_PLATFORMS.map((p) => p.demoSource(sandbox.baseUrl));
    const { targets } = parseDocument(TARGETS_YAML).toJS() as { targets: unknown };
    configFile = path.join(dir, 'pauta.yaml');
    writeFileSync(
      configFile,
      stringify({
        schedule: { cron: '30 7 * * *', timezone: 'America/Mexico_City' },
        sources: demo.map((d) => d.source),
        targets,
        report: { lang: 'es', html: path.join(dir, 'www/index.html'), json: path.join(dir, 'www/report.json'), csv: path.join(dir, 'www/csv') },
      }),
    );
    const registry = defaultRegistry();
    const config = loadConfig(configFile, registry);
    const env = Object.assign({}, ...demo.map((d) => d.env)) as Record<string, string>;
    // 07:30 in Mexico City on Saturday, October 2, 2021: the report is as of October 1.
    const clock = new Clock(new Date('2021-10-02T12:30:00Z'));
    const collected = collectingLogger({ level: 'info' });
    const daemon = new Daemon({ config, registry, store, log: collected.log, env, now: clock.now, sleep: fastSleep });

    const tick = await daemon.tick();
    expect(tick!.results.map((r) => [r.sourceId, r.status])).toEqual(config.sources.map((s) => [s.id, 'ok']));
    expect(tick!.published).toMatchObject({ asOf: '2021-10-01', email: 'off' });
    expect(tick!.published?.fileError).toBeUndefined();

    const page = readFileSync(path.join(dir, 'www/index.html'), 'utf8');
    expect(page).toContain('data-as-of="2021-10-01"');
    expect(page).toContain('1 de octubre de 2021');
    expect(page).not.toContain('data-section="sources"'); // every source reached October 1
    // The headline is what the database holds for the plan up to the as-of date.
    const achieved = await sql<{ n: number }>`
      SELECT SUM(d.impressions) AS n FROM campaign_days d JOIN campaigns c USING (source_id, account_id, campaign_id)
      WHERE c.target_id IS NOT NULL AND d.date BETWEEN '2021-09-01' AND '2021-10-01'`.execute(store.db);
    expect(achieved.rows[0]!.n).toBeGreaterThan(0);
    expect(pctOf(page, 'impressions')).toBe(((achieved.rows[0]!.n * 100) / (517242 + 262963)).toFixed(2));

    const json = JSON.parse(readFileSync(path.join(dir, 'www/report.json'), 'utf8')) as { as_of: string; sources: { source_id: string; data_through: string; complete: boolean }[] };
    expect(json.as_of).toBe('2021-10-01');
    expect(json.sources.map((s) => [s.source_id, s.data_through, s.complete])).toEqual(config.sources.map((s) => [s.id, '2021-10-01', true]));
    expect(readdirSync(path.join(dir, 'www/csv'))).toContain('indicators.csv');
    expect(readdirSync(path.join(dir, 'www')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const published = collected.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'daily report published');
    expect(published).toMatchObject({ asOf: '2021-10-01', runId: tick!.runId });

    // The same page from the command line (a real clock, a read of the same database).
    const cli = spawnSync(process.execPath, [...PAUTA, 'report', '--format', 'html', '--as-of', '2021-10-01'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, PAUTA_CONFIG: configFile, PAUTA_DB: dbFile, PAUTA_LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(withoutGeneratedAt(cli.stdout)).toBe(withoutGeneratedAt(page));
    expect(withoutGeneratedAt(page)).not.toBe(page); // the one line set aside was there
  }, 180_000);
});

describe('a failed run still publishes, and the page says what is missing', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.store.close();
    w = undefined;
  });

  const reportYaml = (dir: string, extra = '') => `${SCHEDULE}
report:
  lang: en
  html: ${path.join(dir, 'index.html')}
  json: ${path.join(dir, 'report.json')}
${extra}`;

  it('names the source, the first day missing, the failure and the last successful load', async () => {
    const dir = tempDir('pauta-publish-');
    w = await world({ extra: reportYaml(dir) });
    const daemon = daemonFor(w);
    await daemon.tick(); // Oct 1: both sources through Sept 30
    const before = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(before).not.toContain('data-section="sources"');
    expect(before).toContain('Data by source: alpha through Sep 30, 2021 · beta through Sep 30, 2021');

    w.clock.set('2021-10-02T12:30:00Z');
    w.fake.failOn = { accountId: '111', date: '2021-10-01', error: () => new QuotaExhaustedError('daily quota spent') };
    const failing = await daemon.tick();
    expect(failing!.results.map((r) => [r.sourceId, r.status])).toEqual([['alpha', 'failed'], ['beta', 'ok']]);
    expect(failing!.published).toMatchObject({ asOf: '2021-10-01', written: [path.join(dir, 'index.html'), path.join(dir, 'report.json')] });

    const page = readFileSync(path.join(dir, 'index.html'), 'utf8');
    const alert = /<section class="data-alert"[^]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(alert).toContain('Incomplete data');
    expect(alert).toContain('<li data-source="alpha" data-missing-from="2021-10-01">');
    expect(alert).toContain('no data since Oct 1, 2021');
    expect(alert).toContain('last run failed (Oct 2, 2021, 12:30 PM UTC): source alpha, window 2021-09-28..2021-10-01 quota exhausted: daily quota spent');
    expect(alert).toContain('last successful load: Oct 1, 2021, 12:30 PM UTC');
    expect(alert).not.toContain('beta');
    // The alert comes before the numbers it qualifies.
    expect(page.indexOf('data-section="sources"')).toBeLessThan(page.indexOf('data-indicator="impressions"'));
    const json = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { sources: unknown[] };
    expect(json.sources).toEqual([
      {
        source_id: 'alpha', platform: 'test_fake', data_through: '2021-09-30', expected_through: '2021-10-01', complete: false, missing_from: '2021-10-01',
        last_run: { status: 'failed', finished_at: '2021-10-02T12:30:00.000Z', error: 'source alpha, window 2021-09-28..2021-10-01 quota exhausted: daily quota spent' },
        last_success_at: '2021-10-01T12:30:00.000Z',
      },
      {
        source_id: 'beta', platform: 'test_fake', data_through: '2021-10-01', expected_through: '2021-10-01', complete: true, missing_from: null,
        last_run: { status: 'ok', finished_at: '2021-10-02T12:30:00.000Z', error: null },
        last_success_at: '2021-10-02T12:30:00.000Z',
      },
    ]);

    // Two days later alpha still fails: the first missing day does not move.
    w.clock.set('2021-10-04T12:30:00Z');
    await daemon.tick();
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('no data since Oct 1, 2021');

    // The platform recovers: the alert is gone.
    w.fake.failOn = undefined;
    w.clock.set('2021-10-05T12:30:00Z');
    await daemon.tick();
    const recovered = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(recovered).not.toContain('data-section="sources"');
    expect(recovered).toContain('alpha through Oct 4, 2021');
  });

  it('files are private (0600, directories 0700) unless report.file_mode says otherwise', async () => {
    const dir = tempDir('pauta-publish-');
    w = await world({ extra: reportYaml(path.join(dir, 'private')) });
    await daemonFor(w).tick();
    expect(statSync(path.join(dir, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'private/index.html')).mode & 0o777).toBe(0o600);
    await w.store.close();

    // A web server running as another user reads what it serves.
    w = await world({ extra: `${reportYaml(path.join(dir, 'www/pauta'))}  file_mode: "0644"\n  csv: ${path.join(dir, 'www/pauta/csv')}\n` });
    await daemonFor(w).tick();
    expect(statSync(path.join(dir, 'www')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, 'www/pauta/csv')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, 'www/pauta/index.html')).mode & 0o777).toBe(0o644);
    expect(statSync(path.join(dir, 'www/pauta/csv/indicators.csv')).mode & 0o777).toBe(0o644);
  });

  it('a file that cannot be written is logged and counted; the run and the other files are not affected', async () => {
    const dir = tempDir('pauta-publish-');
    // The page's path is taken by a directory: the JSON is still written, the run is still ok.
    const collected = collectingLogger({ level: 'info' });
    w = await world({ extra: reportYaml(dir) });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(dir, 'index.html'));
    const daemon = daemonFor(w, { log: collected.log });
    const tick = await daemon.tick();
    expect(tick!.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(await w.store.getCursor('alpha')).toBe('2021-09-30');
    expect(tick!.published?.fileError).toEqual({ file: path.join(dir, 'index.html'), message: 'is a directory (give a file name) (EISDIR)' });
    expect(existsSync(path.join(dir, 'report.json'))).toBe(false); // written in order; the page failed first
    const line = collected.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).startsWith('daily report not published'));
    expect(line).toMatchObject({ level: 50, file: path.join(dir, 'index.html') });
    const metrics = daemon.metrics.render([], {});
    expect(metrics).toContain('pauta_report_publish_failures_total 1');
    expect(metrics).toContain('pauta_report_published_total 0');
  });
});
