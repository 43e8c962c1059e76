// What a connector keeps in the database between runs (a saved query id, job ids of a window,
// looked-up places), typed. Each connector declares its keys with a zod schema, next to the code
// that uses them (grep `stateKey`); every read validates the stored JSON against it, so a value of another shape (an
// older pauta, a hand edit) fails naming the key instead of being used as if it fit.
import type { z } from 'zod';
import { formatPath } from '../config/load.ts';
import { FatalError } from '../core/errors.ts';
import type { SourceState } from '../core/records.ts';

/** A key of the connector state and the shape of its value. */
export interface StateKey<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
}

export function stateKey<T>(name: string, schema: z.ZodType<T>): StateKey<T> {
  return { name, schema };
}

/** Keys that share one shape and differ by what they are about (an account, a window, a country). */
export function stateKeyFamily<A extends unknown[], T>(name: (...args: A) => string, schema: z.ZodType<T>): (...args: A) => StateKey<T> {
  return (...args) => stateKey(name(...args), schema);
}

/** The source's connector state as a connector sees it: typed by its declared keys. */
export interface ConnectorState {
  /** The stored value, checked against the key's schema; undefined when nothing is stored. */
  get<T>(key: StateKey<T>): Promise<T | undefined>;
  set<T>(key: StateKey<T>, value: T): Promise<void>;
  delete(key: StateKey<unknown>): Promise<void>;
}

/** A stored value that does not have its key's shape. */
export class StateShapeError extends FatalError {
  override name = 'StateShapeError';
  constructor(
    readonly sourceId: string,
    readonly key: string,
    problem: string,
  ) {
    super(
      `source ${sourceId}: connector state "${key}" does not have the shape pauta stores (${problem}); ` +
        `delete that row of connector_state (source_id '${sourceId}', key '${key}') and the next run starts it afresh`,
    );
  }
}

export function typedState(raw: SourceState, sourceId: string): ConnectorState {
  return {
    async get<T>(key: StateKey<T>): Promise<T | undefined> {
      const value = await raw.get(key.name);
      if (value === undefined) return undefined;
      const parsed = key.schema.safeParse(value);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0]!;
      throw new StateShapeError(sourceId, key.name, `${issue.path.length > 0 ? `${formatPath(issue.path)}: ` : ''}${issue.message}`);
    },
    set: (key, value) => raw.set(key.name, value),
    delete: (key) => raw.delete(key.name),
  };
}
