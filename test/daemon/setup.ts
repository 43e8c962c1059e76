// Shared set-up for the daemon, backfill and status tests: two fake sources in different zones,
// a clock the test moves, and a logger whose JSON lines the test can read.
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import type { App } from '../../src/cli/app.ts';
import type { PautaConfig } from '../../src/config/load.ts';
import { createLogger, silentLogger, type Logger } from '../../src/core/log.ts';
import { targetAssignment } from '../../src/indicators/targets.ts';
import { Daemon, type DaemonDeps } from '../../src/schedule.ts';
import type { Store } from '../../src/store/store.ts';
import { configWith, openTestStore } from '../helpers/app.ts';
import { fakeConnector, steadyCampaign, type FakePlatform } from '../helpers/fake-connector.ts';

/** alpha reads an account in Los Angeles, beta one in Madrid; both start on 2021-09-01. */
export const TWO_SOURCES = `
  - id: alpha
    platform: test_fake
    start_date: 2021-09-01
    accounts: [{ id: "111", time_zone: America/Los_Angeles }]
  - id: beta
    platform: test_fake
    start_date: 2021-09-01
    accounts: [{ id: "222", time_zone: Europe/Madrid }]
`;

/** Every day at 07:30 in Mexico City (UTC−5 in October 2021): 12:30 UTC. */
export const SCHEDULE = `
schedule:
  cron: "30 7 * * *"
  timezone: America/Mexico_City
  stale_after_days: 3
`;

export class Clock {
  constructor(public current: Date) {}
  now = (): Date => this.current;
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

export interface World {
  fake: FakePlatform;
  registry: Map<string, ReturnType<typeof fakeConnector>>;
  config: PautaConfig;
  store: Store;
  clock: Clock;
}

export async function world(
  opts: { platform?: Partial<FakePlatform>; sources?: string; extra?: string; now?: string; store?: Store } = {},
): Promise<World> {
  const fake: FakePlatform = { days: () => [steadyCampaign('c1', 100)], windows: [], ...opts.platform };
  const connector = fakeConnector(fake);
  const registry = new Map([[connector.platform, connector]]);
  const config = configWith(opts.sources ?? TWO_SOURCES, registry, opts.extra ?? SCHEDULE);
  const store = opts.store ?? (await openTestStore());
  await store.syncTargets(targetAssignment(config.targets));
  return { fake, registry, config, store, clock: new Clock(new Date(opts.now ?? '2021-10-01T12:30:00Z')) };
}

export function daemonFor(w: World, deps: Partial<DaemonDeps> = {}): Daemon {
  return new Daemon({
    config: w.config,
    registry: w.registry,
    store: w.store,
    log: silentLogger(),
    now: w.clock.now,
    sleep: async () => undefined,
    ...deps,
  });
}

export function appFor(w: World, log: Logger = silentLogger()): App {
  return { config: w.config, store: w.store, log, registry: w.registry, dbPath: w.store.file };
}

/** A logger writing JSON lines into memory. */
export function collectingLogger(opts: { pretty?: boolean; level?: string } = {}): { log: Logger; lines: string[]; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const log = createLogger({ level: opts.level ?? 'debug', pretty: opts.pretty ?? false, destination });
  const text = () => chunks.join('');
  return {
    log,
    get lines() {
      return text().split('\n').filter((l) => l.length > 0);
    },
    text,
  };
}

/** Stored dates of a source, in order. */
export async function storedDates(store: Store, sourceId: string): Promise<string[]> {
  const rows = await store.db.selectFrom('campaign_days').select('date').where('source_id', '=', sourceId).orderBy('date').execute();
  return rows.map((r) => r.date);
}

export async function totalImpressions(store: Store, sourceId: string): Promise<number> {
  const r = await sql<{ n: number | null }>`SELECT SUM(impressions) AS n FROM impressions_daily WHERE source_id = ${sourceId}`.execute(store.db);
  return r.rows[0]!.n ?? 0;
}

export async function runLog(store: Store, sourceId: string) {
  return store.db
    .selectFrom('ingest_run_log')
    .select(['run_id', 'trigger', 'window_from', 'window_to', 'status', 'rows', 'error'])
    .where('source_id', '=', sourceId)
    .orderBy('id')
    .execute();
}

/** A promise and its resolver, to hold a connector in the middle of a window. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
