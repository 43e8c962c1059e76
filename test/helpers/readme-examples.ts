// The README's fenced blocks, classified by the rule its "Development" section states: `sh` blocks
// run, `sql` blocks run in sqlite3 against the demo database, everything else is an output
// sample. A `<!-- readme-test: … -->` line right before an `sh` block skips it or runs it in the
// background. A marker anywhere else is an error, so a typo cannot silently skip an example.

export type Marker = { kind: 'skip'; why: string } | { kind: 'background'; until: string };

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  marker?: Marker | undefined;
}

const FENCE = /^(\s*)(`{3,})([\w-]*)\s*$/;
const MARKER = /^\s*<!--\s*readme-test:\s*(.*?)\s*-->\s*$/;

function parseMarker(text: string, line: number): Marker {
  const skip = /^skip\s+[—-]\s+(\S.*)$/.exec(text);
  if (skip) return { kind: 'skip', why: skip[1]! };
  const background = /^background until "([^"]+)"$/.exec(text);
  if (background) return { kind: 'background', until: background[1]! };
  throw new Error(`README.md:${line}: readme-test marker "${text}": expected "skip — why" or 'background until "TEXT"'`);
}

export function readmeBlocks(text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  let pending: { marker: Marker; line: number } | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    // Prose may mention the marker in backticks; a line that starts with one is a marker.
    if (/^\s*<!--\s*readme-test\b/.test(line)) {
      const m = MARKER.exec(line);
      if (!m) throw new Error(`README.md:${i + 1}: a readme-test marker must be a line of its own: <!-- readme-test: … -->`);
      if (pending) throw new Error(`README.md:${pending.line}: readme-test marker not followed by a fenced block`);
      pending = { marker: parseMarker(m[1]!, i + 1), line: i + 1 };
      continue;
    }
    const open = FENCE.exec(line);
    if (!open) {
      if (pending && line.trim() !== '') throw new Error(`README.md:${pending.line}: readme-test marker not followed by a fenced block`);
      continue;
    }
    const [, indent, ticks, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j += 1) {
      const close = /^(\s*)(`{3,})\s*$/.exec(lines[j]!);
      if (close && close[2]!.length >= ticks!.length) break;
      // Blocks inside list items are indented like their fence.
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
    }
    if (j >= lines.length) throw new Error(`README.md:${i + 1}: fenced block never closed`);
    if (pending && lang !== 'sh') throw new Error(`README.md:${pending.line}: readme-test markers apply to sh blocks, not ${lang || 'output samples'}`);
    blocks.push({ line: i + 1, lang: lang!, code: `${body.join('\n')}\n`, marker: pending?.marker });
    pending = undefined;
    i = j;
  }
  if (pending) throw new Error(`README.md:${pending.line}: readme-test marker not followed by a fenced block`);
  return blocks;
}

/** The blocks the test runs, in order: `sh` without a skip marker, and `sql`. */
export function runnableBlocks(blocks: readonly ReadmeBlock[]): ReadmeBlock[] {
  return blocks.filter((b) => (b.lang === 'sh' && b.marker?.kind !== 'skip') || b.lang === 'sql');
}

function shellWord(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * One bash script that runs every runnable block in order, each block's code read from
 * `<logs>/<n>.sh` or `.sql` and its output kept in `<logs>/<n>.log`. It appends `<n> <exit code>`
 * (or `<n> ready` / `<n> not-ready` for a background block) to `<logs>/results`.
 */
export function readmeScript(blocks: readonly ReadmeBlock[], logs: string, readyTimeoutSeconds: number): string {
  const out = [
    // Job control: a background block gets a process group of its own, so it can be stopped whole.
    'set -m',
    'exec </dev/null',
    `logs=${shellWord(logs)}`,
    'background=()',
  ];
  blocks.forEach((b, n) => {
    const file = `"$logs/${n}.${b.lang}"`;
    const log = `"$logs/${n}.log"`;
    if (b.lang === 'sql') {
      out.push(`sqlite3 -bail data/demo.sqlite < ${file} > ${log} 2>&1; echo "${n} $?" >> "$logs/results"`);
    } else if (b.marker?.kind === 'background') {
      out.push(
        `( set -e -o pipefail; . ${file} ) > ${log} 2>&1 &`,
        `pid=$!; background+=("$pid"); state=not-ready`,
        `for _ in $(seq ${readyTimeoutSeconds * 5}); do`,
        `  if grep -qF -- ${shellWord(b.marker.until)} ${log}; then state=ready; break; fi`,
        '  kill -0 "$pid" 2>/dev/null || break',
        '  sleep 0.2',
        'done',
        `echo "${n} $state" >> "$logs/results"`,
      );
    } else {
      out.push(`( set -e -o pipefail; . ${file} ) > ${log} 2>&1; echo "${n} $?" >> "$logs/results"`);
    }
  });
  out.push('for pid in "${background[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done', 'wait', '');
  return out.join('\n');
}
