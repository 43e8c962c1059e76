// Reusable zod fields for config/pauta.yaml. Connectors build their source schemas from these,
// so every source spells ids, dates, secrets and endpoints the same way.
import { RE2JS, RE2JSSyntaxException } from 're2js';
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

/**
 * Name patterns run on RE2 (re2js, a pure-JavaScript port): matching takes time linear in the
 * name, whatever the pattern, so a pattern like `(a+)+$` cannot stall a run. RE2 has no
 * backreferences or lookaround; those patterns are refused with a message saying so.
 * Syntax: https://github.com/google/re2/wiki/Syntax
 */
function compileNamePattern(pattern: string): RE2JS {
  return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
}

/** Why a pattern cannot be used, or undefined when it compiles. */
function namePatternProblem(pattern: string): string | undefined {
  try {
    // Without the flag, so an error quotes the pattern as written (the flag prefixes "(?i)").
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    if (!(error instanceof RE2JSSyntaxException)) throw error;
    const at = error.getPattern() ?? '';
    const needs = /^\\(?:[1-9]|k)/.test(at)
      ? `a backreference (${at.slice(0, 2)})`
      : /^\(\?[=!]/.test(at)
        ? `a lookahead (${at.slice(0, 3)})`
        : /^\(\?<[=!]/.test(at)
          ? `a lookbehind (${at.slice(0, 4)})`
          : undefined;
    if (needs !== undefined) {
      return `uses ${needs}, which needs a backtracking regular-expression engine; name patterns use RE2 syntax and run in linear time`;
    }
    return `not a valid regular expression (${error.getDescription()}${at === '' ? '' : `: \`${at}\``})`;
  }
}

/** A regular expression written in the config (campaign name patterns), checked at load. */
export const regexPattern = z.string().superRefine((pattern, ctx) => {
  const problem = namePatternProblem(pattern);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** How every name pattern of the config matches: a case-insensitive search; no pattern matches all. */
export function nameMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const re = compileNamePattern(pattern);
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
  /** Windows fetched at once (reports started together), still committed in order (the connector's default otherwise). */
  windows_at_once: z.number().int().min(1).max(16).optional(),
};

/** Which campaigns of a source to read: by id or by a name pattern (regular expression). */
export const campaignSelection = z
  .strictObject({
    ids: z.array(digitId).optional(),
    name_pattern: regexPattern.optional(),
  })
  .optional();
