// `pauta demo`: the whole job against the simulated platforms on loopback — start the sandbox,
// point every source at it through its endpoint override, backfill the plan's period, report.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { Logger } from '../core/log.ts';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfigObject, type ConnectorRegistry, type PautaConfig } from '../config/load.ts';
import { targetAssignment } from '../indicators/targets.ts';
import { Runner, newRunId, type SourceRunResult } from '../ingest/runner.ts';
import { DEFAULT_SALT_ENV, importSends, type ImportSendsResult } from '../messaging/import.ts';
import { writeSimulatedSends } from '../messaging/simulated.ts';
import { markSimulated } from '../report/meta.ts';
import { Store } from '../store/store.ts';
import { googleOAuthSandbox } from './google-oauth.ts';
import { startSandboxServer, type RunningSandbox, type SandboxOptions } from './http.ts';
import { SANDBOX_PLATFORMS } from './platforms.ts';
import { SIM_NOW, SIM_PERIOD } from './world.ts';

export { DEMO_DB_PATH } from '../config/load.ts';

export function startSandbox(options: Pick<SandboxOptions, 'port' | 'pollsUntilDone' | 'latencyMs'> = {}): Promise<RunningSandbox> {
  return startSandboxServer([googleOAuthSandbox, ...SANDBOX_PLATFORMS.map((p) => p.sandbox)], options);
}

/** The source entries that point every connector at a sandbox at `baseUrl`. */
export function demoSources(baseUrl: string): Record<string, unknown>[] {
  return SANDBOX_PLATFORMS.map((p) => p.demoSource(baseUrl).source);
}

/**
 * A config file's schedule, targets and messaging with the sandbox's sources, as the object a
 * config file holds, and the sandbox credentials those sources read.
 */
export function demoConfigObject(baseUrl: string, registry: ConnectorRegistry, configFile = DEFAULT_CONFIG_PATH): { raw: Record<string, unknown>; env: Record<string, string> } {
  // Read and validated whole first, so a bad file is reported exactly as every command reports it.
  loadConfig(configFile, registry);
  const shipped = parseDocument(readFileSync(configFile, 'utf8')).toJS() as Record<string, unknown>;
  const demo = SANDBOX_PLATFORMS.map((p) => p.demoSource(baseUrl));
  return {
    raw: { schedule: shipped.schedule, targets: shipped.targets, messaging: shipped.messaging, sources: demo.map((d) => d.source) },
    env: Object.assign({}, ...demo.map((d) => d.env)) as Record<string, string>,
  };
}

/** A config file's schedule, targets and messaging with the sandbox's sources. */
export function demoConfig(baseUrl: string, registry: ConnectorRegistry, configFile = DEFAULT_CONFIG_PATH): { config: PautaConfig; env: Record<string, string> } {
  const { raw, env } = demoConfigObject(baseUrl, registry, configFile);
  return { config: parseConfigObject(raw, `${configFile} (demo sources)`, registry), env };
}

/**
 * Simulated time runs fast: a connector's wait (polling a report, a rate-limit reset) lasts at
 * most 20 ms, so the demo finishes in seconds while the connectors behave exactly as in production.
 */
export const fastSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.min(ms, 20)));

export interface DemoResult {
  config: PautaConfig;
  results: SourceRunResult[];
  sends: ImportSendsResult[];
}

/**
 * Salts the demo's message hashes; the demo's contacts are fictitious (+999, example.org). The demo
 * database accepts imports only with this key (README "SMS and e-mail").
 */
export const DEMO_MESSAGING_KEY = 'pauta-demo-messaging-key-not-a-secret';

/** Share of the simulated SMS and e-mail volumes the demo imports (the full files take longer). */
const DEMO_SENDS_SCALE = 0.1;

export async function runDemo(opts: {
  store: Store;
  registry: ConnectorRegistry;
  log: Logger;
  baseUrl: string;
  /** The config whose schedule, targets and messaging the demo takes (default config/pauta.yaml). */
  configFile?: string;
  from?: string;
  to?: string;
}): Promise<DemoResult> {
  const { config, env } = demoConfig(opts.baseUrl, opts.registry, opts.configFile);
  await opts.store.syncTargets(targetAssignment(config.targets));
  await markSimulated(opts.store.db);
  // Each demo starts a new, empty sandbox: saved report queries of an earlier demo are gone there.
  for (const source of config.sources) await opts.store.clearConnectorState(source.id);
  const runner = new Runner(config, opts.registry, {
    store: opts.store,
    log: opts.log,
    env,
    now: () => SIM_NOW,
    sleep: fastSleep,
  });
  const results = await runner.runAll(
    { kind: 'backfill', from: opts.from ?? SIM_PERIOD.from, to: opts.to ?? SIM_PERIOD.to },
    newRunId(),
    'demo',
  );
  const sends = await importDemoSends(opts.store, config);
  return { config, results, sends };
}

/** The plan's two SMS and two e-mail sends: programmed lists, then the providers' delivery reports. */
async function importDemoSends(store: Store, config: PautaConfig): Promise<ImportSendsResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-demo-sends-'));
  try {
    const files = writeSimulatedSends(dir, { scale: DEMO_SENDS_SCALE });
    const out: ImportSendsResult[] = [];
    for (const channel of ['sms', 'email'] as const) {
      for (const [kind, file] of [['programmed', files.programmed[channel]], ['delivery', files.delivery[channel]]] as const) {
        out.push(
          await importSends(store, {
            channel,
            kind,
            file,
            messaging: config.messaging,
            defaultTimeZone: config.schedule.timezone,
            env: { [config.messaging?.salt_env ?? DEFAULT_SALT_ENV]: DEMO_MESSAGING_KEY },
            now: SIM_NOW,
          }),
        );
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
