// The layer rules of docs/ARCHITECTURE.md, read from the import statements of src/: a layer
// imports only the layers below it, so the store can be understood (and replaced) without
// knowing any platform or the campaign plan.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.join(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module a file imports or re-exports, statically or with `import()`. */
export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  const patterns = [/\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/gs, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) specifiers.push(m[1]!);
  return specifiers;
}

/** The top-level folder of src/ a relative import lands in (`store`, `core`…), or the file name at the top. */
function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0]!;
}

/** `file → imported layer` for every relative import of the files under `layer`. */
function crossings(layer: string): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(path.join(SRC, layer))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(SRC + path.sep)) {
        out.push(`${path.relative(SRC, file)} → ${spec} (outside src/)`);
        continue;
      }
      const into = layerOf(target);
      if (into !== layer) out.push(`${path.relative(SRC, file)} → ${into}`);
    }
  }
  return out;
}

function allowedOnly(layer: string, allowed: readonly string[]): string[] {
  return crossings(layer).filter((c) => !allowed.some((a) => c.endsWith(`→ ${a}`)));
}

describe('layers', () => {
  it('reads import statements of every form', () => {
    const text = [
      "import type { A } from '../core/records.ts';",
      "import {\n  B,\n  C,\n} from '../indicators/targets.ts';",
      "export { D } from './d.ts';",
      "const m = await import('../connectors/index.ts');",
      "import './side-effect.ts';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['../core/records.ts', '../indicators/targets.ts', './d.ts', '../connectors/index.ts', './side-effect.ts']);
  });

  it('core imports nothing else of pauta', () => {
    expect(allowedOnly('core', [])).toEqual([]);
  });

  it('the store imports only core: it knows no platform, no connector and no campaign plan', () => {
    expect(crossings('store').length).toBeGreaterThan(0);
    expect(allowedOnly('store', ['core'])).toEqual([]);
  });

  it('connectors import only core and the config fields: never the store, the runner or the indicators', () => {
    expect(allowedOnly('connectors', ['core', 'config'])).toEqual([]);
  });
});
