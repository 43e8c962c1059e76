// Names and messages from platforms and the config reach a terminal: `check`, the table report,
// `status` and error lines print control characters as visible escapes, never as instructions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckResult } from '../../src/cli/check-command.ts';
import { renderStatus } from '../../src/cli/status-command.ts';
import { terminalLines, terminalText } from '../../src/core/terminal-text.ts';
import type { StatusReport } from '../../src/ingest/status.ts';
import { buildReport, type ReportData } from '../../src/report/model.ts';
import { reportTable } from '../../src/report/table.ts';
import type { Store } from '../../src/store/store.ts';
import { sampleStore } from '../reports/sample.ts';

/** Sets the terminal's title, clears the screen, and hides text behind a carriage return. */
const TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J\u001b[H';
const HOSTILE = `Consulados ${TITLE}en X${CLEAR}\rfake line\u009b31m \u202eevil`;
/** Everything a terminal acts on, except the line breaks the output is made of. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminalText', () => {
  it('escapes ESC sequences, carriage returns, C1 and bidirectional controls; leaves accents alone', () => {
    expect(terminalText(HOSTILE)).toBe('Consulados \\x1B]0;pwned\\x07en X\\x1B[2J\\x1B[H\\rfake line\\x9B31m \\u202Eevil');
    expect(terminalText('Campaña en España — 2021\ttab\nnl')).toBe('Campaña en España — 2021\\ttab\\nnl');
    expect(terminalLines('a\u001b[31m\nb\r')).toBe('a\\x1B[31m\nb\\r');
  });
});

describe('pauta check', () => {
  it('prints an account name from the platform with its controls escaped', () => {
    const text = formatCheckResult({ id: 'x-consulados', platform: 'x_ads' }, {
      ok: false,
      lines: [
        { ok: true, subject: 'account 18ce54d4x5t', detail: `${HOSTILE}, time zone America/Los_Angeles` },
        { ok: false, subject: `campaign ${TITLE}`, detail: `HTTP 403: ${CLEAR}denied` },
      ],
    });
    expect(text).toBe(
      'source x-consulados (x_ads): FAILED\n' +
        '  ✓ account 18ce54d4x5t: Consulados \\x1B]0;pwned\\x07en X\\x1B[2J\\x1B[H\\rfake line\\x9B31m \\u202Eevil, time zone America/Los_Angeles\n' +
        '  ✗ campaign \\x1B]0;pwned\\x07: HTTP 403: \\x1B[2J\\x1B[Hdenied\n',
    );
  });
});

describe('the table report', () => {
  let store: Store;
  let report: ReportData;
  beforeAll(async () => {
    const sample = await sampleStore();
    store = sample.store;
    report = await buildReport(store, sample.config, { asOf: '2021-11-20', now: new Date('2021-11-21T09:00:00Z') });
  });
  afterAll(async () => {
    await store.close();
  });

  it('escapes target names and geography labels from the config', () => {
    const evil: ReportData = {
      ...report,
      impressions: {
        ...report.impressions,
        targets: report.impressions.targets.map((t) => ({
          ...t,
          name: `${t.name}${CLEAR}`,
          byGeo: t.byGeo.map((b) => ({ ...b, label: `${b.label}${TITLE}` })),
        })),
      },
    };
    for (const lang of ['es', 'en'] as const) {
      const text = reportTable(evil, { lang });
      expect(text).not.toMatch(ACTIVE);
      expect(text).toContain('Campaña en Programmatic\\x1B[2J\\x1B[H (programmatic)');
      expect(text).toContain('\\x1B]0;pwned\\x07');
    }
  });
});

describe('pauta status', () => {
  it('escapes a stored platform error and the lease holder', () => {
    const report: StatusReport = {
      now: '2021-10-01T12:30:00.000Z',
      staleAfterDays: 3,
      schedule: { cron: '30 7 * * *', timezone: 'UTC', nextRunAt: '2021-10-02T07:30:00.000Z' },
      sources: [
        {
          sourceId: 'alpha', platform: 'x_ads', enabled: true, lastDate: '2021-09-30', lastComplete: '2021-09-30', lagDays: 0,
          lastRun: { runId: 'r1', trigger: 'schedule', status: 'failed', windows: 1, rows: 0, error: `campaign "${TITLE}": ${CLEAR}gone`, startedAt: '2021-10-01T07:30:00.000Z', finishedAt: '2021-10-01T07:31:00.000Z' },
          lastSuccessAt: null, ingestingNow: { holder: `cron\r@host`, since: '2021-10-01T12:29:00.000Z' }, stale: false,
        },
      ],
    };
    const text = renderStatus(report, 'table');
    expect(text).not.toMatch(ACTIVE);
    expect(text).toContain('failed at 2021-10-01 07:31 UTC (schedule, 1 window, 0 rows): campaign "\\x1B]0;pwned\\x07": \\x1B[2J\\x1B[Hgone');
    expect(text).toContain('being ingested now by cron\\r@host since');
    // JSON output is already inert: JSON.stringify writes \u001b.
    expect(renderStatus(report, 'json')).not.toMatch(ACTIVE);
  });
});
