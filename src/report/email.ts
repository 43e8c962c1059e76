// The report by e-mail: the HTML page itself as the body and the terminal table as its plain-text
// part, through the team's SMTP server with nodemailer (https://nodemailer.com/smtp/). The
// password comes from the environment variable the config names and is masked in every message.
import { readFileSync } from 'node:fs';
import type { ReportEmailConfig, SmtpConfig } from '../config/schema.ts';
import { UsageError, describeError } from '../core/errors.ts';
import { readSecret, redact, SecretMissingError } from '../core/redact.ts';
import { reportHtml } from './html.ts';
import { LABELS, formatDate, formatPct, type Lang } from './labels.ts';
import type { ReportData } from './model.ts';
import { reportTable } from './table.ts';

export interface ReportMessage {
  subject: string;
  html: string;
  text: string;
}

/** Subject: the date judged and the headline percentage, and the sources whose data stop short of it. */
export function reportMessage(report: ReportData, lang: Lang): ReportMessage {
  const L = LABELS[lang];
  const missing = report.sources.filter((s) => !s.complete).map((s) => s.sourceId);
  const subject = [
    report.simulated ? `[${L.simulated}] ` : '',
    `${L.reportTitle} ${L.asOf} ${formatDate(report.asOf, lang)} — ${L.impressions}: ${formatPct(report.impressions.total.pct, lang)}`,
    missing.length > 0 ? ` (${L.subjectMissing}: ${missing.join(', ')})` : '',
  ].join('');
  return { subject, html: reportHtml(report, { lang }), text: reportTable(report, { lang }) };
}

/** The SMTP settings cannot be used as they are (a missing secret, an unreadable CA file). */
export class EmailSetupError extends UsageError {
  override name = 'EmailSetupError';
}

/** The server could not be reached, refused the login or the message. */
export class EmailSendError extends Error {
  override name = 'EmailSendError';
}

export interface EmailSent {
  accepted: string[];
  rejected: string[];
  messageId: string;
}

/**
 * A server that stops answering is given up on within these, so a scheduled run (and a daemon
 * asked to stop) is never held for nodemailer's defaults of minutes.
 */
const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

export function smtpAddress(smtp: SmtpConfig): string {
  return `${smtp.host}:${smtp.port}`;
}

function transportOptions(smtp: SmtpConfig, env: NodeJS.ProcessEnv) {
  let pass: string | undefined;
  if (smtp.user !== undefined && smtp.password_env !== undefined) {
    try {
      pass = readSecret(env, smtp.password_env, 'report.email.smtp.password_env');
    } catch (e) {
      if (e instanceof SecretMissingError) throw new EmailSetupError(e.message);
      throw e;
    }
  }
  let ca: Buffer | undefined;
  if (smtp.ca_file !== undefined) {
    try {
      ca = readFileSync(smtp.ca_file);
    } catch (e) {
      throw new EmailSetupError(`report.email.smtp.ca_file: cannot read ${smtp.ca_file} (${(e as NodeJS.ErrnoException).code ?? describeError(e)})`);
    }
  }
  return {
    host: smtp.host,
    port: smtp.port,
    // `tls`: TLS from the first byte; `starttls`: upgrade the plain connection, and give up rather
    // than send anything in clear if the server does not offer STARTTLS.
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    // Certificates are always verified: a private CA is trusted by naming its file, never by
    // turning verification off.
    ...(ca !== undefined ? { tls: { ca } } : {}),
    ...(pass !== undefined ? { auth: { user: smtp.user!, pass } } : {}),
    ...TIMEOUTS,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** Sends the message to every recipient; throws EmailSetupError or EmailSendError, secrets masked. */
export async function sendReportEmail(
  settings: ReportEmailConfig,
  message: ReportMessage,
  opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal | undefined } = {},
): Promise<EmailSent> {
  const options = transportOptions(settings.smtp, opts.env ?? process.env);
  // Loaded when a message goes out, not with every command of the CLI.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(options);
  try {
    const info = await transport.sendMail({
      from: settings.from,
      to: settings.to,
      subject: message.subject,
      html: message.html,
      text: message.text,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { accepted: info.accepted.map(String), rejected: info.rejected.map(String), messageId: info.messageId };
  } catch (e) {
    throw new EmailSendError(redact(`${smtpAddress(settings.smtp)}: ${describeError(e)}`), { cause: e });
  } finally {
    transport.close();
  }
}
