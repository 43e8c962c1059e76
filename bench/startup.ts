// Start-up and footprint of the CLI as a person runs it, each figure a whole process:
// - `pauta --help` compiled (node dist/cli.js) against the same sources run through tsx, the two
//   started in turn so a busy machine slows both alike; the ratio of their median wall times;
// - peak RSS of `--help` both ways, of `pauta demo` and of `report` / `status` on the demo's
//   database (goals: demo under 250 MiB, report and status under 120 MiB).
// Peak RSS is the child's own high-water mark (VmHWM in /proc/self/status, Linux), written at exit
// by a one-line preload: not `process.resourceUsage().maxRSS`, which Linux carries over from the
// forking parent through exec, so a child of a bench process that has grown reads the parent's
// peak. dist/ must be built (`npm run bench` builds it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(import.meta.dirname, '..');
const COMPILED = [path.join(ROOT, 'dist', 'cli.js')];
const TSX = ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts')];
const PAIRS = 7;

/** Writes the process's peak RSS (KiB, VmHWM) to $PAUTA_BENCH_RSS_FILE when it exits. */
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import { readFileSync, writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.PAUTA_BENCH_RSS_FILE, /VmHWM:\\s*(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]));",
)}`;

interface Run {
  ms: number;
  peakMiB: number;
  status: number | null;
}

function runCli(cli: readonly string[], args: readonly string[], rssFile: string): Run {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', RSS_PRELOAD, ...cli, ...args], {
    cwd: ROOT,
    env: { ...process.env, PAUTA_BENCH_RSS_FILE: rssFile, PAUTA_LOG_LEVEL: 'warn', PAUTA_CONFIG: '', PAUTA_DB: '' },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    timeout: 300_000,
  });
  const ms = performance.now() - started;
  if (r.error) throw r.error;
  if (!existsSync(rssFile)) throw new Error(`pauta ${args.join(' ')} left no peak RSS (exit ${r.status}): ${r.stderr}`);
  const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  rmSync(rssFile);
  return { ms, peakMiB, status: r.status };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const mib = (x: number): string => `${x.toFixed(0)} MiB`;

export async function benchStartup(): Promise<string[]> {
  if (!existsSync(COMPILED[0]!)) throw new Error('dist/cli.js is missing: run `npm run build` (npm run bench does)');
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-bench-startup-'));
  const rss = path.join(dir, 'rss');
  try {
    const out: string[] = [];
    const compiled: Run[] = [];
    const tsx: Run[] = [];
    runCli(COMPILED, ['--help'], rss); // warm the file cache for both
    runCli(TSX, ['--help'], rss);
    for (let i = 0; i < PAIRS; i += 1) {
      compiled.push(runCli(COMPILED, ['--help'], rss));
      tsx.push(runCli(TSX, ['--help'], rss));
    }
    const c = median(compiled.map((r) => r.ms));
    const t = median(tsx.map((r) => r.ms));
    out.push(
      `pauta --help, median of ${PAIRS} runs each, in turn: compiled ${(c / 1000).toFixed(2)} s, tsx ${(t / 1000).toFixed(2)} s; ` +
        `compiled ÷ tsx ${(c / t).toFixed(2)} (goal ≤ 0.5)`,
    );
    out.push(`pauta --help peak RSS: compiled ${mib(median(compiled.map((r) => r.peakMiB)))}, tsx ${mib(median(tsx.map((r) => r.peakMiB)))}`);

    const db = path.join(dir, 'demo.sqlite');
    const demo = runCli(COMPILED, ['demo', '--db', db], rss);
    if (demo.status !== 0) throw new Error(`pauta demo exited ${demo.status}`);
    out.push(`pauta demo: ${(demo.ms / 1000).toFixed(1)} s, peak RSS ${mib(demo.peakMiB)} (goal < 250 MiB)`);
    for (const args of [['report', '--as-of', '2021-12-31'], ['report', '--as-of', '2021-12-31', '--format', 'html'], ['status']]) {
      const runs = [0, 1, 2].map(() => runCli(COMPILED, [...args, '--db', db], rss));
      out.push(`pauta ${args.join(' ')} on the demo database: peak RSS ${mib(median(runs.map((r) => r.peakMiB)))} (goal < 120 MiB), median of 3`);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
