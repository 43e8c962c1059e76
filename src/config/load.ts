// Loads config/pauta.yaml: YAML → zod (the file's shape) → each source against its platform's
// schema. Every problem is reported with the file and the key path, e.g.
//   config/pauta.yaml: sources[1].customer_ids[0]: expected digits
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError, describeError } from '../core/errors.ts';
import { PLATFORMS, type Connector, type SourceConfigBase } from '../connectors/types.ts';
import { configFileSchema, type HealthConfig, type MessagingConfig, type ReportConfig, type ScheduleConfig, type TargetConfig } from './schema.ts';

export { DEFAULT_CONFIG_PATH, DEFAULT_DB_PATH, DEMO_DB_PATH, resolveConfigPath } from './paths.ts';

export interface PautaConfig {
  /** The file it was read from (for messages). */
  file: string;
  database?: string | undefined;
  schedule: ScheduleConfig;
  health: HealthConfig;
  sources: SourceConfigBase[];
  targets: TargetConfig[];
  messaging?: MessagingConfig | undefined;
  /** What the daemon publishes after each scheduled run (README "Daily report"). */
  report?: ReportConfig | undefined;
}

export type ConnectorRegistry = ReadonlyMap<string, Connector<any>>;

export class ConfigError extends UsageError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  ${file}: ${p}`).join('\n')}`);
  }
}

/** `sources[1].account_id`, the way a person finds a key in the file. */
export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out || '(top level)';
}

function issueLines(error: z.ZodError, prefix: PropertyKey[] = []): string[] {
  return error.issues.map((i) => `${formatPath([...prefix, ...i.path])}: ${i.message}`);
}

export function loadConfig(file: string, registry: ConnectorRegistry): PautaConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`]);
  }
  return parseConfig(text, file, registry);
}

/**
 * The yaml package stops expanding an anchor once its uses times the aliases inside it pass this
 * limit, so a "billion laughs" document fails fast; 100 is its default, stated here because the
 * config relies on it. https://eemeli.org/yaml/#tojs-options
 */
const MAX_ALIAS_COUNT = 100;

export function parseConfig(text: string, file: string, registry: ConnectorRegistry): PautaConfig {
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      // One line per problem: the yaml package repeats some, and ends each first line with ':'.
      const lines = doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]!.replace(/:\s*$/, '')}`);
      throw new ConfigError(file, [...new Set(lines)]);
    }
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      if (error instanceof ReferenceError && /alias/i.test(error.message)) {
        throw new ConfigError(file, ['YAML: aliases expand into too many values (an "alias bomb"?): write the values out, or use fewer aliases']);
      }
      throw error;
    }
    return parseConfigObject(raw ?? {}, file, registry);
  } catch (error) {
    // Whatever goes wrong reading the file is a config error: exit 2, the file named.
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(file, [describeError(error)]);
  }
}

/** Validates an already-parsed config object (the demo builds one in memory). */
export function parseConfigObject(raw: unknown, file: string, registry: ConnectorRegistry): PautaConfig {
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, issueLines(parsed.error));
  const cfg = parsed.data;

  const problems: string[] = [];
  const sources: SourceConfigBase[] = [];
  cfg.sources.forEach((source, i) => {
    const connector = registry.get(source.platform);
    if (!connector) {
      problems.push(
        `sources[${i}].platform: unknown platform "${source.platform}" (expected one of ${[...registry.keys()].join(', ') || 'none registered'})`,
      );
      return;
    }
    const result = connector.configSchema.safeParse(source);
    if (!result.success) problems.push(...issueLines(result.error, ['sources', i]));
    else sources.push(result.data as SourceConfigBase);
  });

  const seen = new Set<string>();
  cfg.sources.forEach((s, i) => {
    if (seen.has(s.id)) problems.push(`sources[${i}].id: "${s.id}" is used by another source`);
    seen.add(s.id);
  });
  const targetIds = new Set<string>();
  cfg.targets.forEach((t, i) => {
    if (targetIds.has(t.id)) problems.push(`targets[${i}].id: "${t.id}" is used by another target`);
    targetIds.add(t.id);
    t.include.forEach((rule, j) => {
      if (rule.source !== undefined && !seen.has(rule.source)) {
        problems.push(`targets[${i}].include[${j}].source: no source with id "${rule.source}"`);
      }
      if (rule.platform !== undefined && !registry.has(rule.platform) && !(PLATFORMS as readonly string[]).includes(rule.platform)) {
        problems.push(`targets[${i}].include[${j}].platform: unknown platform "${rule.platform}"`);
      }
    });
  });
  if (problems.length > 0) throw new ConfigError(file, problems);

  return {
    file,
    database: cfg.database,
    schedule: cfg.schedule,
    health: cfg.health,
    sources,
    targets: cfg.targets,
    messaging: cfg.messaging,
    report: cfg.report,
  };
}
