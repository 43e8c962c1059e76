// One `importSends` of a generated delivery report into a fresh database, in its own process so
// its peak memory is its own: prints rows, messages, milliseconds and peak RSS / heap as JSON.
import { readFileSync } from 'node:fs';
import { importSends } from '../src/messaging/import.ts';
import { Store } from '../src/store/store.ts';

const [file, db] = process.argv.slice(2) as [string, string];
let peakHeap = 0;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 20);
const t0 = performance.now();
const store = await Store.open(db);
try {
  const r = await importSends(store, {
    channel: 'sms',
    kind: 'delivery',
    file,
    messaging: undefined,
    defaultTimeZone: 'America/Mexico_City',
    env: { PAUTA_MESSAGING_SALT: process.env.BENCH_SALT },
  });
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  process.stdout.write(
    `${JSON.stringify({ rows: r.rows, messages: r.messages, newMessages: r.newMessages, ms, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, maxRssMb: peakRssKiB() / 1024, peakHeapMb: peakHeap / 2 ** 20 })}\n`,
  );
} finally {
  clearInterval(sampler);
  await store.close();
}

/**
 * This process's own peak RSS (VmHWM, Linux). Not `process.resourceUsage().maxRSS`: Linux carries
 * it over from the forking parent through exec, so a child of a grown bench process would read
 * the parent's peak.
 */
function peakRssKiB(): number {
  return Number(/VmHWM:\s*(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}
