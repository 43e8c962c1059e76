// `pauta import-sends`: providers' delivery reports as they arrive (BOM, Latin-1, quoted commas,
// repeated rows, event logs), idempotent re-imports, and no contact ever stored or printed.
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { MessagingConfig } from '../../src/config/schema.ts';
import { messagingIndicator } from '../../src/indicators/messaging.ts';
import { SendsFileError } from '../../src/messaging/delivery-report.ts';
import { checkSendsImport, importSends, type ImportSendsOptions } from '../../src/messaging/import.ts';
import { keyWeakness } from '../../src/messaging/key-strength.ts';
import { DEMO_MESSAGING_KEY } from '../../src/sandbox/demo.ts';
import { syncMessagingSchedule } from '../../src/messaging/schedule.ts';
import type { Store } from '../../src/store/store.ts';
import { TARGETS_YAML, openTestStore, tempDbPath, tempDir } from '../helpers/app.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/messaging');
const fixture = (name: string) => path.join(FIXTURES, name);
// A key as `openssl rand -base64 32` prints one (fixed, so the hashes are too).
const ENV = { PAUTA_MESSAGING_SALT: 'zzgQ/cW+O8xw48r1OqfJQU0djtHA0Dt/wcPWeclmvFE=' };

function messagingConfig(extra = ''): MessagingConfig | undefined {
  return parseConfig(`${TARGETS_YAML}\nmessaging:\n  time_zone: America/Mexico_City\n${extra}`, 't.yaml', new Map()).messaging;
}

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function run(file: string, opts: Partial<ImportSendsOptions> = {}) {
  return importSends(store!, {
    channel: 'sms',
    kind: 'delivery',
    file: fixture(file),
    messaging: messagingConfig(),
    defaultTimeZone: 'UTC',
    env: ENV,
    now: new Date('2021-12-01T00:00:00Z'),
    ...opts,
  });
}

async function daily(channel = 'sms') {
  const r = await sql<{ send: number; date: string; sent: number; delivered: number; failed: number }>`
    SELECT send, date, sent, delivered, failed FROM messaging_daily WHERE channel = ${channel} ORDER BY send, date`.execute(store!.db);
  return r.rows;
}

/** Every contact written in the fixtures, as written and as digits only. */
function contactsIn(file: string): string[] {
  const text = readFileSync(fixture(file), 'latin1');
  const phones = text.match(/\+?[\d ()-]{10,}\d/g) ?? [];
  const emails = text.match(/[\w.+-]+@[\w.-]+/g) ?? [];
  return [...phones, ...phones.map((p) => p.replace(/\D/g, '')), ...emails, ...emails.map((e) => e.toLowerCase())];
}

