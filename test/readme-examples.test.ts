// README.md's examples, run as a newcomer runs them: pasted in the project folder after
// `npm run demo`, without credentials. The rule for which blocks run is in the README's
// "Development" section; test/helpers/readme-examples.ts applies it. An example that fails here
// fails for a reader too, so the README cannot drift from the CLI.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeBlocks, readmeScript, runnableBlocks, type ReadmeBlock } from './helpers/readme-examples.ts';
import { tempDir } from './helpers/app.ts';

const PROJECT = path.resolve(import.meta.dirname, '..');
/** What the CLI needs from the checkout, shared read-only: the build in dist/ and its packages. */
const LINKED = ['node_modules', 'src', 'dist', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Copied, so an example can never change the checkout's own. */
const COPIED = ['config', 'examples'];
/** Only what a person's terminal would have: no PAUTA_* variables, no credentials, no npm_* of the test run. */
const ENV_KEPT = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TZ'];
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

function terminalEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(ENV_KEPT.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/** A scratch project folder: the checkout's code linked in, its config and samples copied, an empty data/. */
function scratchProject(): string {
  const dir = path.join(tempDir('pauta-readme-'), 'pauta');
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  for (const name of LINKED) if (existsSync(path.join(PROJECT, name))) symlinkSync(path.join(PROJECT, name), path.join(dir, name));
  for (const name of COPIED) cpSync(path.join(PROJECT, name), path.join(dir, name), { recursive: true });
  return dir;
}

function describeBlock(b: ReadmeBlock): string {
  return `README.md:${b.line} (${b.lang}) ${b.code.split('\n').find((l) => l.trim() !== '') ?? ''}`;
}

describe('README examples: which blocks run', () => {
  it('runs sh and sql blocks, skips only marked ones, and refuses a stray or malformed marker', () => {
    const text = [
      '```sh', 'npx pauta report', '```',
      '<!-- readme-test: skip — needs credentials -->', '', '```sh', 'npx pauta check', '```',
      '1. A step:', '   <!-- readme-test: background until "listening" -->', '   ```sh', '   npx pauta sandbox', '   ```',
      '```', 'output, not run', '```',
      '```sql', 'SELECT 1;', '```',
    ].join('\n');
    const blocks = readmeBlocks(text);
    expect(blocks.map((b) => [b.line, b.lang, b.code, b.marker])).toEqual([
      [1, 'sh', 'npx pauta report\n', undefined],
      [6, 'sh', 'npx pauta check\n', { kind: 'skip', why: 'needs credentials' }],
      [11, 'sh', 'npx pauta sandbox\n', { kind: 'background', until: 'listening' }],
      [14, '', 'output, not run\n', undefined],
      [17, 'sql', 'SELECT 1;\n', undefined],
    ]);
    expect(runnableBlocks(blocks).map((b) => b.line)).toEqual([1, 11, 17]);

    expect(() => readmeBlocks('<!-- readme-test: skip — why -->\nSome prose.\n```sh\nx\n```\n')).toThrow('README.md:1: readme-test marker not followed by a fenced block');
    expect(() => readmeBlocks('<!-- readme-test: skip -->\n```sh\nx\n```\n')).toThrow('README.md:1: readme-test marker "skip": expected');
    expect(() => readmeBlocks('<!-- readme-test: skip — why -->\n```yaml\nx: 1\n```\n')).toThrow('README.md:1: readme-test markers apply to sh blocks, not yaml');
    expect(() => readmeBlocks('<!-- readme-test: skip — why --> and more\n```sh\nx\n```\n')).toThrow('README.md:1: a readme-test marker must be a line of its own');
    // Prose that mentions a marker is prose.
    expect(readmeBlocks('Write `<!-- readme-test: skip — why -->` before it.\n```sh\nx\n```\n')[0]!.marker).toBeUndefined();
  });

  it('README.md itself parses, and its examples cover the CLI, the database and the sandbox', () => {
    const blocks = readmeBlocks(readFileSync(path.join(PROJECT, 'README.md'), 'utf8'));
    const runnable = runnableBlocks(blocks);
    expect(runnable.filter((b) => b.lang === 'sh' && !b.marker).length).toBeGreaterThanOrEqual(4);
    expect(runnable.some((b) => b.lang === 'sql')).toBe(true);
    expect(runnable.some((b) => b.marker?.kind === 'background')).toBe(true);
    // Every skipped block says why.
    for (const b of blocks.filter((x) => x.marker?.kind === 'skip')) expect(b.marker).toMatchObject({ why: expect.stringMatching(/\w{3}/) });
  });
});

describe('README examples: run', { timeout: 900_000 }, () => {
  it('every runnable example exits 0 without a stack trace, in a fresh project folder after the demo', () => {
    const check = spawnSync('bash', ['--norc', '--noprofile', '-c', 'command -v sqlite3'], { encoding: 'utf8' });
    expect(check.status, 'the README\'s examples use the sqlite3 shell: sudo apt-get install sqlite3').toBe(0);

    const work = scratchProject();
    const env = terminalEnv();
    const demo = spawnSync(process.execPath, ['dist/cli.js', 'demo'], { cwd: work, env, encoding: 'utf8', timeout: 600_000 });
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    expect(existsSync(path.join(work, 'data/demo.sqlite'))).toBe(true);
    expect(existsSync(path.join(work, 'data/pauta.sqlite'))).toBe(false);

    const blocks = runnableBlocks(readmeBlocks(readFileSync(path.join(PROJECT, 'README.md'), 'utf8')));
    const logs = tempDir('pauta-readme-logs-');
    blocks.forEach((b, n) => writeFileSync(path.join(logs, `${n}.${b.lang}`), b.code));
    const script = path.join(logs, 'run.sh');
    writeFileSync(script, readmeScript(blocks, logs, 180));
    const run = spawnSync('bash', ['--norc', '--noprofile', script], { cwd: work, env, encoding: 'utf8', timeout: 840_000 });
    expect(run.error).toBeUndefined();

    const results = new Map(
      readFileSync(path.join(logs, 'results'), 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]),
    );
    const failures = blocks.flatMap((b, n) => {
      const output = readFileSync(path.join(logs, `${n}.log`), 'utf8');
      const result = results.get(String(n));
      const ok = b.marker?.kind === 'background' ? result === 'ready' : result === '0';
      if (ok && !STACK_TRACE.test(output)) return [];
      const tail = output.trimEnd().split('\n').slice(-15).join('\n');
      return [`${describeBlock(b)}: ${result === undefined ? 'never ran' : `result ${result}`}${STACK_TRACE.test(output) ? ', printed a stack trace' : ''} (whole output: ${logs}/${n}.log)\n${tail}`];
    });
    expect(failures).toEqual([]);

    // Files the examples wrote for other programs are what they claim to be (no npm banner in JSON).
    for (const name of readdirSync(work).filter((f) => f.endsWith('.json') && !LINKED.includes(f))) {
      expect(() => JSON.parse(readFileSync(path.join(work, name), 'utf8')), `${name} is JSON`).not.toThrow();
    }
    // Kept when something failed, for a look at what the examples did.
    rmSync(path.dirname(work), { recursive: true, force: true });
    rmSync(logs, { recursive: true, force: true });
  });
});
