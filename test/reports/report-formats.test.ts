// The table, CSV and HTML reports: Spanish by default, the simulated banner, tidy CSV tables
// that add up, and an HTML page that needs nothing from the network.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PautaConfig } from '../../src/config/load.ts';
import { CSV_TABLES, reportCsvTables } from '../../src/report/csv.ts';
import { reportHtml } from '../../src/report/html.ts';
import { reportJson } from '../../src/report/json.ts';
import { markSimulated } from '../../src/report/meta.ts';
import { buildReport, type ReportData } from '../../src/report/model.ts';
import { reportTable } from '../../src/report/table.ts';
import type { Store } from '../../src/store/store.ts';
import { sampleStore } from './sample.ts';

let store: Store;
let config: PautaConfig;
let report: ReportData;
beforeAll(async () => {
  ({ store, config } = await sampleStore());
  report = await buildReport(store, config, { asOf: '2021-11-20', now: new Date('2021-11-21T09:00:00Z') });
});
afterAll(async () => {
  await store.close();
});

describe('table report', () => {
  it('speaks Spanish with es-MX numbers by default, English with --lang en', () => {
    const es = reportTable(report, { lang: 'es' });
    const total = report.impressions.total;
    expect(es).toContain('*** DATOS SIMULADOS');
    expect(es).toContain('Indicadores del plan de campaña — al 20 nov 2021');
    expect(es).toMatch(/Impresiones \(logradas ÷ proyectadas\)\s+[\d,]+\s+780,205/);
    expect(es).toContain(new Intl.NumberFormat('es-MX').format(total.achieved));
    expect(es).toContain('SMS (enviados ÷ programados)');
    expect(es).toContain('Ritmo — Ritmo diario: últimos 7 días — tolerancia ±5 %');
    expect(es).toContain('Resto de EE. UU.');
    expect(es).toMatch(/SMS — Envío 2\s+420\s+0\s+0\.00 %/);
    const en = reportTable(report, { lang: 'en' });
    expect(en).toContain('*** SIMULATED DATA');
    expect(en).toContain('Campaign plan indicators — as of Nov 20, 2021');
    expect(en).toContain('Rest of US');
    expect(en).toMatch(/SMS — Send 2\s+420\s+0\s+0\.00 %/);
  });

  it('says nothing about simulation for real data', async () => {
    await markSimulated(store.db, false);
    try {
      const real = await buildReport(store, config, { asOf: '2021-11-20' });
      expect(real.simulated).toBe(false);
      expect(reportTable(real, { lang: 'es' })).not.toContain('SIMULADOS');
      expect(reportHtml(real, { lang: 'es' })).not.toContain('SIMULADOS');
    } finally {
      await markSimulated(store.db, true);
    }
  });
});

