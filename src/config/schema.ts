// config/pauta.yaml, validated at start-up. Unknown keys are errors: a typo must not pass.
import cron from 'node-cron';
import { z } from 'zod';
import { CHANNELS } from '../core/records.ts';
import { envVarName, isoDate, regexPattern, slug, timeZone } from './fields.ts';

/** Which campaigns count toward a target. Every field given must match. */
export const includeRule = z
  .strictObject({
    source: slug.optional(),
    platform: z.string().optional(),
    channel: z.enum(CHANNELS).optional(),
    campaign_ids: z.array(z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string())).optional(),
    campaign_name: regexPattern.optional(),
  })
  .refine((r) => Object.values(r).some((v) => v !== undefined), {
    message: 'an include rule needs at least one of source, platform, channel, campaign_ids, campaign_name',
  });

/** How a target's progress is paced: linear over its period unless monthly shares are given. */
export const pacingSchema = z.strictObject({
  /** Percent of `projected` planned for each month of the period ("2021-09": 22); they add up to 100. */
  monthly_pct: z.record(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'expected a month as YYYY-MM' }), z.number().min(0).max(100)).optional(),
  /** Within ±this percent of the expected-to-date the target is "on track"; beyond it, ahead or behind. */
  tolerance_pct: z.number().min(0).max(100).default(5),
  /** Days the run-rate is averaged over. */
  run_rate_days: z.number().int().min(1).max(60).default(7),
});

export const targetSchema = z
  .strictObject({
    id: slug.refine((id) => id !== 'total', { message: '"total" is reserved for the combined row' }),
    name: z.string().min(1),
    projected: z.number().int().positive(),
    period: z.strictObject({ start: isoDate, end: isoDate }),
    /** Countries the target is bought in (ISO 3166-1 alpha-2). */
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, { message: 'expected an ISO 3166-1 alpha-2 code like US' })).default([]),
    /** Regions singled out in reports (ISO 3166-2, e.g. US-CA). */
    focus_regions: z
      .array(z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, { message: 'expected an ISO 3166-2 code like US-CA' }))
      .default([]),
    include: z.array(includeRule).min(1),
    pacing: pacingSchema.optional(),
  })
  .refine((t) => t.period.start <= t.period.end, { message: 'period.start must not be after period.end', path: ['period'] })
  .superRefine((t, ctx) => {
    const shares = t.pacing?.monthly_pct;
    if (shares === undefined || t.period.start > t.period.end) return;
    const months = periodMonths(t.period.start, t.period.end);
    for (const m of months) {
      if (shares[m] === undefined) ctx.addIssue({ code: 'custom', message: `month ${m} of the period has no share`, path: ['pacing', 'monthly_pct'] });
    }
    for (const m of Object.keys(shares)) {
      if (!months.includes(m)) ctx.addIssue({ code: 'custom', message: `month ${m} is outside the period`, path: ['pacing', 'monthly_pct', m] });
    }
    const sum = Object.values(shares).reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 100) > 0.01) ctx.addIssue({ code: 'custom', message: `monthly shares add up to ${sum}, not 100`, path: ['pacing', 'monthly_pct'] });
  });

/** `YYYY-MM` of every month a period touches. */
export function periodMonths(start: string, end: string): string[] {
  const out: string[] = [];
  let [y, m] = [Number(start.slice(0, 4)), Number(start.slice(5, 7))];
  const last = end.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= last) return out;
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
}

/** Checked by node-cron, the daemon's own parser, so `pauta check` catches what the daemon would refuse. */
const cronExpression = z.string().superRefine((expression, ctx) => {
  const detail = cron.validateDetailed(expression);
  if (!detail.valid) {
    ctx.addIssue({ code: 'custom', message: `"${expression}" is not a cron expression (${detail.errors.map((e) => e.message).join('; ')})` });
  }
});

export const scheduleSchema = z.strictObject({
  /** Five-field cron expression, evaluated in `timezone`. */
  cron: cronExpression.default('30 7 * * *'),
  timezone: timeZone.default('UTC'),
  /** `pauta status` exits non-zero when a source's data is older than this many days. */
  stale_after_days: z.number().int().min(1).default(3),
});

export const healthSchema = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(9464),
});

/** Provider delivery-report columns: header names (case and accents ignored); defaults in src/messaging/columns.ts. */
export const messagingColumnsSchema = z.strictObject({
  recipient: z.string().min(1).optional(),
  send: z.string().min(1).optional(),
  date: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
});

/** Provider status words per outcome; a list given here replaces that outcome's defaults. */
export const messagingStatusSchema = z.strictObject({
  delivered: z.array(z.string().min(1)).min(1).optional(),
  failed: z.array(z.string().min(1)).min(1).optional(),
  sent: z.array(z.string().min(1)).min(1).optional(),
});

export const messagingChannelSchema = z.strictObject({
  /** Messages programmed per send number ("1": 180000); else the count of an imported programmed list. */
  scheduled: z.record(z.string().regex(/^[1-9]$/, { message: 'expected a send number 1–9' }), z.number().int().min(0)).optional(),
  columns: messagingColumnsSchema.optional(),
  status_values: messagingStatusSchema.optional(),
  /** Luxon format of the date column (e.g. "dd/MM/yyyy HH:mm"); ISO 8601 when absent. */
  date_format: z.string().min(1).optional(),
  delimiter: z.enum([',', ';', '\t', '|']).optional(),
  encoding: z.enum(['auto', 'utf-8', 'latin1']).default('auto'),
});

