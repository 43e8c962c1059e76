// Command-line values checked the same way as config values.
import { isIsoDate } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';

export function parseDateOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isIsoDate(value)) throw new UsageError(`--${name}: expected a date as YYYY-MM-DD, got "${value}"`);
  return value;
}

export function requireDateOption(name: string, value: string | undefined): string {
  const v = parseDateOption(name, value);
  if (v === undefined) throw new UsageError(`--${name} is required (YYYY-MM-DD)`);
  return v;
}

export function parseChoice<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}

export function parseNonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name}: expected a whole number, got "${value}"`);
  return Number(value);
}
