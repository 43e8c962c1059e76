// A page write that fails between writing the new page and renaming it over the old one (the disk
// fills, the process dies): the web server keeps serving the previous page whole, no temporary
// file is left behind, the failure is logged and counted, and the next run publishes.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/app.ts';
import { SCHEDULE, collectingLogger, daemonFor, world, type World } from './setup.ts';

/** While armed, renameSync fails after recording what the temporary file held at that moment. */
const rename = vi.hoisted(() => ({ armed: false, seen: [] as { from: string; to: string; content: string }[] }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const renameSync: typeof fs.renameSync = (from, to) => {
    if (rename.armed) {
      rename.seen.push({ from: String(from), to: String(to), content: fs.readFileSync(from, 'utf8') });
      throw Object.assign(new Error(`ENOSPC: no space left on device, rename '${String(from)}' -> '${String(to)}'`), { code: 'ENOSPC' });
    }
    fs.renameSync(from, to);
  };
  return { ...fs, renameSync, default: { ...fs, renameSync } };
});

let w: World | undefined;
afterEach(async () => {
  rename.armed = false;
  await w?.store.close();
  w = undefined;
});

describe('an interrupted page write', () => {
  it('leaves the previous page whole and no temporary file; the next run replaces it', async () => {
    const dir = tempDir('pauta-publish-');
    const page = path.join(dir, 'index.html');
    const collected = collectingLogger({ level: 'info' });
    w = await world({ extra: `${SCHEDULE}\nreport:\n  html: ${page}\n` });
    const daemon = daemonFor(w, { log: collected.log });
    await daemon.tick(); // Oct 1: the page as of Sept 30
    const previous = readFileSync(page, 'utf8');
    expect(previous).toContain('data-as-of="2021-09-30"');

    rename.armed = true;
    w.clock.set('2021-10-02T12:30:00Z');
    const tick = await daemon.tick();
    // The new page had been written in full next to the old one when the rename failed.
    expect(rename.seen).toHaveLength(1);
    expect(path.dirname(rename.seen[0]!.from)).toBe(dir);
    expect(rename.seen[0]!.to).toBe(page);
    expect(rename.seen[0]!.content).toContain('data-as-of="2021-10-01"');
    expect(rename.seen[0]!.content.trimEnd().endsWith('</html>')).toBe(true);
    // What a web server would serve: the previous page, byte for byte.
    expect(readFileSync(page, 'utf8')).toBe(previous);
    expect(existsSync(rename.seen[0]!.from)).toBe(false);
    expect(readdirSync(dir)).toEqual(['index.html']);
    // The run itself is not affected; the failure is said and counted.
    expect(tick!.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(tick!.published?.fileError).toEqual({ file: page, message: 'the disk is full (ENOSPC)' });
    const line = collected.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).startsWith('daily report not published'));
    expect(line).toMatchObject({ level: 50, asOf: '2021-10-01', msg: `daily report not published: ${page}: the disk is full (ENOSPC)` });
    expect(daemon.metrics.render([], {})).toMatch(/pauta_report_published_total 1\n[^]*pauta_report_publish_failures_total 1\n/);

    rename.armed = false;
    w.clock.set('2021-10-03T12:30:00Z');
    await daemon.tick();
    expect(readFileSync(page, 'utf8')).toContain('data-as-of="2021-10-02"');
    expect(readdirSync(dir)).toEqual(['index.html']);
  });
});
