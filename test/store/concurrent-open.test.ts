// The daemon's first start, a cron-launched backfill and an import may open the same new
// database at the same moment. Migrations are applied under SQLite's write lock, so exactly one
// process creates the schema and the others find it done.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.ts';
import { TARGETS_YAML, tempDir } from '../helpers/app.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROCESSES = 8;
const TRIALS = 20;

interface Child {
  proc: ChildProcess;
  next: () => Promise<string>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function startChild(): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/open-store-child.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return {
    proc,
    next: async () => {
      const r = await lines.next();
      if (r.done) throw new Error('child closed its output');
      return r.value as string;
    },
  };
}

/** Every table and view of the schema, by name, and how often each migration is recorded. */
function schemaOf(file: string): { objects: string[]; migrations: string[] } {
  const db = new SQLite(file, { readonly: true });
  try {
    const objects = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const recorded = (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map((r) => r.name);
    return { objects, migrations: recorded };
  } finally {
    db.close();
  }
}

describe('concurrent first opens of a new database', () => {
  it(`${PROCESSES} processes opening the same new file at once all succeed, ${TRIALS} times; the schema is created once`, async () => {
    const procs = Array.from({ length: PROCESSES }, startChild);
    for (const c of procs) expect(await c.next()).toBe('ready');
    const dir = tempDir('pauta-open-race-');
    let expected: string[] | undefined;
    for (let trial = 0; trial < TRIALS; trial++) {
      const file = path.join(dir, `trial-${trial}.sqlite`);
      for (const c of procs) c.proc.stdin!.write(`${file}\n`);
      const answers = await Promise.all(procs.map((c) => c.next()));
      expect(answers, `trial ${trial}`).toEqual(Array(PROCESSES).fill('ok'));
      const schema = schemaOf(file);
      expect(schema.migrations).toEqual(Object.keys(migrations));
      expected ??= schema.objects;
      expect(schema.objects).toEqual(expected);
    }
    expect(expected).toContain('campaign_days');
    expect(expected).toContain('message_sends');
    for (const c of procs) c.proc.stdin!.end();
    const codes = await Promise.all(procs.map(async (c) => (c.proc.exitCode ?? (await once(c.proc, 'exit'))[0]) as number));
    expect(codes).toEqual(Array(PROCESSES).fill(0));
  });

  it(`${PROCESSES} \`pauta run\` commands started together on a new database all exit 0`, async () => {
    const dir = tempDir('pauta-open-cli-');
    const config = path.join(dir, 'pauta.yaml');
    writeFileSync(config, TARGETS_YAML);
    const db = path.join(dir, 'data', 'pauta.sqlite');
    const { PATH, HOME, TMPDIR } = process.env;
    const runs = Array.from({ length: PROCESSES }, () => {
      const proc = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'run', '--config', config, '--db', db], {
        cwd: dir,
        env: { PATH, HOME, TMPDIR, PAUTA_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.push(proc);
      let stderr = '';
      proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return once(proc, 'exit').then(([code]) => ({ code: code as number, stderr }));
    });
    expect(await Promise.all(runs)).toEqual(Array(PROCESSES).fill({ code: 0, stderr: '' }));
    expect(schemaOf(db).migrations).toEqual(Object.keys(migrations));
  });
});