describe('import-sends: delivery reports', () => {
  it('reads a UTF-8 file with a BOM, quoted commas and repeated rows', async () => {
    store = await openTestStore();
    const r = await run('sms-report-bom.csv');
    expect(r).toMatchObject({ encoding: 'utf-8', delimiter: ',', rows: 7, messages: 5, duplicateRows: 2, newMessages: 5, updatedMessages: 0 });
    expect(r.columns).toEqual({ recipient: 'Teléfono', send: 'Envío', date: 'Fecha de envío', status: 'Estado' });
    expect(r.bySend).toEqual([
      { send: 1, messages: 4 },
      { send: 2, messages: 1 },
    ]);
    expect(await daily()).toEqual([
      { send: 1, date: '2021-10-04', sent: 3, delivered: 2, failed: 1 },
      { send: 1, date: '2021-10-05', sent: 1, delivered: 0, failed: 0 },
      { send: 2, date: '2021-11-22', sent: 1, delivered: 1, failed: 0 },
    ]);
  });

  it('reads a Latin-1 file with semicolons and accented headers and values', async () => {
    store = await openTestStore();
    const r = await run('sms-report-latin1.csv');
    expect(r).toMatchObject({ encoding: 'latin1', delimiter: ';', rows: 3, messages: 3, newMessages: 3 });
    expect(r.columns).toMatchObject({ recipient: 'Teléfono', send: 'Envío', date: 'Fecha', status: 'Estado' });
    expect(await daily()).toEqual([{ send: 1, date: '2021-10-06', sent: 3, delivered: 2, failed: 1 }]);
  });

  it('dates a timestamp in the configured zone and keeps the best outcome of an event log', async () => {
    store = await openTestStore();
    // carla's 03:30 UTC on Sept 28 is 22:30 on Sept 27 in Mexico City; ana was delivered then
    // opened, beto processed then bounced: one message each, whatever the number of events.
    const r = await run('email-events.csv', { channel: 'email' });
    expect(r).toMatchObject({ rows: 6, messages: 3, duplicateRows: 3 });
    expect(await daily('email')).toEqual([{ send: 1, date: '2021-09-27', sent: 3, delivered: 1, failed: 1 }]);
  });

  it('a re-import of the same file counts nothing twice', async () => {
    store = await openTestStore();
    await run('sms-report-bom.csv');
    const before = await daily();
    const again = await run('sms-report-bom.csv');
    expect(again).toMatchObject({ messages: 5, newMessages: 0, updatedMessages: 0 });
    expect(await daily()).toEqual(before);
    const imports = await store.db.selectFrom('message_imports').select(['new_messages', 'updated_messages']).orderBy('import_id').execute();
    expect(imports).toEqual([
      { new_messages: 5, updated_messages: 0 },
      { new_messages: 0, updated_messages: 0 },
    ]);
  });

  it('overlapping files: the union, outcomes only move forward, and the order does not matter', async () => {
    store = await openTestStore();
    const p1 = await run('sms-part1.csv', { send: 1 });
    expect(p1).toMatchObject({ newMessages: 3, updatedMessages: 0 });
    const p2 = await run('sms-part2.csv', { send: 1 });
    // ...0142 was "sent" in part 1 and is "delivered" in part 2: updated, not added.
    expect(p2).toMatchObject({ messages: 2, newMessages: 1, updatedMessages: 1 });
    expect(await run('sms-part1.csv', { send: 1 })).toMatchObject({ newMessages: 0, updatedMessages: 0 });
    const expected = [
      { send: 1, date: '2021-10-04', sent: 3, delivered: 2, failed: 1 },
      { send: 1, date: '2021-10-05', sent: 1, delivered: 1, failed: 0 },
    ];
    expect(await daily()).toEqual(expected);
    const rows = await store.db.selectFrom('message_sends').select(['recipient_hash', 'date', 'status']).orderBy('recipient_hash').execute();
    await store.close();

    store = await openTestStore();
    await run('sms-part2.csv', { send: 1 });
    await run('sms-part1.csv', { send: 1 });
    expect(await daily()).toEqual(expected);
    expect(await store.db.selectFrom('message_sends').select(['recipient_hash', 'date', 'status']).orderBy('recipient_hash').execute()).toEqual(rows);
  });

  it('a malformed row rejects the whole file with its line number, and nothing is stored', async () => {
    store = await openTestStore();
    await run('sms-report-bom.csv');
    const before = await daily();
    const error = await run('sms-report-malformed.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendsFileError);
    expect((error as Error).message).toBe(
      'sms-report-malformed.csv: not imported, nothing was stored:\n' +
        '  sms-report-malformed.csv: line 3: expected 4 fields like the header, found 6 (an unquoted delimiter in a value?)',
    );
    expect(await daily()).toEqual(before);
    expect(await store.db.selectFrom('message_imports').select('file_name').execute()).toEqual([{ file_name: 'sms-report-bom.csv' }]);
  });

  it('bad values are named by line and column; contacts are never quoted', async () => {
    store = await openTestStore();
    const error = (await run('sms-report-bad-rows.csv').catch((e: unknown) => e)) as SendsFileError;
    expect(error).toBeInstanceOf(SendsFileError);
    expect(error.problems).toEqual([
      'line 3, column "Telefono": not a phone number',
      'line 4, column "Envio": expected a send number 1–9, got "3x4"',
      'line 5, column "Fecha": unrecognized date "04/10/2021" (expected ISO 8601; set messaging.sms.date_format, e.g. "dd/MM/yyyy HH:mm")',
      'line 6, column "Estado": unknown status "Perdido en el ciberespacio" (add it to messaging.sms.status_values)',
      'line 7, column "Estado": unknown status a value that is not shown (it may be a contact) (add it to messaging.sms.status_values)',
    ]);
    for (const contact of contactsIn('sms-report-bad-rows.csv')) expect(error.message).not.toContain(contact);
    expect(error.message).not.toMatch(/555/);
    expect(await store.db.selectFrom('message_sends').selectAll().execute()).toEqual([]);
  });

  it('the config maps columns, date formats and status words of another provider', async () => {
    store = await openTestStore();
    const messaging = messagingConfig(`  sms:
    columns: { recipient: Celular del ciudadano, send: No. de envío, status: Estatus SMS }
    date_format: dd/MM/yyyy HH:mm
    status_values: { delivered: [OK], failed: [ERROR], sent: [En proceso] }
`);
    const r = await run('sms-report-provider-b.csv', { messaging });
    expect(r).toMatchObject({ delimiter: '|', rows: 3, messages: 3 });
    expect(await daily()).toEqual([
      { send: 1, date: '2021-10-04', sent: 2, delivered: 1, failed: 1 },
      { send: 2, date: '2021-11-22', sent: 1, delivered: 0, failed: 0 },
    ]);
    // Without the mapping the same file is refused, naming what is missing.
    await expect(run('sms-report-provider-b.csv')).rejects.toThrow(/no recipient column/);
    // With the date format, an ISO date no longer reads: the format is exact, never guessed.
    const error = (await run('sms-report-bad-rows.csv', { messaging: messagingConfig('  sms: { date_format: dd/MM/yyyy }\n') }).catch((e: unknown) => e)) as SendsFileError;
    expect(error.problems[0]).toBe('line 2, column "Fecha": unrecognized date "2021-10-04" (expected dd/MM/yyyy)');
  });

  it('a missing column is named with what was looked for', async () => {
    store = await openTestStore();
    const messaging = messagingConfig('  sms:\n    columns: { status: Resultado }\n');
    await expect(run('sms-report-bom.csv', { messaging })).rejects.toThrow(/line 1: column "Resultado" \(messaging\.sms\.columns\.status\) is not in the header/);
    await expect(run('sms-part1.csv')).rejects.toThrow(/no send column \(looked for "send", .*set messaging\.sms\.columns\.send\)/);
  });
});

describe('import-sends: large files are read as they stream', () => {
  /** A provider's report with `n` rows (unique phones); `last` replaces the final row. */
  function bigReport(n: number, opts: { last?: string; note?: string; encoding?: BufferEncoding; bom?: boolean } = {}): string {
    const file = path.join(tempDir('pauta-sends-'), 'entregas.csv');
    const lines = ['Teléfono,Envío,Fecha de envío,Estado,Nota'];
    for (let i = 0; i < n; i += 1) lines.push(`+52 55 ${String(10_000_000 + i)},${1 + (i % 2)},2021-10-0${4 + (i % 3)} 09:${String(i % 60).padStart(2, '0')},${i % 7 === 0 ? 'Fallido' : 'Entregado'},${opts.note ?? 'aviso'}`);
    if (opts.last !== undefined) lines[lines.length - 1] = opts.last;
    const text = `${lines.join('\r\n')}\r\n`;
    const bytes = opts.encoding === 'utf16le' ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : Buffer.from(text, opts.encoding ?? 'utf8');
    writeFileSync(file, opts.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : bytes);
    return file;
  }

  async function tables() {
    return {
      sends: await store!.db.selectFrom('message_sends').selectAll().orderBy('recipient_hash').execute(),
      imports: await store!.db.selectFrom('message_imports').selectAll().execute(),
      meta: await store!.db.selectFrom('meta').select(['key', 'value']).execute(),
    };
  }

  it('a 10,000-row report (many reads, many batches): every message stored once, counted per send and day', async () => {
    store = await openTestStore();
    const r = await run('', { file: bigReport(10_000) });
    expect(r).toMatchObject({ encoding: 'utf-8', rows: 10_000, messages: 10_000, duplicateRows: 0, newMessages: 10_000, firstDate: '2021-10-04', lastDate: '2021-10-06' });
    expect(r.bySend).toEqual([
      { send: 1, messages: 5_000 },
      { send: 2, messages: 5_000 },
    ]);
    const days = await daily();
    expect(days.reduce((n, d) => n + d.sent, 0)).toBe(10_000);
    expect(days.reduce((n, d) => n + d.failed, 0)).toBe(Math.ceil(10_000 / 7));
  });

  it('a bad last row rejects the whole file, names its line, and leaves the database exactly as it was', async () => {
    store = await openTestStore();
    await run('sms-report-bom.csv');
    const before = await tables();
    const file = bigReport(10_000, { last: '+52 55 12345678,1,2021-10-04 09:00,Perdido,aviso' });
    const error = (await run('', { file }).catch((e: unknown) => e)) as SendsFileError;
    expect(error).toBeInstanceOf(SendsFileError);
    expect(error.problems).toEqual(['line 10001, column "Estado": unknown status "Perdido" (add it to messaging.sms.status_values)']);
    expect(await tables()).toEqual(before);
  });

  it('Latin-1 found only after the first 64 KiB is still read as Latin-1, from the start', async () => {
    store = await openTestStore();
    const file = bigReport(3_000, { last: '+52 55 99999999,2,2021-10-05 10:00,Entregado,Ñandú en Múnich', encoding: 'latin1' });
    expect(readFileSync(file).length).toBeGreaterThan(1 << 17);
    const r = await run('', { file });
    expect(r).toMatchObject({ encoding: 'latin1', rows: 3_000, messages: 3_000 });
    expect(r.columns).toMatchObject({ recipient: 'Teléfono', send: 'Envío', date: 'Fecha de envío' });
  });

  it('reads UTF-16 ("Unicode text" from Excel) and refuses a UTF-8 BOM over Latin-1 bytes', async () => {
    store = await openTestStore();
    const r = await run('', { file: bigReport(2_000, { encoding: 'utf16le', note: 'Ñandú' }) });
    expect(r).toMatchObject({ encoding: 'utf-16le', rows: 2_000, messages: 2_000 });
    expect(r.columns.recipient).toBe('Teléfono');
    const mislabeled = bigReport(10, { encoding: 'latin1', bom: true, note: 'Ñandú' });
    await expect(run('', { file: mislabeled })).rejects.toThrow(/the file is not valid UTF-8 \(it starts with a UTF-8 byte-order mark\)/);
    const strict = messagingConfig('  sms: { encoding: utf-8 }\n');
    await expect(run('', { file: bigReport(10, { encoding: 'latin1', note: 'Ñandú' }), messaging: strict })).rejects.toThrow(/not valid UTF-8 \(set encoding: latin1 or auto\)/);
    expect(await store.db.selectFrom('message_imports').select('import_id').execute()).toHaveLength(1);
  });

  it('a file that changes after it was checked is refused, and nothing is stored', async () => {
    store = await openTestStore();
    const file = bigReport(5_000);
    const opts = { channel: 'sms' as const, kind: 'delivery' as const, file, messaging: messagingConfig(), defaultTimeZone: 'UTC', env: ENV };
    const checked = await checkSendsImport(opts);
    expect(checked).toMatchObject({ rows: 5_000, encoding: 'utf-8', delimiter: ',' });
    appendFileSync(file, '+52 55 77777777,1,2021-10-04 09:00,Entregado,aviso\r\n');
    await expect(importSends(store, opts, checked)).rejects.toThrow(/the file changed while it was being imported; import it again/);
    writeFileSync(file, readFileSync(file, 'utf8').replace('Entregado', 'Perdido'));
    await expect(importSends(store, opts, checked)).rejects.toThrow(/the file changed while it was being imported.*\n.*line 3, column "Estado": unknown status "Perdido"/s);
    expect(await store.db.selectFrom('message_sends').select('recipient_hash').execute()).toEqual([]);
    expect(await store.db.selectFrom('message_imports').select('import_id').execute()).toEqual([]);
  });
});

describe('import-sends: the salted hash', () => {
  it('stores no phone number or address anywhere in the database file', async () => {
    const file = tempDbPath();
    store = await openTestStore(file);
    await run('sms-report-bom.csv');
    await run('sms-report-latin1.csv');
    await run('sms-programmed.csv', { kind: 'programmed' });
    await run('email-events.csv', { channel: 'email' });
    const hashes = await store.db.selectFrom('message_sends').select('recipient_hash').execute();
    expect(hashes.length).toBe(11);
    for (const h of hashes) expect(h.recipient_hash).toMatch(/^[0-9a-f]{32}$/);
    await store.close();
    store = undefined;
    const contacts = ['sms-report-bom.csv', 'sms-report-latin1.csv', 'sms-programmed.csv', 'email-events.csv'].flatMap(contactsIn);
    expect(contacts.length).toBeGreaterThan(20);
    const dir = path.dirname(file);
    for (const name of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, name));
      for (const text of [bytes.toString('latin1'), bytes.toString('utf8')]) {
        for (const c of contacts) expect(text.includes(c), `${c} found in ${name}`).toBe(false);
      }
    }
  });

  it('the same contact written differently is one message', async () => {
    store = await openTestStore();
    const r = await run('sms-programmed.csv', { kind: 'programmed' });
    // "+1 (415) 555-0102" and "+1 415 555 0102" in send 1 are the same recipient.
    expect(r).toMatchObject({ rows: 6, messages: 5, duplicateRows: 1, bySend: [{ send: 1, messages: 3 }, { send: 2, messages: 2 }] });
  });

  it('refuses a different key instead of counting every message again', async () => {
    store = await openTestStore();
    await run('sms-report-bom.csv');
    await expect(run('sms-report-bom.csv', { env: { PAUTA_MESSAGING_SALT: 'wINf5TDOLDqjR2lxGlOh1oI9GjR5c9p5hMlmVglWgVU=' } })).rejects.toThrow(
      /PAUTA_MESSAGING_SALT holds a different key from the one earlier imports used/,
    );
    expect(await store.db.selectFrom('message_imports').select('import_id').execute()).toHaveLength(1);
  });

  it('needs the key: a clear message when the variable is missing or too short', async () => {
    store = await openTestStore();
    await expect(run('sms-report-bom.csv', { env: {} })).rejects.toThrow(/environment variable PAUTA_MESSAGING_SALT is not set.*same value for every import/s);
    await expect(run('sms-report-bom.csv', { env: { PAUTA_MESSAGING_SALT: 'short' } })).rejects.toThrow(/at least 32 characters/);
    const messaging = messagingConfig('  salt_env: SENDS_KEY\n');
    await expect(run('sms-report-bom.csv', { messaging, env: ENV })).rejects.toThrow(/SENDS_KEY is not set/);
  });
});

