// Tests that start pauta run dist/cli.js. A dist/ missing or older than a source file would test
// other code than the sources: stop before any test runs and say how to fix it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(file) : e.name.endsWith('.ts') ? [file] : [];
  });
}

/** The source files whose compiled file is missing or older than they are. */
export function staleOutputs(root = ROOT): string[] {
  const src = path.join(root, 'src');
  return sourceFiles(src).filter((file) => {
    const out = path.join(root, 'dist', path.relative(src, file)).replace(/\.ts$/, '.js');
    return !existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs;
  });
}

export default function checkBuild(): void {
  const stale = staleOutputs();
  if (stale.length === 0) return;
  const first = path.relative(ROOT, stale[0]!);
  throw new Error(
    `dist/ is not built from the current sources (${first}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}): run \`npm run build\` (\`npm test\` does it)`,
  );
}
