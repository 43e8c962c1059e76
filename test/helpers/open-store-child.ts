// A process that opens databases on command, for the concurrent-open tests: it reads one path
// per line on stdin, opens that file as a store (migrating it if new), closes it, and answers
// "ok" or "error: …" on stdout. Every child is told the same path at the same moment, so their
// opens overlap as much as separate processes can. It exits 0 only if every open succeeded.
import { createInterface } from 'node:readline';
import { Store } from '../../src/store/store.ts';

let failures = 0;
process.stdout.write('ready\n');
for await (const file of createInterface({ input: process.stdin })) {
  try {
    const store = await Store.open(file);
    await store.close();
    process.stdout.write('ok\n');
  } catch (e) {
    failures += 1;
    process.stdout.write(`error: ${e instanceof Error ? e.message : String(e)}\n`.replace(/\n(?!$)/g, ' '));
  }
}
process.exitCode = failures === 0 ? 0 : 2;