describe('import-sends: a weak key is refused', () => {
  const refusal = async (key: string) => {
    const error = (await run('sms-report-bom.csv', { env: { PAUTA_MESSAGING_SALT: key } }).catch((e: unknown) => e)) as Error;
    expect(error, key).toBeInstanceOf(Error);
    // The variable is named; the key, or any part of it, never is.
    expect(error.message).toMatch(/^PAUTA_MESSAGING_SALT: /);
    expect(error.message).toContain('openssl rand -base64 32');
    expect(error.message).not.toContain(key.slice(0, 8));
    return error.message;
  };

  it('too short, or a key that repeats itself', async () => {
    store = await openTestStore();
    expect(await refusal('9f86d081884c7d659a2feaa0c55ad01')).toMatch(/must be at least 32 characters \(it has 31\)/);
    expect(await refusal('a'.repeat(16))).toMatch(/must be at least 32 characters/);
    for (const key of ['a'.repeat(40), 'ab'.repeat(20), 'Password123!Password123!Pass1234', 'aaaabbbbccccddddeeeeffffgggghhhh', `${'x'.repeat(39)}y`]) {
      expect(await refusal(key)).toMatch(/repeats itself/);
    }
  });

  it('a run of sequential characters, or too little entropy', async () => {
    store = await openTestStore();
    for (const key of ['abcdefghijklmnopqrstuvwxyz0123456789', 'sample-key-0123456789abcdef0123456789', 'zyxwvutsrqponmlkjihgfedcbaZYXWVUTS']) {
      expect(await refusal(key)).toMatch(/a run of 8 or more sequential characters/);
    }
    // Three letters shuffled: no repetition or run to speak of, but about 63 bits at most.
    expect(await refusal('bcbdbcdcbdbbcdcbdcbbdcdbcbdcbdbcdbcbddcb')).toMatch(/is too predictable \(an estimated \d+ bits, at least 80 needed: too few different characters\)/);
    expect(await store.db.selectFrom('message_imports').select('import_id').execute()).toEqual([]);
  });

  it('accepts keys from a random generator, and the demo\'s key', async () => {
    for (const key of [
      'FfV9R3aPORuZ2C+gOtOYXRohxTHr1uB9v/FETc5aAto=', // openssl rand -base64 32
      '60a6eb3269212d1fe942966c9892c43c', // openssl rand -hex 16: 128 bits, the shortest accepted form
      '9586c2954819a2bacb35d556fa8f9ce2ded82f6c26606c77b08977e6b4ab98a6', // openssl rand -hex 32
      DEMO_MESSAGING_KEY,
    ]) {
      expect(keyWeakness(key), key).toBeUndefined();
    }
  });
});

