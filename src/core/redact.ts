// Secrets never leave memory (invariant 7, docs/ARCHITECTURE.md). Every secret pauta reads from the
// environment is registered here, and every string bound for a log line, an error stored in
// the run log or a report passes through `redact`.
import { FatalError } from './errors.ts';

const secrets = new Set<string>();
/** `secrets`, longest first, so an encoded form is masked whole rather than around a shorter one. */
let longestFirst: string[] = [];

/**
 * Registers a secret value so it is masked wherever pauta writes text: as written, and in the
 * forms it takes inside a URL, a form body or a JSON string (a log line is JSON).
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  secrets.add(value);
  secrets.add(encodeURIComponent(value));
  secrets.add(new URLSearchParams({ v: value }).toString().slice(2));
  secrets.add(JSON.stringify(value).slice(1, -1));
  secrets.add(JSON.stringify(JSON.stringify(value)).slice(3, -3));
  longestFirst = [...secrets].sort((a, b) => b.length - a.length);
}

const MASK = '[redacted]';

/** Query-string and header names whose values are credentials whatever they hold. */
const SECRET_PARAMS =
  /([?&](?:access_token|refresh_token|client_secret|oauth_token|oauth_signature|key|token|sig|signature|X-Goog-Signature)=)[^&\s"']+/gi;
const AUTH_HEADER = /((?:authorization|developer-token|x-api-key)["']?\s*[:=]\s*["']?)(?:(?:Bearer|OAuth|Basic|Token)\s+)?[^"'\s,}]+/gi;
const BEARER = /\b(Bearer|OAuth)\s+[A-Za-z0-9._~+/=-]{8,}[^"'\s,}]*/g;

export function redact(text: string): string {
  let out = text;
  for (const s of longestFirst) out = out.split(s).join(MASK);
  return out
    .replace(SECRET_PARAMS, `$1${MASK}`)
    .replace(AUTH_HEADER, `$1${MASK}`)
    .replace(BEARER, `$1 ${MASK}`);
}

/** Reads a secret from the environment by the variable name the config gives, and registers it. */
export function readSecret(
  env: NodeJS.ProcessEnv,
  variable: string,
  what: string,
): string {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new SecretMissingError(`${what}: environment variable ${variable} is not set`);
  }
  registerSecret(value);
  return value;
}

export class SecretMissingError extends FatalError {
  override name = 'SecretMissingError';
}
