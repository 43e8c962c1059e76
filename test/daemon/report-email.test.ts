// The report e-mail, through a real SMTP server on loopback (smtp-server): STARTTLS with a
// certificate the client is told to trust by file, a login, every recipient, the subject with the
// as-of date and the headline percentage, the page as the HTML body and a plain-text part. A
// server that is down, refuses the login or cannot be trusted is logged and counted; the run and
// the page are never affected. Then the `when` rules, and `pauta report --send`.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QuotaExhaustedError } from '../../src/core/errors.ts';
import { EMAIL_STATUS_KEY } from '../../src/daemon/publish.ts';
import { getMeta } from '../../src/report/meta.ts';
import { TARGETS_YAML, openTestStore, tempDir } from '../helpers/app.ts';
import { PAUTA } from '../helpers/cli.ts';
import { SMTP_CERT_FILE, SMTP_PASSWORD, SMTP_USER, closedPort, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { SCHEDULE, collectingLogger, daemonFor, world, type World } from './setup.ts';

const ENV = { PAUTA_SMTP_PASSWORD: SMTP_PASSWORD };

let smtp: TestSmtpServer;
let w: World | undefined;
let dir: string;
beforeEach(async () => {
  smtp = await startSmtpServer();
  dir = tempDir('pauta-email-');
});
afterEach(async () => {
  await w?.store.close();
  w = undefined;
  await smtp.close();
});

interface EmailYaml {
  port?: number;
  when?: string;
  caFile?: string | null;
  lang?: string;
}

function emailYaml(o: EmailYaml = {}): string {
  return `
  email:
    when: ${o.when ?? 'every_run'}
    from: "Indicadores <${SMTP_USER}>"
    to: [equipo@example.org, direccion@example.org]
    smtp:
      host: 127.0.0.1
      port: ${o.port ?? smtp.port}
      security: starttls
      user: ${SMTP_USER}
      password_env: PAUTA_SMTP_PASSWORD
${o.caFile === null ? '' : `      ca_file: ${o.caFile ?? SMTP_CERT_FILE}\n`}`;
}

function reportYaml(o: EmailYaml = {}): string {
  return `${SCHEDULE}
report:
  lang: ${o.lang ?? 'en'}
  html: ${path.join(dir, 'index.html')}
${emailYaml(o)}`;
}

const logLines = (c: ReturnType<typeof collectingLogger>) => c.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the report e-mail after a scheduled run', () => {
  it('goes to every recipient over STARTTLS after a login: subject with the date and the headline, the page as HTML, a plain-text part', async () => {
    const collected = collectingLogger({ level: 'debug' });
    w = await world({ extra: reportYaml() });
    const daemon = daemonFor(w, { log: collected.log, env: ENV });
    const tick = await daemon.tick();
    expect(tick!.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(tick!.published).toMatchObject({ asOf: '2021-09-30', email: 'sent' });

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.from).toBe(SMTP_USER);
    expect(mail.to).toEqual(['equipo@example.org', 'direccion@example.org']);
    // The login happened inside TLS, with the password from the environment.
    expect(mail.secure).toBe(true);
    expect(smtp.logins).toEqual([{ method: 'PLAIN', user: SMTP_USER, ok: true, secure: true }]);
    expect(mail.user).toBe(SMTP_USER);

    // alpha and beta: 100 display impressions a day each, Sept 1–30 = 6,000 of 517,242 + 262,963 planned.
    expect(mail.parsed.subject).toBe('Campaign plan indicators as of Sep 30, 2021 — Impressions: 0.77 %');
    const page = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(mail.parsed.html).toBe(page);
    expect(page).toContain('data-pct="0.77"');
    const text = String(mail.parsed.text);
    expect(text).toContain('Campaign plan indicators — as of Sep 30, 2021');
    expect(text).toMatch(/Impressions \(achieved ÷ projected\)\s+6,000\s+780,205\s+0\.77 %/);
    expect(mail.parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });

    expect(daemon.metrics.render([], {})).toContain('pauta_report_emails_sent_total 1');
    expect(logLines(collected).find((l) => l.msg === 'daily report e-mailed')).toMatchObject({ accepted: 2, rejected: [], server: `127.0.0.1:${smtp.port}` });
    expect(collected.text()).not.toContain(SMTP_PASSWORD);
  });

  it('a Spanish report gets a Spanish subject, and a failed source is named in it', async () => {
    w = await world({ extra: reportYaml({ lang: 'es' }) });
    const daemon = daemonFor(w, { env: ENV });
    await daemon.tick();
    w.clock.set('2021-10-02T12:30:00Z');
    w.fake.failOn = { accountId: '222', date: '2021-10-01', error: () => new QuotaExhaustedError('cuota diaria agotada') };
    await daemon.tick();
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual([
      'Indicadores del plan de campaña al 30 sep 2021 — Impresiones: 0.77 %',
      // beta stopped at Sept 30; alpha's October 1 counts: 6,100 of 780,205.
      'Indicadores del plan de campaña al 1 oct 2021 — Impresiones: 0.78 % (faltan datos: beta)',
    ]);
    expect(String(smtp.received[1]!.parsed.text)).toContain('!!   beta (test_fake): sin datos desde el 1 oct 2021');
  });

  it('a server whose certificate the client was not told to trust gets nothing, not even the login', async () => {
    const collected = collectingLogger({ level: 'info' });
    w = await world({ extra: reportYaml({ caFile: null }) });
    const daemon = daemonFor(w, { log: collected.log, env: ENV });
    const tick = await daemon.tick();
    expect(tick!.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(tick!.published?.email).toBe('failed');
    expect(tick!.published?.emailError).toContain('self-signed certificate');
    expect(smtp.logins).toEqual([]);
    expect(smtp.received).toEqual([]);
    expect(daemon.metrics.render([], {})).toContain('pauta_report_email_failures_total 1');
  });

  it('a refused login is logged and counted, without the password', async () => {
    const collected = collectingLogger({ level: 'debug' });
    w = await world({ extra: reportYaml() });
    const wrong = 'not-the-password-9d1e';
    const daemon = daemonFor(w, { log: collected.log, env: { PAUTA_SMTP_PASSWORD: wrong } });
    const tick = await daemon.tick();
    expect(tick!.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(smtp.logins).toEqual([{ method: 'PLAIN', user: SMTP_USER, ok: false, secure: true }]);
    const line = logLines(collected).find((l) => String(l.msg).startsWith('daily report e-mail not sent'));
    expect(line).toMatchObject({ level: 50, server: `127.0.0.1:${smtp.port}` });
    expect(String(line!.msg)).toMatch(/Invalid login: 535/);
    expect(collected.text()).not.toContain(wrong);
    expect(daemon.metrics.render([], {})).toContain('pauta_report_email_failures_total 1');
  });

  it('a server that is down: logged and counted; the run, its data and the page are not affected', async () => {
    const collected = collectingLogger({ level: 'info' });
    const port = await closedPort();
    w = await world({ extra: reportYaml({ port }) });
    const daemon = daemonFor(w, { log: collected.log, env: ENV });
    const tick = await daemon.tick();
    expect(tick!.results.map((r) => [r.sourceId, r.status])).toEqual([['alpha', 'ok'], ['beta', 'ok']]);
    expect(await w.store.getCursor('alpha')).toBe('2021-09-30');
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('data-as-of="2021-09-30"');
    expect(tick!.published).toMatchObject({ email: 'failed', written: [path.join(dir, 'index.html')] });
    const line = logLines(collected).find((l) => String(l.msg).startsWith('daily report e-mail not sent'));
    expect(line).toMatchObject({ level: 50, asOf: '2021-09-30', server: `127.0.0.1:${port}` });
    expect(String(line!.msg)).toContain('ECONNREFUSED');
    const metrics = daemon.metrics.render([], {});
    expect(metrics).toContain('pauta_report_email_failures_total 1');
    expect(metrics).toContain('pauta_report_emails_sent_total 0');
    expect(metrics).toContain('pauta_report_published_total 1');
    // The scheduled run itself is a success.
    expect(metrics).toContain('pauta_source_runs_total{source="alpha",status="ok"} 1');

    // The next run tries again, and the count goes on.
    w.clock.set('2021-10-02T12:30:00Z');
    await daemon.tick();
    expect(daemon.metrics.render([], {})).toContain('pauta_report_email_failures_total 2');
  });

  it('a password variable that is not set is logged by name and counted; the page is still published', async () => {
    const collected = collectingLogger({ level: 'info' });
    w = await world({ extra: reportYaml() });
    const daemon = daemonFor(w, { log: collected.log, env: {} });
    const tick = await daemon.tick();
    expect(tick!.published).toMatchObject({ email: 'failed', emailError: 'report.email.smtp.password_env: environment variable PAUTA_SMTP_PASSWORD is not set' });
    expect(smtp.received).toEqual([]);
    expect(daemon.metrics.render([], {})).toContain('pauta_report_email_failures_total 1');
  });
});

