// `import-sends` must stream: a delivery report ten times larger must fit in the same memory.
// Generates a 200k-row and a 2M-row report in a temporary directory, imports each into a fresh
// database in its own process, and prints the ratio of their peak RSS and the rows per second.
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHILD = path.join(import.meta.dirname, 'import-sends-child.ts');
// A fixed key of 44 random base64 characters (never a real one: the contacts are made up).
const BENCH_SALT = 'm0KcrbHgXwJ3Vq9e/5ZTyN8uLsD2aPfR7iGkOhUE1xQ=';
const STATUSES = ['Entregado', 'Entregado', 'Entregado', 'Fallido', 'Enviado'];

/** A provider's export: one row per message, about 1 in 30 repeated later with its final status. */
function writeReport(file: string, rows: number): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = 'Destinatario,Envío,Fecha de envío,Estado\n';
    for (let i = 0; i < rows; i += 1) {
      const who = i % 30 === 29 ? i - 15 : i;
      const send = 1 + (who % 2);
      const day = send === 1 ? 4 + (who % 3) : 22 + (who % 2);
      const month = send === 1 ? 10 : 11;
      const time = `${String(9 + (who % 9)).padStart(2, '0')}:${String(who % 60).padStart(2, '0')}:${String((who * 7) % 60).padStart(2, '0')}`;
      chunk += `+52 55 ${String(10_000_000 + who).slice(0, 4)} ${String(10_000_000 + who).slice(4)},${send},2021-${month}-${String(day).padStart(2, '0')} ${time},${STATUSES[i % 5]}\n`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

interface ChildResult {
  rows: number;
  messages: number;
  ms: number;
  cpuMs: number;
  maxRssMb: number;
  peakHeapMb: number;
}

async function importInChild(file: string, db: string): Promise<ChildResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, file, db], {
    env: { ...process.env, BENCH_SALT },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
}

export async function benchImportSends(): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pauta-bench-import-'));
  try {
    const out: string[] = [];
    const results: ChildResult[] = [];
    for (const rows of [200_000, 2_000_000]) {
      const file = path.join(dir, `sms-${rows}.csv`);
      writeReport(file, rows);
      const r = await importInChild(file, path.join(dir, `db-${rows}.sqlite`));
      results.push(r);
      out.push(
        `${r.rows.toLocaleString('en-US')} rows (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB, ${r.messages.toLocaleString('en-US')} messages): ` +
          `${(r.ms / 1000).toFixed(1)} s, ${Math.round(r.rows / (r.ms / 1000)).toLocaleString('en-US')} rows/s ` +
          `(${(r.cpuMs / 1000).toFixed(1)} s of CPU: ${Math.round(r.rows / (r.cpuMs / 1000)).toLocaleString('en-US')} rows per CPU-second), peak RSS ${r.maxRssMb.toFixed(0)} MiB, peak heap ${r.peakHeapMb.toFixed(0)} MiB`,
      );
      rmSync(file);
    }
    const [small, large] = results as [ChildResult, ChildResult];
    out.push(
      `peak RSS, 2M rows ÷ 200k rows: ${(large.maxRssMb / small.maxRssMb).toFixed(2)}× (flat in the file's size: within 1.3×); ` +
        `peak heap: ${(large.peakHeapMb / small.peakHeapMb).toFixed(2)}×`,
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
