// A message is known by a keyed hash of its recipient, never by the phone number or address:
// HMAC-SHA256 with a secret key that lives only in an environment variable (README.md
// "Messaging"). The database keeps a fingerprint of the key, so a different key — which would
// count every message again — is refused instead of silently double counting.
import { createHmac } from 'node:crypto';

export type MessageChannel = 'sms' | 'email';
export const MESSAGE_CHANNELS: readonly MessageChannel[] = ['sms', 'email'];

/** Phone numbers: digits only (E.164 has at most 15), a leading `00` international prefix dropped. */
export function normalizePhone(raw: string): string | null {
  const v = raw.trim();
  if (!/^\+?[\d\s().\-/]+$/.test(v)) return null;
  let digits = v.replace(/\D/g, '');
  if (!v.startsWith('+') && digits.startsWith('00')) digits = digits.slice(2);
  return digits.length >= 7 && digits.length <= 15 ? digits : null;
}

/** E-mail addresses: trimmed and lower-cased (providers treat them case-insensitively in practice). */
export function normalizeEmail(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? v : null;
}

export function normalizeRecipient(channel: MessageChannel, raw: string): string | null {
  return channel === 'sms' ? normalizePhone(raw) : normalizeEmail(raw);
}

export function recipientHash(key: string, channel: MessageChannel, normalized: string): string {
  return createHmac('sha256', key).update(`${channel}\u0000${normalized}`).digest('hex').slice(0, 32);
}

/** Identifies the key without revealing it (an HMAC of a fixed label). */
export function keyFingerprint(key: string): string {
  return createHmac('sha256', key).update('pauta:messaging:key-check').digest('hex').slice(0, 16);
}

/** A date (a plausible year first or last) is shown in errors, even though it is all digits. */
const DATE_LIKE = /^(?:(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d\d)(?:[ T][\d:.]+)?$/;

/** True when a cell might hold a phone number or an address, so error messages never quote it. */
export function looksLikeContact(value: string): boolean {
  if (value.includes('@')) return true;
  if (DATE_LIKE.test(value.trim())) return false;
  return (value.match(/\d/g)?.length ?? 0) >= 6;
}
