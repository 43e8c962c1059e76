// `npm run bench`: each benchmark prints ratios measured in this one run, so the numbers
// compare like with like on a shared, noisy machine. Timings are never asserted in tests.
import { benchDv360Report } from './dv360-report.ts';
import { benchImportSends } from './import-sends.ts';
import { benchPostgresWorkers } from './postgres-workers.ts';
import { benchPipelinedBackfill } from './pipelined-backfill.ts';
import { benchSandboxWindows } from './sandbox-windows.ts';
import { benchSoak } from './soak.ts';
import { benchStartup } from './startup.ts';
import { benchStore } from './store.ts';

const benches: [string, () => Promise<string[]>][] = [
  ['store', benchStore],
  ['dv360 report', benchDv360Report],
  ['window size', benchSandboxWindows],
  ['windows at once', benchPipelinedBackfill],
  ['import-sends', benchImportSends],
  ['postgres workers', benchPostgresWorkers],
  ['soak', benchSoak],
  ['start-up', benchStartup],
];

// `npm run bench -- start-up store` runs only the benchmarks named.
const only = process.argv.slice(2);
for (const [name, run] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  const lines = await run();
  process.stdout.write(`${lines.map((l) => `[${name}] ${l}`).join('\n')}\n`);
}
