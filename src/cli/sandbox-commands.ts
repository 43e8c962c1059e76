// `pauta demo` and `pauta sandbox [--port]`: the simulated platforms, for a first look and for
// trying connectors by hand. Everything they print says the data are simulated.
import type { Command } from 'commander';
import type { ConnectorRegistry } from '../config/load.ts';
import { DEMO_DB_PATH, resolveConfigPath } from '../config/paths.ts';
import { UsageError } from '../core/errors.ts';
import { FAULTS, parseFaultOption } from '../sandbox/faults.ts';
import type { Store } from '../store/store.ts';
import { SIM_ACCOUNTS, SIM_NOW, SIM_PERIOD } from '../sandbox/world.ts';
import { EXIT, action, globalOptions, logLevel } from './app.ts';
import { summarize } from './ingest-commands.ts';
import { parseNonNegativeInt } from './args.ts';

const BANNER = 'SIMULATED DATA — pauta demo against the built-in sandbox, not real campaign figures';

export function registerSandboxCommands(program: Command): void {
  program
    .command('demo')
    .description('backfill Sept–Dec 2021 from the built-in sandbox into data/demo.sqlite and print the report')
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        if (g.db !== undefined && g.db.trim() === '') throw new UsageError('--db: expected a file path, got ""');
        const dbPath = g.db ?? DEMO_DB_PATH;
        const [{ defaultRegistry }, { loadConfig }, { createLogger }, { buildReport }, { reportTable }, { runDemo, startSandbox }, { Store }] = await Promise.all([
          import('../connectors/index.ts'),
          import('../config/load.ts'),
          import('../core/log.ts'),
          import('../report/model.ts'),
          import('../report/table.ts'),
          import('../sandbox/demo.ts'),
          import('../store/store.ts'),
        ]);
        const log = createLogger({ level: logLevel(g) });
        // The config's targets are the demo's: a bad file stops here, before anything is touched.
        loadConfig(resolveConfigPath(g.config), defaultRegistry());
        process.stdout.write(`*** ${BANNER} ***\n\n`);
        // The database first: a bad --db must not leave the sandbox server running.
        const store = await Store.open(dbPath);
        const shown = store.file;
        let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
        try {
          sandbox = await startSandbox();
          const registry = defaultRegistry();
          process.stdout.write(`sandbox listening on ${sandbox.baseUrl}; backfilling ${SIM_PERIOD.from}..${SIM_PERIOD.to} into ${shown}\n`);
          const started = Date.now();
          const { config, results, sends } = await runDemo({ store, registry, log, baseUrl: sandbox.baseUrl, configFile: resolveConfigPath(g.config) });
          process.stdout.write(`${summarize(results)}\n`);
          for (const s of sends) process.stdout.write(`${s.channel} ${s.kind}: ${s.messages.toLocaleString('en-US')} messages imported from ${s.fileName}\n`);
          process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n\n`);
          const report = await buildReport(store, config, { asOf: SIM_PERIOD.to, simulated: true });
          process.stdout.write(reportTable(report, { lang: 'es' }));
          process.stdout.write(
            `\nExplore it: ${exploreCommand(store)}\n` +
              `HTML report: npx pauta report --db ${shown} --as-of ${SIM_PERIOD.to} --format html --out report.html\n`,
          );
          return results.some((r) => r.status !== 'ok') ? EXIT.sourceFailed : EXIT.ok;
        } finally {
          await store.close();
          await sandbox?.close();
        }
      }),
    );

  program
    .command('sandbox')
    .description('serve the simulated platforms on loopback until stopped (Ctrl-C)')
    .option('--port <port>', 'port to listen on (default: any free port)')
    .option('--write-config <file>', 'write FILE, a config whose sources point at this sandbox, and beside it its credentials (.env) and database (.sqlite)')
    .option('--fault <name[=times]>', `arm a platform fault (repeatable): ${FAULTS.map((f) => f.name).join(', ')}`, (v: string, all: string[]) => [...all, v], [] as string[])
    .action(
      action(async (opts: { port?: string; writeConfig?: string; fault: string[] }, cmd: Command) => {
        const port = parseNonNegativeInt('port', opts.port, 0);
        if (port > 65535) throw new UsageError(`--port: expected a port number 0–65535, got ${port}`);
        const faults = opts.fault.map(parseFaultOption);
        const [{ defaultRegistry }, { stringify }, { demoConfig, demoSources, startSandbox }, { sandboxFiles, writeSandboxFiles }] = await Promise.all([
          import('../connectors/index.ts'),
          import('yaml'),
          import('../sandbox/demo.ts'),
          import('../sandbox/write-config.ts'),
        ]);
        const files = opts.writeConfig === undefined ? undefined : sandboxFiles(opts.writeConfig);
        const baseConfig = resolveConfigPath(globalOptions(cmd).config);
        const registry = defaultRegistry();
        const sandbox = await startSandbox({ port }).catch((e: NodeJS.ErrnoException) => {
          throw e.code === 'EADDRINUSE' || e.code === 'EACCES' ? new UsageError(`--port ${port}: ${e.code === 'EADDRINUSE' ? 'already in use' : 'not permitted'}`) : e;
        });
        try {
          for (const f of faults) sandbox.ctx.faults.arm(f.name, f.times);
          const { env } = demoConfig(sandbox.baseUrl, registry, baseConfig);
          // Written before the banner: once "listening" is printed, the files are there.
          if (files) await writeSandboxFiles({ baseUrl: sandbox.baseUrl, registry, baseConfig, files });
          process.stdout.write(`*** ${BANNER} ***\nsandbox listening on ${sandbox.baseUrl} until stopped (Ctrl-C)\n\n${sandboxDatesNote(registry, new Date())}\n\n`);
          process.stdout.write(
            `${faults.length > 0 ? `faults armed: ${faults.map((f) => `${f.name}×${f.times}`).join(', ')}\n` : ''}` +
              `arm a fault while it runs: curl -X POST '${sandbox.baseUrl}/sandbox/faults?arm=x_ads.job_failed&times=2' (GET lists what is armed)\n\n`,
          );
          if (files) {
            process.stdout.write(
              `wrote ${files.config} (sources pointing here, database ${files.database}) and ${files.env} (the sandbox credentials, not secrets).\n` +
                `Try, in another terminal in this folder:\n${tryLines(files.config, files.env)}`,
            );
          } else {
            process.stdout.write('# sources pointing at it (put them in a copy of config/pauta.yaml, or use --write-config FILE):\n');
            process.stdout.write(stringify({ sources: demoSources(sandbox.baseUrl) }));
            process.stdout.write('\n# the sandbox credentials they read (not secrets):\n');
            for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}=${v}\n`);
            process.stdout.write(`\n# then, e.g.:\n${tryLines('my-sandbox.yaml')}`);
          }
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
        } finally {
          await sandbox.close();
        }
      }),
    );
}