describe('when the e-mail goes', () => {
  const days = (ticks: string[]) => ticks.map((d) => `${d}T12:30:00Z`);

  it('weekdays: Monday to Friday in schedule.timezone', async () => {
    w = await world({ extra: reportYaml({ when: 'weekdays' }) });
    const daemon = daemonFor(w, { env: ENV });
    const sent: string[] = [];
    // Friday Oct 1 to Tuesday Oct 5, 2021, each at 07:30 in Mexico City.
    for (const at of days(['2021-10-01', '2021-10-02', '2021-10-03', '2021-10-04', '2021-10-05'])) {
      w.clock.set(at);
      const tick = await daemon.tick();
      if (tick!.published?.email === 'sent') sent.push(at.slice(0, 10));
      else expect(tick!.published?.email).toBe('skipped');
    }
    expect(sent).toEqual(['2021-10-01', '2021-10-04', '2021-10-05']);
    expect(smtp.received).toHaveLength(3);
    // The page is published every day all the same.
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('data-as-of="2021-10-04"');
  });

  it('status_change: only when a pacing status or a missing source changed, remembered across restarts', async () => {
    w = await world({ extra: reportYaml({ when: 'status_change' }) });
    const outcome = async (at: string) => {
      w!.clock.set(at);
      // A new daemon each time: what was last sent is kept in the database, not in the process.
      return (await daemonFor(w!, { env: ENV }).tick())!.published?.email;
    };
    expect(await outcome('2021-10-01T12:30:00Z')).toBe('sent'); // first ever
    expect(await getMeta(w.store.db, EMAIL_STATUS_KEY)).toBe('total=behind programmatic=behind social=behind missing=');
    expect(await outcome('2021-10-02T12:30:00Z')).toBe('skipped'); // still behind everywhere
    w.fake.failOn = { accountId: '111', date: '2021-10-02', error: () => new QuotaExhaustedError('daily quota spent') };
    expect(await outcome('2021-10-03T12:30:00Z')).toBe('sent'); // alpha went missing
    expect(await outcome('2021-10-04T12:30:00Z')).toBe('skipped'); // still missing
    w.fake.failOn = undefined;
    expect(await outcome('2021-10-05T12:30:00Z')).toBe('sent'); // alpha is back
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual([
      'Campaign plan indicators as of Sep 30, 2021 — Impressions: 0.77 %',
      // alpha stopped at Oct 1, beta reached Oct 2: 3,100 + 3,200 = 6,300.
      'Campaign plan indicators as of Oct 2, 2021 — Impressions: 0.81 % (data missing: alpha)',
      // Both through Oct 4: 6,800.
      'Campaign plan indicators as of Oct 4, 2021 — Impressions: 0.87 %',
    ]);
  });

  it('status_change: a failed e-mail is not remembered as sent, so the next run tries again', async () => {
    const port = await closedPort();
    w = await world({ extra: reportYaml({ when: 'status_change', port }) });
    expect((await daemonFor(w, { env: ENV }).tick())!.published?.email).toBe('failed');
    expect(await getMeta(w.store.db, EMAIL_STATUS_KEY)).toBeUndefined();
    w.clock.set('2021-10-02T12:30:00Z');
    expect((await daemonFor(w, { env: ENV }).tick())!.published?.email).toBe('failed');
  });
});

