// What the Google Ads connector keeps between runs, in the source's connector state.
import { z } from 'zod';
import { stateKey } from '../state.ts';

/** A geo target constant as `FROM geo_target_constant` describes it. */
export const geoTargetSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** ISO 3166-1 alpha-2, as Google gives it. */
  countryCode: z.string().optional(),
  targetType: z.string().optional(),
  canonicalName: z.string().optional(),
});
export type GeoTarget = z.infer<typeof geoTargetSchema>;

/** Every geo target constant resolved so far, by id: an id costs one lookup ever. */
export const GEO_TARGET_CONSTANTS = stateKey('geo_target_constants', z.record(z.string(), geoTargetSchema));
