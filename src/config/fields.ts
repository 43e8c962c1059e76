// Reusable zod fields for config/pauta.yaml. Connectors build their source schemas from these,
// so every source spells ids, dates, secrets and endpoints the same way.
import { z } from 'zod';
import { isValidTimeZone } from '../core/dates.ts';

/** Secrets are never written in the config: only the name of the variable that holds them. */
export const envVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, {
    message:
      'expected the NAME of an environment variable (like GOOGLE_ADS_REFRESH_TOKEN), not the secret itself',
  });

export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'expected lower-case letters, digits, "-" or "_"' });

export const digits = z.string().regex(/^\d+$/, { message: 'expected digits' });

/** Ids in YAML are often written unquoted; accept numbers too and keep them as digit strings. */
export const digitId = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), digits);

export const isoDate = z.iso.date({ message: 'expected a date as YYYY-MM-DD' });

export const timeZone = z.string().refine(isValidTimeZone, { message: 'expected an IANA time zone like America/Mexico_City' });

export const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

/** A regular expression written in the config (campaign name patterns). */
export const regexPattern = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a valid regular expression' },
);

/** How every name pattern of the config matches: a case-insensitive search; no pattern matches all. */
export function nameMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const re = new RegExp(pattern, 'i');
  return (name) => re.test(name);
}

/** Fields every source shares; a connector's schema extends this with its own. */
export const sourceBaseShape = {
  id: slug,
  enabled: z.boolean().default(true),
  /** Trailing days re-pulled by each scheduled run (the connector's default otherwise). */
  lookback_days: z.number().int().min(0).max(90).optional(),
  /** Most days per request/report (the connector's default otherwise). */
  max_window_days: z.number().int().min(1).max(366).optional(),
  /** First date a scheduled run fetches when the source has no cursor yet. */
  start_date: isoDate.optional(),
};

/** Which campaigns of a source to read: by id or by a name pattern (regular expression). */
export const campaignSelection = z
  .strictObject({
    ids: z.array(digitId).optional(),
    name_pattern: regexPattern.optional(),
  })
  .optional();
