// config/pauta.yaml, validated at start-up. Unknown keys are errors: a typo must not pass.
import { z } from 'zod';
import { CHANNELS } from '../connectors/types.ts';
import { isoDate, regexPattern, slug, timeZone } from './fields.ts';

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
  })
  .refine((t) => t.period.start <= t.period.end, { message: 'period.start must not be after period.end', path: ['period'] });

export const scheduleSchema = z.strictObject({
  /** Five-field cron expression, evaluated in `timezone`. */
  cron: z.string().default('30 7 * * *'),
  timezone: timeZone.default('UTC'),
  /** `pauta status` exits non-zero when a source's data is older than this many days. */
  stale_after_days: z.number().int().min(1).default(3),
});

export const healthSchema = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(9464),
});

/** The file as written, before each source is checked against its platform's schema. */
export const configFileSchema = z.strictObject({
  database: z.string().optional(),
  schedule: scheduleSchema.default({ cron: '30 7 * * *', timezone: 'UTC', stale_after_days: 3 }),
  health: healthSchema.default({ enabled: false, host: '127.0.0.1', port: 9464 }),
  sources: z.array(z.looseObject({ id: slug, platform: z.string() })).default([]),
  targets: z.array(targetSchema).min(1, { message: 'at least one target is needed' }),
});

export type TargetConfig = z.infer<typeof targetSchema>;
export type IncludeRule = z.infer<typeof includeRule>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type HealthConfig = z.infer<typeof healthSchema>;
