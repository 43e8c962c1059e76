// `pauta sandbox --write-config FILE`: a config whose sources point at the running sandbox and an
// env file with the sandbox's credentials, so pauta can be tried by hand against the simulated
// platforms without splicing YAML or exporting variables one by one.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfigObject, type ConnectorRegistry } from '../config/load.ts';
import { UsageError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { markSimulated } from '../report/meta.ts';
import { Store } from '../store/store.ts';
import { demoConfigObject } from './demo.ts';
import { SIM_PERIOD } from './world.ts';

/** First line of every file written here: only such files are overwritten. */
const WRITTEN_BY = '# Written by `pauta sandbox --write-config`';

export interface SandboxFiles {
  config: string;
  /** The sandbox credentials, as `export NAME='value'` lines for a shell to source. */
  env: string;
  /** The config's database, apart from real data; marked simulated so every report says so. */
  database: string;
}

/** `data/sandbox.yaml` → `data/sandbox.env` and `data/sandbox.sqlite`. */
export function sandboxFiles(configFile: string): SandboxFiles {
  const ext = path.extname(configFile);
  const stem = ext === '' ? configFile : configFile.slice(0, -ext.length);
  if (ext === '.env' || ext === '.sqlite') throw new UsageError(`--write-config ${configFile}: give the config's name, e.g. data/sandbox.yaml (its .env and .sqlite are named after it)`);
  return { config: configFile, env: `${stem}.env`, database: `${stem}.sqlite` };
}

function refuseForeign(file: string): void {
  if (!existsSync(file)) return;
  let first: string;
  try {
    first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  } catch (e) {
    throw new UsageError(`--write-config: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!first.startsWith(WRITTEN_BY)) {
    throw new UsageError(`--write-config: ${file} exists and was not written by pauta sandbox; give another file name`);
  }
}

/** A value as one shell word. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export async function writeSandboxFiles(opts: {
  baseUrl: string;
  registry: ConnectorRegistry;
  /** The config whose schedule, targets and messaging are taken (as the demo does). */
  baseConfig: string;
  files: SandboxFiles;
}): Promise<void> {
  const { files } = opts;
  refuseForeign(files.config);
  refuseForeign(files.env);
  const { raw, env } = demoConfigObject(opts.baseUrl, opts.registry, opts.baseConfig);
  const object = { database: files.database, ...raw };
  // What is written must load: checked as every command will check it.
  parseConfigObject(object, files.config, opts.registry);

  const configText = [
    `${WRITTEN_BY} — SIMULATED platforms, not real campaign figures.`,
    `# Schedule, targets and messaging from ${opts.baseConfig}; the sources point at the sandbox on`,
    `# ${opts.baseUrl} and work while it runs (after a restart, write this file again).`,
    `# The simulated platforms hold data for ${SIM_PERIOD.from}..${SIM_PERIOD.to} only:`,
    `#   . ${files.env}`,
    `#   npx pauta --config ${files.config} backfill --from ${SIM_PERIOD.from} --to ${SIM_PERIOD.to}`,
    stringify(object),
  ].join('\n');
  const envText = [
    `${WRITTEN_BY}: the sandbox's credentials for ${files.config} (not secrets).`,
    `# Load them into a shell with:  . ${files.env}`,
    ...Object.entries(env).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    '',
  ].join('\n');
  writeFileAtomic(files.config, configText);
  writeFileAtomic(files.env, envText);

  if (!existsSync(files.database)) {
    const store = await Store.open(files.database);
    try {
      await markSimulated(store.db);
    } finally {
      await store.close();
    }
  }
}
