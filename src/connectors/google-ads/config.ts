// A `google_ads` entry of `sources:` in config/pauta.yaml. Credentials are environment-variable
// names; customer ids are the 10-digit ids Google Ads shows as 123-456-7890.
import { z } from 'zod';
import { campaignSelection, envVarName, httpUrl, sourceBaseShape } from '../../config/fields.ts';

/**
 * A customer id as digits. The UI writes it `123-456-7890`; the API wants the digits only
 * (a dashed `login-customer-id` header is rejected with INVALID_LOGIN_CUSTOMER_ID).
 */
export const customerId = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.replaceAll('-', '').trim() : v),
  z.string().regex(/^\d{10}$/, { message: 'expected a 10-digit Google Ads customer id like 123-456-7890' }),
);

/**
 * Advertising channel types pauta reads. DISPLAY is the "programmatic" buy, VIDEO is YouTube.
 * DEMAND_GEN and PERFORMANCE_MAX mix inventories (YouTube, Discover, Gmail, Search…), so they
 * are only read when listed here and get channels of their own that no default target counts.
 */
export const ADVERTISING_CHANNELS = ['DISPLAY', 'VIDEO', 'DEMAND_GEN', 'PERFORMANCE_MAX'] as const;
export type AdvertisingChannel = (typeof ADVERTISING_CHANNELS)[number];

/** `geographic_view` is implicitly split by location type: one type must be chosen. */
export const LOCATION_TYPES = ['LOCATION_OF_PRESENCE', 'AREA_OF_INTEREST'] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];

export const geoSelection = z
  .discriminatedUnion('view', [
    // Where users physically were (the default; matches the reports' "physical location").
    z.strictObject({ view: z.literal('user_location_view') }),
    // Physical location or area of interest, as the advertiser's location options chose.
    z.strictObject({ view: z.literal('geographic_view'), location_type: z.enum(LOCATION_TYPES) }),
  ])
  .default({ view: 'user_location_view' });
export type GeoSelection = z.infer<typeof geoSelection>;

export const googleAdsSourceSchema = z.strictObject({
  ...sourceBaseShape,
  platform: z.literal('google_ads'),
  /** Developer token of the manager account's API Center. */
  developer_token_env: envVarName,
  /** OAuth 2.0 client (Google Cloud console) the refresh token was issued to. */
  client_id_env: envVarName,
  client_secret_env: envVarName,
  /** Refresh token of a Google account with access to the customers (scope .../auth/adwords). */
  refresh_token_env: envVarName,
  /** Manager (MCC) account the access goes through, sent as the `login-customer-id` header. */
  login_customer_id: customerId.optional(),
  customer_ids: z
    .array(customerId)
    .min(1, { message: 'list at least one customer id' })
    .refine((ids) => new Set(ids).size === ids.length, { message: 'a customer id is listed twice' }),
  channels: z.array(z.enum(ADVERTISING_CHANNELS)).min(1).default(['DISPLAY', 'VIDEO']),
  campaigns: campaignSelection,
  geo: geoSelection,
  /** Other hosts for the API and the OAuth token endpoint (a sandbox, a proxy). */
  endpoint: z
    .strictObject({
      api_url: httpUrl.optional(),
      token_url: httpUrl.optional(),
    })
    .optional(),
});

export type GoogleAdsSourceConfig = z.infer<typeof googleAdsSourceSchema>;
