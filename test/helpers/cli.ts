// The CLI the tests start is the compiled one, dist/cli.js: the JavaScript a user and the daemon
// run. `npm test` builds it first; test/global-setup.ts refuses a dist/ older than src/.
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** node arguments that run pauta: `spawn(process.execPath, [...PAUTA, 'report'])`. */
export const PAUTA = [path.join(ROOT, 'dist', 'cli.js')];