describe('SMS and e-mail progress', () => {
  it('scheduled totals come from the config, else from the programmed list; the view agrees', async () => {
    store = await openTestStore();
    const messaging = messagingConfig('  sms:\n    scheduled: { "1": 8 }\n');
    await run('sms-report-bom.csv', { messaging });
    await run('sms-programmed.csv', { kind: 'programmed', messaging });
    await syncMessagingSchedule(store, messaging);

    const ind = await messagingIndicator(store, messaging, '2021-12-31');
    const sms = ind.channels.find((c) => c.channel === 'sms')!;
    expect(sms.sends.map((s) => [s.send, s.scheduled, s.scheduledFrom, s.sent, s.delivered, s.failed, s.pending])).toEqual([
      [1, 8, 'config', 4, 2, 1, 1],
      [2, 2, 'list', 1, 1, 0, 0],
    ]);
    expect(sms.total).toMatchObject({ scheduled: 10, scheduledFrom: null, sent: 5, pct: 50, deliveredPct: 60 });
    const email = ind.channels.find((c) => c.channel === 'email')!;
    expect(email.total).toMatchObject({ scheduled: null, sent: 0, pct: null });

    const view = await sql`SELECT * FROM indicator_messaging WHERE channel = 'sms'`.execute(store.db);
    expect(view.rows).toEqual([
      { channel: 'sms', send: '1', scheduled: 8, scheduled_from: 'config', sent: 4, delivered: 2, failed: 1, pending: 1, pct: 50, delivered_pct: 50, first_date: '2021-10-04', as_of: '2021-10-05' },
      { channel: 'sms', send: '2', scheduled: 2, scheduled_from: 'list', sent: 1, delivered: 1, failed: 0, pending: 0, pct: 50, delivered_pct: 100, first_date: '2021-11-22', as_of: '2021-11-22' },
      { channel: 'sms', send: 'total', scheduled: 10, scheduled_from: null, sent: 5, delivered: 3, failed: 1, pending: 1, pct: 50, delivered_pct: 60, first_date: '2021-10-04', as_of: '2021-11-22' },
    ]);
  });

  it('counts only sends dated up to the as-of date', async () => {
    store = await openTestStore();
    await run('sms-report-bom.csv');
    const ind = await messagingIndicator(store, undefined, '2021-10-04');
    const sms = ind.channels.find((c) => c.channel === 'sms')!;
    expect(sms.sends.map((s) => [s.send, s.sent, s.delivered, s.failed])).toEqual([
      [1, 3, 2, 1],
      [2, 0, 0, 0],
    ]);
  });
});