export const messagingSchema = z.strictObject({
  /** Variable holding the secret key that salts message hashes (README "Messaging"). */
  salt_env: envVarName.default('PAUTA_MESSAGING_SALT'),
  /** Zone a send's timestamp is dated in; default: schedule.timezone. */
  time_zone: timeZone.optional(),
  sms: messagingChannelSchema.optional(),
  email: messagingChannelSchema.optional(),
});

/** An SMTP server's settings; the password only by the name of the variable that holds it. */
export const smtpSchema = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** `starttls`: plain connection upgraded with STARTTLS, refused if the server cannot; `tls`: TLS from the first byte (port 465); `none`: no encryption (a relay on this machine). */
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    user: z.string().min(1).optional(),
    password_env: envVarName.optional(),
    /** PEM file of the certificate authority (or the self-signed certificate) the server's certificate must chain to, besides the system's. */
    ca_file: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.user !== undefined && s.password_env === undefined) ctx.addIssue({ code: 'custom', message: 'a user needs password_env (the variable holding its password)', path: ['password_env'] });
    if (s.password_env !== undefined && s.user === undefined) ctx.addIssue({ code: 'custom', message: 'password_env needs a user', path: ['user'] });
    if (s.security === 'none' && s.user !== undefined) ctx.addIssue({ code: 'custom', message: 'security: none would send the password unencrypted; use starttls or tls', path: ['security'] });
  });

/** An address, or a display name with the address in angle brackets ("Pauta <pauta@example.org>"). */
const mailbox = z.string().regex(/^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, { message: 'expected an e-mail address, or "Name <address>"' });

export const REPORT_EMAIL_WHEN = ['every_run', 'weekdays', 'status_change'] as const;

export const reportEmailSchema = z.strictObject({
  /** After every scheduled run; only runs on Monday to Friday (schedule.timezone); or only when a status on the page changed. */
  when: z.enum(REPORT_EMAIL_WHEN).default('every_run'),
  from: mailbox,
  to: z.array(mailbox).min(1, { message: 'at least one recipient is needed' }),
  smtp: smtpSchema,
});

/** A file mode in quotes ("0644"): the owner must read and write, nobody else may write. */
const fileMode = z
  .string({ message: 'expected an octal mode in quotes, like "0644"' })
  .regex(/^0?[0-7]{3}$/, { message: 'expected an octal mode in quotes, like "0644"' })
  .transform((s) => Number.parseInt(s, 8))
  .refine((m) => (m & 0o600) === 0o600, { message: 'the owner must be able to read and write (at least 0600)' })
  .refine((m) => (m & 0o022) === 0, { message: 'group and others must not write (no 0020 or 0002 bit)' });

/** What the daemon publishes after every scheduled run: the report as of yesterday in schedule.timezone. */
export const reportSchema = z
  .strictObject({
    lang: z.enum(['es', 'en']).default('es'),
    /** The HTML page, replaced whole after each run. */
    html: z.string().min(1).optional(),
    /** The JSON report (README "Report JSON"). */
    json: z.string().min(1).optional(),
    /** A directory: one CSV file per table. */
    csv: z.string().min(1).optional(),
    /** Mode of the files written (directories created get the matching x bits); private (0600) unless given. */
    file_mode: fileMode.optional(),
    email: reportEmailSchema.optional(),
  })
  .refine((r) => r.html !== undefined || r.json !== undefined || r.csv !== undefined || r.email !== undefined, {
    message: 'give at least one of html, json, csv or email',
  });

/** The file as written, before each source is checked against its platform's schema. */
export const configFileSchema = z.strictObject({
  database: z
    .string()
    .min(1, { message: 'expected a file path (an empty one would be a temporary database, lost at exit)' })
    // A config file is read by many and copied around: the password belongs in the environment.
    .refine((v) => !/^postgres(?:ql)?:\/\/[^:/@]*:[^@]*@/i.test(v.trim()), {
      message: 'a postgres:// URL in the config must not carry a password; set PGPASSWORD (or use ~/.pgpass) in the environment instead',
    })
    .optional(),
  schedule: scheduleSchema.default({ cron: '30 7 * * *', timezone: 'UTC', stale_after_days: 3 }),
  health: healthSchema.default({ enabled: false, host: '127.0.0.1', port: 9464 }),
  sources: z.array(z.looseObject({ id: slug, platform: z.string() })).default([]),
  targets: z.array(targetSchema).min(1, { message: 'at least one target is needed' }),
  messaging: messagingSchema.optional(),
  report: reportSchema.optional(),
});

export type TargetConfig = z.infer<typeof targetSchema>;
export type IncludeRule = z.infer<typeof includeRule>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type HealthConfig = z.infer<typeof healthSchema>;
export type PacingConfig = z.infer<typeof pacingSchema>;
export type MessagingConfig = z.infer<typeof messagingSchema>;
export type MessagingChannelConfig = z.infer<typeof messagingChannelSchema>;
export type ReportConfig = z.infer<typeof reportSchema>;
export type ReportEmailConfig = z.infer<typeof reportEmailSchema>;
export type SmtpConfig = z.infer<typeof smtpSchema>;
