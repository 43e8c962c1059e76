import type { Migration } from 'kysely/migration';
import { initial } from './0001-initial.ts';

/** Every migration, in order; applied on open (kysely's static provider). */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
};