/** Where the simulated data are, and why a run by today's clock finds none. */
export function sandboxDatesNote(registry: ConnectorRegistry, now: Date): string {
  const lines = [
    `The simulated platforms hold data for ${SIM_PERIOD.from}..${SIM_PERIOD.to} and answer as of ${SIM_NOW.toISOString().slice(0, 10)}.`,
    '`run` and the daemon fetch up to yesterday by this machine\'s clock, where the sandbox has no data:',
    'the lookback alone stores 0 rows, and after a backfill they would catch up every day since, in',
    'years of empty windows. Backfill the simulated dates instead.',
  ];
  // As the real APIs would, a connector refuses days beyond its platform's retention by today's clock.
  for (const platform of new Set(SIM_ACCOUNTS.map((a) => a.platform))) {
    const retention = registry.get(platform)?.retention;
    if (!retention) continue;
    const earliest = SIM_ACCOUNTS.filter((a) => a.platform === platform).map((a) => retention.earliestDate(now, a.timeZone)).sort();
    if (SIM_PERIOD.from >= earliest.at(-1)!) continue;
    const which = SIM_PERIOD.to < earliest[0]! ? 'them all' : `the days before ${earliest.at(-1)!}`;
    lines.push(`${retention.rule}: with today's clock its source skips ${which} (\`backfill --dry-run\` shows it).`);
  }
  return lines.join('\n');
}

function tryLines(config: string, env?: string): string {
  return [
    ...(env === undefined ? [] : [`  . ${env}`]),
    `  npx pauta --config ${config} backfill --from 2021-11-01 --to 2021-11-14`,
    `  npx pauta --config ${config} report --as-of 2021-11-14`,
    '',
  ].join('\n');
}

/** A shell command that shows the indicator view; psql knows no `schema` parameter, so it qualifies the view. */
function exploreCommand(store: Store): string {
  if (store.engine !== 'postgres') return `sqlite3 ${store.file} 'SELECT * FROM indicator_impressions'`;
  const url = new URL(store.file);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return `psql '${url.toString()}' -c 'SELECT * FROM ${schema === null ? '' : `${schema}.`}indicator_impressions'`;
}
