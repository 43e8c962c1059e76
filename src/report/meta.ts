// The `meta` table: facts about the database as a whole. The demo marks its data `simulated`,
// and every report then says so in large letters.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export const SIMULATED_KEY = 'simulated';

export async function getMeta(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function setMeta(db: Kysely<Database>, key: string, value: string, now = new Date()): Promise<void> {
  const updated_at = now.toISOString();
  await db
    .insertInto('meta')
    .values({ key, value, updated_at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at }))
    .execute();
}

/** True when the stored data came from the sandbox (`meta.simulated` is 1, true or yes). */
export async function isSimulated(db: Kysely<Database>): Promise<boolean> {
  const v = await getMeta(db, SIMULATED_KEY);
  return v !== undefined && /^(1|true|yes)$/i.test(v.trim());
}

export async function markSimulated(db: Kysely<Database>, simulated = true, now = new Date()): Promise<void> {
  await setMeta(db, SIMULATED_KEY, simulated ? '1' : '0', now);
}
