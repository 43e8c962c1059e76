// A source of platform x_ads in config/pauta.yaml. Credentials are the four OAuth 1.0a values,
// each named by an environment variable; geography is one of two strategies, chosen per source.
import { z } from 'zod';
import { envVarName, httpUrl, regexPattern, sourceBaseShape } from '../../config/fields.ts';

/** X Ads ids (accounts `18ce54d4x5t`, campaigns `f2qqv`) are short base-36 strings. */
const xId = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z.string().regex(/^[a-z0-9]+$/i, { message: 'expected an X Ads id like 18ce54d4x5t' }),
);

const countryCode = z.string().regex(/^[A-Z]{2}$/, { message: 'expected an ISO 3166-1 alpha-2 code like US' });

/** A URL prefix; always ends in `/` since twitter-api-v2 concatenates prefix and path. */
const prefixUrl = httpUrl.transform((u) => (u.endsWith('/') ? u : `${u}/`));

export const GEO_STRATEGIES = ['regions', 'targeting'] as const;
export type GeoStrategy = (typeof GEO_STRATEGIES)[number];

// https://docs.x.com/x-ads-api/analytics (placement: one value per request)
export const PLACEMENTS = ['ALL_ON_TWITTER', 'PUBLISHER_NETWORK', 'SPOTLIGHT', 'TREND'] as const;

export const xAdsSourceSchema = z.strictObject({
  ...sourceBaseShape,
  platform: z.literal('x_ads'),
  account_ids: z.array(xId).min(1),
  /** Which campaigns: by ids, or by a case-insensitive name pattern; all when omitted. */
  campaigns: z
    .strictObject({
      ids: z.array(xId).min(1).optional(),
      name_pattern: regexPattern.optional(),
    })
    .optional(),
  consumer_key_env: envVarName,
  consumer_secret_env: envVarName,
  access_token_env: envVarName,
  access_token_secret_env: envVarName,
  /** Impressions are summed over these placements (the API takes one per request). */
  placements: z.array(z.enum(PLACEMENTS)).min(1).default(['ALL_ON_TWITTER']),
  geo: z.strictObject({
    /** `regions`: async jobs segmented by REGIONS; `targeting`: each line item's single targeted location. */
    strategy: z.enum(GEO_STRATEGIES),
    /** Countries (ISO 3166-1) the campaigns are bought in: one REGIONS job each; the locations `targeting` can place. */
    countries: z.array(countryCode).min(1),
  }),
  jobs: z
    .strictObject({
      /** A window fails when its async jobs are not done after this long. */
      timeout_minutes: z.number().positive().default(30),
      /** How long to wait before creating a job again after TOO_MANY_JOBS. */
      too_many_jobs_wait_seconds: z.number().int().positive().default(60),
    })
    .default({ timeout_minutes: 30, too_many_jobs_wait_seconds: 60 }),
  /** Where requests go instead of X's hosts: X's sandbox, or pauta's own (`pauta sandbox`). */
  endpoint: z
    .strictObject({
      /** Prefix of every Ads API request, e.g. https://ads-api-sandbox.twitter.com/12/ */
      ads_api: prefixUrl.optional(),
      /** Origin the async jobs' result files are downloaded from, instead of the one in the job's url. */
      download: prefixUrl.optional(),
    })
    .optional(),
});

export type XAdsSourceConfig = z.infer<typeof xAdsSourceSchema>;

export const DEFAULT_ADS_API_PREFIX = 'https://ads-api.x.com/12/';
