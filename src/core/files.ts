// Files pauta writes (reports, published pages, the database's directory). They may hold keyed
// hashes of phone numbers and campaign figures, so they are private unless the config says
// otherwise: files 0600, directories 0700, whatever the process umask.
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

export interface FileModes {
  /** Mode of files pauta creates. */
  file: number;
  /** Mode of directories pauta creates. */
  dir: number;
}

export const PRIVATE_MODES: FileModes = { file: 0o600, dir: 0o700 };

/** Creates `dir` and its missing parents with `modes.dir` (existing directories keep theirs). */
export function makeDirs(dir: string, modes: FileModes = PRIVATE_MODES): void {
  const target = path.resolve(dir);
  const first = mkdirSync(target, { recursive: true, mode: modes.dir });
  if (first === undefined) return;
  // The umask narrows what mkdir was asked for: set the mode of each directory created here.
  for (let d = target; ; d = path.dirname(d)) {
    chmodSync(d, modes.dir);
    if (d === first || path.dirname(d) === d) break;
  }
}

/**
 * Writes `content` to `file` whole or not at all: a temporary file in the same directory, synced,
 * then renamed over the target, so a reader (a web server, a spreadsheet) never sees half of it.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, modes: FileModes = PRIVATE_MODES): void {
  const target = path.resolve(file);
  makeDirs(path.dirname(target), modes);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID().slice(0, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', modes.file);
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(temp, modes.file);
    renameSync(temp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
}
