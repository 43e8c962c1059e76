// A Display & Video 360 source in config/pauta.yaml: credentials (by environment-variable name),
// the advertisers (or one partner) it reads, which insertion orders / line items, and overrides.
import { z } from 'zod';
import { campaignSelection, digitId, digits, envVarName, httpUrl, sourceBaseShape, timeZone } from '../../config/fields.ts';

/** A service-account key file (JSON); the variable holds the file's path. */
const serviceAccountCredentials = z.strictObject({
  service_account_key_file_env: envVarName,
});

/** An OAuth client and a refresh token granted the Bid Manager scope. */
const oauthCredentials = z.strictObject({
  client_id_env: envVarName,
  client_secret_env: envVarName,
  refresh_token_env: envVarName,
});

const advertiser = z.strictObject({
  id: digitId,
  /** IANA zone the advertiser reports in (DV360 → Advertiser settings → Basic details). */
  time_zone: timeZone,
  name: z.string().optional(),
});

const partner = z.strictObject({
  id: digitId,
  /** The zone every advertiser of the partner reports in (checked against each report row). */
  time_zone: timeZone,
  name: z.string().optional(),
});

export const dv360Schema = z
  .strictObject({
    ...sourceBaseShape,
    platform: z.literal('dv360'),
    credentials: z.union([serviceAccountCredentials, oauthCredentials], {
      message: 'expected either service_account_key_file_env, or client_id_env + client_secret_env + refresh_token_env',
    }),
    advertisers: z.array(advertiser).min(1).optional(),
    partner: partner.optional(),
    insertion_orders: campaignSelection,
    line_items: campaignSelection,
    /** Region IDs (the report's "Region ID") to ISO 3166-2, for regions whose name pauta does not know. */
    region_ids: z
      .record(digits, z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, { message: 'expected an ISO 3166-2 code like US-CA' }))
      .optional(),
    /** How long one report may take to generate before the window fails (it is retried next run). */
    report_timeout_minutes: z.number().int().min(1).max(24 * 60).default(180),
    /** Bid Manager requests this source may make per Pacific-time day (the project quota is 2,000). */
    requests_per_day: z.number().int().min(10).max(2_000).default(2_000),
    /** Where the API and the OAuth token endpoint are (a sandbox); default Google's hosts. */
    endpoint: z
      .strictObject({
        /** Origin of the Bid Manager API (googleapis `rootUrl`); a path is ignored. */
        api: httpUrl.optional(),
        token: httpUrl.optional(),
      })
      .optional(),
  })
  .refine((c) => (c.advertisers === undefined) !== (c.partner === undefined), {
    message: 'give either advertisers (a list of { id, time_zone }) or partner ({ id, time_zone }), not both',
    path: ['advertisers'],
  })
  .refine((c) => new Set((c.advertisers ?? []).map((a) => a.id)).size === (c.advertisers ?? []).length, {
    message: 'an advertiser is listed twice',
    path: ['advertisers'],
  });

export type Dv360Config = z.infer<typeof dv360Schema>;

/** The scope every Bid Manager v2 method needs. */
export const BID_MANAGER_SCOPE = 'https://www.googleapis.com/auth/doubleclickbidmanager';
