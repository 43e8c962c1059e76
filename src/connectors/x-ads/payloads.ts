// The X Ads API's answers, validated at the connector's boundary. Only the fields pauta reads are
// declared; unknown fields are ignored. Shapes: https://docs.x.com/x-ads-api/campaign-management/reference
// and https://docs.x.com/x-ads-api/analytics
import { z } from 'zod';
import { PayloadError } from '../../core/errors.ts';
import { formatPath } from '../../config/load.ts';

export const accountSchema = z.object({
  id: z.string(),
  name: z.string().nullish(),
  timezone: z.string().min(1),
  /** When the account moved from America/Los_Angeles to `timezone` (always a local midnight). */
  timezone_switch_at: z.string().nullish(),
});
export type XAccount = z.infer<typeof accountSchema>;

export const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  deleted: z.boolean().optional(),
  entity_status: z.string().nullish(),
});
export type XCampaign = z.infer<typeof campaignSchema>;

export const lineItemSchema = z.object({
  id: z.string(),
  campaign_id: z.string(),
  name: z.string().nullish(),
  deleted: z.boolean().optional(),
});
export type XLineItem = z.infer<typeof lineItemSchema>;

export const targetingCriterionSchema = z.object({
  id: z.string(),
  line_item_id: z.string(),
  targeting_type: z.string(),
  targeting_value: z.union([z.string(), z.number()]).transform(String),
  name: z.string().nullish(),
  location_type: z.string().nullish(),
  operator_type: z.string().nullish(),
  deleted: z.boolean().optional(),
});
export type XTargetingCriterion = z.infer<typeof targetingCriterionSchema>;

export const locationSchema = z.object({
  name: z.string(),
  country_code: z.string().nullish(),
  location_type: z.string(),
  targeting_value: z.string(),
});
export type XLocation = z.infer<typeof locationSchema>;

/** `{ data: [...], next_cursor }`: a full page returns a cursor even when the next page is empty. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullish() });
}

export function singleSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: item });
}

/** A metric is `null` when the entity had nothing; inside an array `null` means 0 for that bucket. */
const metricSeries = z.array(z.number().int().nonnegative().nullable()).nullish();
/**
 * Impressions, the metric pauta exists for, must be there (`null` is X's "nothing"): a missing key
 * means another metric group or a changed schema, and reading it as 0 would store empty days.
 */
const requiredMetricSeries = z.array(z.number().int().nonnegative().nullable()).nullable();

export const statsSchema = z.object({
  time_series_length: z.number().int().nonnegative(),
  data: z.array(
    z.object({
      id: z.string(),
      id_data: z.array(
        z.object({
          segment: z
            .object({ segment_name: z.string().nullish(), segment_value: z.string().nullish() })
            .nullish(),
          metrics: z.object({ impressions: requiredMetricSeries, clicks: metricSeries }),
        }),
      ),
    }),
  ),
});
export type XStats = z.infer<typeof statsSchema>;

export const JOB_STATUSES = ['QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'EXPIRED', 'CANCELLED'] as const;

export const jobSchema = z.object({
  // 64-bit ids: `id` is rounded by JSON.parse, `id_str` is exact.
  id_str: z.string().regex(/^\d+$/),
  status: z.string(),
  url: z.string().nullish(),
  expires_at: z.string().nullish(),
  entity_ids: z.array(z.string()).nullish(),
  segmentation_type: z.string().nullish(),
  country: z.string().nullish(),
  start_time: z.string().nullish(),
  end_time: z.string().nullish(),
});
export type XJob = z.infer<typeof jobSchema>;

/** Parses a payload or fails naming the endpoint and the field. */
export function parsePayload<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new PayloadError(`X Ads ${what}: unexpected response at ${formatPath(issue.path)}: ${issue.message}`);
}