describe('CSV report', () => {
  const tables = () => reportCsvTables(report, 'es');
  const rows = (name: (typeof CSV_TABLES)[number]) => parse(tables()[name], { columns: true }) as Record<string, string>[];

  it('one tidy table per breakdown, with plain numbers', () => {
    expect(Object.keys(tables())).toEqual([...CSV_TABLES]);
    expect(rows('indicators')).toEqual([
      expect.objectContaining({ indicator: 'impressions', planned: '780205', simulated: 'true', as_of: '2021-11-20' }),
      expect.objectContaining({ indicator: 'sms', planned: '840' }),
      expect.objectContaining({ indicator: 'email', planned: '730' }),
    ]);
    const targets = rows('targets');
    expect(targets.map((t) => t.target_id)).toEqual(['programmatic', 'social', 'total']);
    const achieved = Object.fromEntries(targets.map((t) => [t.target_id, Number(t.achieved)]));
    for (const table of ['by_area', 'by_month', 'by_platform'] as const) {
      const sums = new Map<string, number>();
      for (const r of rows(table)) sums.set(r.target_id!, (sums.get(r.target_id!) ?? 0) + Number(r.impressions));
      expect(Object.fromEntries(sums), table).toEqual(achieved);
    }
    const geo = rows('by_area').filter((r) => r.target_id === 'total');
    expect(geo.map((r) => r.label)).toEqual(['California', 'Texas', 'Illinois', 'Resto de EE. UU.', 'Canadá', 'España', 'Sin ubicar']);
    const daily = rows('daily').filter((r) => r.target_id === 'social');
    expect(Number(daily.at(-1)!.cumulative)).toBe(achieved.social);
    expect(rows('messaging').map((r) => `${r.channel}/${r.send}`)).toEqual(['sms/1', 'sms/2', 'sms/total', 'email/1', 'email/2', 'email/total']);
    // Names with commas or quotes survive the round trip.
    expect(targets[1]!.name).toBe('Campañas en YouTube y Twitter');
  });

  it('text a spreadsheet would run as a formula is neutralised; negative numbers stay numbers', () => {
    // OWASP's CSV injection rule: a cell starting with = + - @ tab or carriage return.
    const names = ['=HYPERLINK("https://example.org/x","clic")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];
    const evil = {
      ...report,
      impressions: { ...report.impressions, targets: report.impressions.targets.map((t, i) => ({ ...t, name: names[i]!, targetId: names[i + 2]! })) },
    };
    const evilTables = reportCsvTables(evil, 'es');
    const parsed = parse(evilTables.targets, { columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => [r.target_id, r.name])).toEqual([
      ["'-2+3", '\'=HYPERLINK("https://example.org/x","clic")'],
      ["'@SUM(A1:A9)", "'+1+cmd|' /C calc'!A0"],
      ['total', report.impressions.total.name],
    ]);
    for (const text of Object.values(evilTables)) {
      for (const row of parse(text) as string[][]) for (const c of row) expect(c, c).not.toMatch(/^[=+@\t\r]/);
    }
    // A target behind its plan: its variance is written as a plain negative number, not text.
    const behind = (parse(tables().targets, { columns: true }) as Record<string, string>[]).filter((r) => Number(r.variance) < 0);
    expect(behind.length).toBeGreaterThan(0);
    for (const r of behind) expect(r.variance).toMatch(/^-\d+$/);
    expect(report.pacing.some((p) => p.variance < 0)).toBe(true);
  });
});

describe('a closed period says whether the target was reached, in every format', () => {
  let closed: ReportData;
  beforeAll(async () => {
    closed = await buildReport(store, config, { asOf: '2022-01-10', now: new Date('2022-01-11T09:00:00Z') });
  });

  it('reached or not, per target and for the total', () => {
    const outcome = (achieved: number, projected: number) => (achieved >= projected ? 'reached' : 'not_reached');
    expect(closed.pacing.map((p) => [p.phase, p.status])).toEqual(
      closed.impressions.targets.map((t) => ['ended', outcome(t.achieved, t.projected)]),
    );
    // The sample world delivers each target short of its plan: both read "not reached".
    expect(closed.pacing.map((p) => p.status)).toEqual(['not_reached', 'not_reached']);
    expect(closed.totalPacing).toMatchObject({ phase: 'ended', status: 'not_reached' });
    // While the period runs, the pacing statuses stay.
    expect(['ahead', 'on_track', 'behind']).toContain(report.totalPacing.status);
  });

  it('table, JSON, CSV and HTML, in Spanish and English', () => {
    const es = reportTable(closed, { lang: 'es' });
    expect(es).toMatch(/Impresiones \(logradas ÷ proyectadas\)\s+[\d,]+\s+780,205\s+[\d.]+ %\s+Meta no alcanzada$/m);
    expect(es).toContain('Meta no alcanzada (periodo concluido)');
    expect(es).not.toMatch(/En ritmo|Atrasado|Adelantado/);
    expect(reportTable(closed, { lang: 'en' })).toContain('Target not reached (period ended)');
    const json = reportJson(closed);
    expect(json.indicators[0]!.status).toBe('not_reached');
    expect(json.impressions.targets.map((t) => t.pacing.status)).toEqual(['not_reached', 'not_reached']);
    expect(json.impressions.total.pacing.status).toBe('not_reached');
    const targets = parse(reportCsvTables(closed, 'es').targets, { columns: true }) as Record<string, string>[];
    expect(targets.map((t) => [t.target_id, t.status, t.phase])).toEqual([
      ['programmatic', 'not_reached', 'ended'],
      ['social', 'not_reached', 'ended'],
      ['total', 'not_reached', 'ended'],
    ]);
    expect((parse(reportCsvTables(closed, 'es').indicators, { columns: true }) as Record<string, string>[])[0]!.status).toBe('not_reached');
    const html = reportHtml(closed, { lang: 'es' });
    expect(html).toContain('<span class="badge not-reached" data-status="not_reached">Meta no alcanzada</span>');
    expect(reportHtml(closed, { lang: 'en' })).toContain('>Target not reached</span>');
  });

  it('a target met by the end reads "Meta alcanzada"', () => {
    const met = { ...closed, pacing: closed.pacing.map((p) => ({ ...p, status: 'reached' as const })) };
    expect(reportTable(met, { lang: 'es' })).toContain('Meta alcanzada (periodo concluido)');
    expect(reportTable(met, { lang: 'en' })).toContain('Target reached (period ended)');
    expect(reportHtml(met, { lang: 'es' })).toContain('<span class="badge reached" data-status="reached">Meta alcanzada</span>');
  });
});

describe('HTML report (static checks)', () => {
  it('is one self-contained file: no scripts, no external resources', () => {
    const html = reportHtml(report, { lang: 'es' });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect(html).toContain('<html lang="es-MX">');
    expect(html).toContain('DATOS SIMULADOS');
    expect((html.match(/<svg /g) ?? []).length).toBe(5); // two cumulative charts, geography, month, platform
  });

  it('escapes names from the config', async () => {
    const evil = { ...report, impressions: { ...report.impressions, targets: report.impressions.targets.map((t) => ({ ...t, name: '<img src=x onerror=alert(1)>' })) } };
    const html = reportHtml(evil, { lang: 'es' });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