describe('pauta report --send', () => {
  // Spawned without blocking: the SMTP server answering it runs in this process.
  async function pauta(configYaml: string, args: string[], env: NodeJS.ProcessEnv = ENV) {
    const configFile = path.join(dir, 'pauta.yaml');
    writeFileSync(configFile, `${TARGETS_YAML}\n${configYaml}`);
    const child = spawn(process.execPath, [...PAUTA, 'report', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, PAUTA_CONFIG: configFile, PAUTA_DB: path.join(dir, 'pauta.sqlite'), PAUTA_LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    return { code, stdout, stderr };
  }

  beforeEach(async () => {
    await (await openTestStore(path.join(dir, 'pauta.sqlite'))).close();
  });

  it('sends once with the report settings, in report.lang unless --lang says otherwise', async () => {
    const ok = await pauta(`report:\n  lang: es\n${emailYaml()}`, ['--send', '--as-of', '2021-10-31']);
    expect(ok.stderr).toBe(`pauta: e-mailed "Indicadores del plan de campaña al 31 oct 2021 — Impresiones: 0.00 %" to equipo@example.org, direccion@example.org through 127.0.0.1:${smtp.port}\n`);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['equipo@example.org', 'direccion@example.org']);
    expect(smtp.received[0]!.parsed.html).toContain('data-as-of="2021-10-31"');
    expect(smtp.logins).toEqual([{ method: 'PLAIN', user: SMTP_USER, ok: true, secure: true }]);

    const en = await pauta(`report:\n  lang: es\n${emailYaml()}`, ['--send', '--as-of', '2021-10-31', '--lang', 'en']);
    expect(en.code).toBe(0);
    expect(smtp.received[1]!.parsed.subject).toBe('Campaign plan indicators as of Oct 31, 2021 — Impressions: 0.00 %');
  }, 120_000);

  it('exits 1 with the server and the reason when sending fails', async () => {
    const port = await closedPort();
    const down = await pauta(`report:\n${emailYaml({ port })}`, ['--send']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^pauta: e-mail not sent: 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));

    const refused = await pauta(`report:\n${emailYaml()}`, ['--send'], { PAUTA_SMTP_PASSWORD: 'wrong-password-77aa' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`pauta: e-mail not sent: 127.0.0.1:${smtp.port}: Invalid login: 535`);
    expect(refused.stderr).not.toContain('wrong-password-77aa');
  }, 120_000);

  it('exits 2 when the settings cannot be used', async () => {
    const noPassword = await pauta(`report:\n${emailYaml()}`, ['--send'], {});
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toBe('pauta: report.email.smtp.password_env: environment variable PAUTA_SMTP_PASSWORD is not set\n');

    const noEmail = await pauta(`report:\n  html: ${path.join(dir, 'index.html')}\n`, ['--send']);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('pauta.yaml: report.email: not set; --send uses its recipients and SMTP server');

    const noCa = await pauta(`report:\n${emailYaml({ caFile: path.join(dir, 'missing.pem') })}`, ['--send']);
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toBe(`pauta: report.email.smtp.ca_file: cannot read ${path.join(dir, 'missing.pem')} (ENOENT)\n`);

    const withFormat = await pauta(`report:\n${emailYaml()}`, ['--send', '--format', 'html']);
    expect(withFormat.code).toBe(2);
    expect(withFormat.stderr).toContain('--send: cannot be combined with --format');
    expect(smtp.received).toEqual([]);
  }, 120_000);
});
