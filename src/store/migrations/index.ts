import type { Migration } from 'kysely/migration';
import { initial } from './0001-initial.ts';
import { messaging } from './0002-messaging.ts';

/** Every migration, in order; applied on open (kysely's static provider). */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-messaging': messaging,
};
