// Builds a config, a registry and a fresh SQLite file for a test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig, type PautaConfig } from '../../src/config/load.ts';
import type { Connector } from '../../src/connectors/types.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Runner, type RunnerDeps } from '../../src/ingest/runner.ts';
import { Store } from '../../src/store/store.ts';

export function tempDir(prefix = 'pauta-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function tempDbPath(): string {
  return path.join(tempDir(), 'pauta.sqlite');
}

export const TARGETS_YAML = `
targets:
  - id: programmatic
    name: Campaña en Programmatic
    projected: 517242
    period: { start: 2021-09-01, end: 2021-12-31 }
    countries: [US]
    focus_regions: [US-CA, US-TX, US-IL]
    include:
      - { channel: display }
  - id: social
    name: Campañas en YouTube y Twitter
    projected: 262963
    period: { start: 2021-09-01, end: 2021-12-31 }
    countries: [US, CA, ES]
    include:
      - { channel: youtube }
      - { channel: social }
`;

export function configWith(sourcesYaml: string, registry: ReadonlyMap<string, Connector<any>>, extra = ''): PautaConfig {
  return parseConfig(`sources:\n${sourcesYaml}\n${TARGETS_YAML}\n${extra}`, 'test.yaml', registry);
}

export async function openTestStore(file = tempDbPath()): Promise<Store> {
  const store = await Store.open(file);
  return store;
}

/** A runner whose waits return at once and whose clock is fixed (or driven by the test). */
export function testRunner(
  config: PautaConfig,
  registry: ReadonlyMap<string, Connector<any>>,
  store: Store,
  deps: Partial<RunnerDeps> & { now?: () => Date } = {},
): Runner {
  return new Runner(config, registry, {
    store,
    log: silentLogger(),
    sleep: async () => undefined,
    ...deps,
  });
}

/** Everything an analyst could see, to compare database states. */
export async function snapshot(store: Store): Promise<unknown> {
  const db = store.db;
  return {
    days: await db.selectFrom('campaign_days').select(['source_id', 'account_id', 'campaign_id', 'date', 'impressions', 'geo_method']).orderBy('source_id').orderBy('account_id').orderBy('campaign_id').orderBy('date').execute(),
    geo: await db.selectFrom('geo_days').selectAll().orderBy('source_id').orderBy('account_id').orderBy('campaign_id').orderBy('date').orderBy('country').orderBy('region').execute(),
    campaigns: await db.selectFrom('campaigns').select(['source_id', 'account_id', 'campaign_id', 'campaign_name', 'channel', 'target_id']).orderBy('source_id').orderBy('campaign_id').execute(),
    cursors: await db.selectFrom('source_cursors').select(['source_id', 'cursor_date']).execute(),
  };
}
