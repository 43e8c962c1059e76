// `pauta import-sends`: a delivery report or a programmed list into the database, in one
// transaction. Messages are upserted on (channel, send, recipient hash), so the same or an
// overlapping file counts nothing twice, and files can be imported in any order.
import path from 'node:path';
import type { MessagingConfig } from '../config/schema.ts';
import { UsageError, describeError } from '../core/errors.ts';
import { readSecret } from '../core/redact.ts';
import { getMeta, setMeta } from '../report/meta.ts';
import type { Store } from '../store/store.ts';
import { NotUtf8Error } from './decode.ts';
import { SendsFileError, checkSendsFile, readSendsFile, type ImportKind, type ReadOptions, type SendsFileSummary } from './delivery-report.ts';
import { KEY_ADVICE, keyWeakness } from './key-strength.ts';
import { keyFingerprint, type MessageChannel } from './recipient.ts';
import { syncMessagingSchedule } from './schedule.ts';
import { ImportStaging } from './staging.ts';

export const DEFAULT_SALT_ENV = 'PAUTA_MESSAGING_SALT';
const KEY_CHECK = 'messaging.key_fingerprint';
const CHANGED = 'the file changed while it was being imported';

export interface ImportSendsOptions {
  channel: MessageChannel;
  kind: ImportKind;
  file: string;
  send?: number | undefined;
  messaging: MessagingConfig | undefined;
  /** Zone a timestamp is dated in when the config sets none. */
  defaultTimeZone: string;
  env: NodeJS.ProcessEnv;
  now?: Date;
}

export interface ImportSendsResult {
  importId: number;
  channel: MessageChannel;
  kind: ImportKind;
  fileName: string;
  encoding: string;
  delimiter: string;
  rows: number;
  messages: number;
  duplicateRows: number;
  /** Messages not stored before. */
  newMessages: number;
  /** Messages already stored whose outcome moved forward or whose day moved earlier. */
  updatedMessages: number;
  bySend: { send: number; messages: number }[];
  firstDate: string | null;
  lastDate: string | null;
  columns: SendsFileSummary['columns'];
}

/** The hashing key, from the variable the config names; long and random (see key-strength.ts). */
export function messagingKey(messaging: MessagingConfig | undefined, env: NodeJS.ProcessEnv): string {
  const variable = messaging?.salt_env ?? DEFAULT_SALT_ENV;
  let key: string;
  try {
    key = readSecret(env, variable, 'messaging.salt_env');
  } catch (error) {
    throw new UsageError(
      `${describeError(error)}: it holds the secret key that salts message hashes. Set it to a long random string ` +
        `(${KEY_ADVICE}), keep it with the other secrets, and use the same value for every import.`,
    );
  }
  const weakness = keyWeakness(key);
  if (weakness !== undefined) throw new UsageError(`${variable}: the messaging key ${weakness}; ${KEY_ADVICE}`);
  return key;
}

/** A file that passed every check, and the key its recipients will be hashed with. */
export interface CheckedSendsFile extends SendsFileSummary {
  file: string;
  fileName: string;
  key: string;
}

function readOptions(opts: ImportSendsOptions, fileName: string): ReadOptions {
  return {
    channel: opts.channel,
    kind: opts.kind,
    cfg: opts.messaging?.[opts.channel],
    timeZone: opts.messaging?.time_zone ?? opts.defaultTimeZone,
    send: opts.send,
    fileName,
  };
}

/**
 * The key, then every row of the file, checked without touching any database: what
 * `import-sends` does before it opens (or creates) one.
 */
export async function checkSendsImport(opts: ImportSendsOptions): Promise<CheckedSendsFile> {
  const key = messagingKey(opts.messaging, opts.env);
  const fileName = path.basename(opts.file);
  const summary = await checkSendsFile(opts.file, readOptions(opts, fileName));
  return { ...summary, file: opts.file, fileName, key };
}

/**
 * Reads the file a second time, now hashing each recipient into a staging table, then merges it
 * into the store in the same transaction. The file was checked first (`checked`, or here): a bad
 * row anywhere stores nothing, and a file that changed since it was checked is refused.
 */
export async function importSends(store: Store, opts: ImportSendsOptions, checked?: CheckedSendsFile): Promise<ImportSendsResult> {
  const now = opts.now ?? new Date();
  const file = checked ?? (await checkSendsImport(opts));
  const saltEnv = opts.messaging?.salt_env ?? DEFAULT_SALT_ENV;
  const fingerprint = keyFingerprint(file.key);
  const differentKey = () =>
    new UsageError(`${saltEnv} holds a different key from the one earlier imports used: every message would be counted again. Set it back to the original value.`);
  // Before the long read: a wrong key is refused at once (and again under the write lock below).
  const known = await getMeta(store.db, KEY_CHECK);
  if (known !== undefined && known !== fingerprint) throw differentKey();

  const nowIso = now.toISOString();
  let result: ImportSendsResult | undefined;
  await store.db.transaction().execute(async (trx) => {
    const staging = await ImportStaging.create(trx);
    let reread: SendsFileSummary;
    try {
      reread = await readSendsFile(opts.file, file.encoding, readOptions(opts, file.fileName), { key: file.key, onMessage: (m) => staging.add(m) });
    } catch (error) {
      // It passed its check: whatever is wrong now was written since.
      const found = error instanceof SendsFileError ? error.problems.filter((p) => !p.startsWith(CHANGED)) : error instanceof NotUtf8Error ? [error.message] : undefined;
      if (found !== undefined) throw new SendsFileError(file.fileName, [`${CHANGED}; import it again`, ...found]);
      throw error;
    }
    if (reread.sha256 !== file.sha256) throw new SendsFileError(file.fileName, [`${CHANGED}; import it again`]);
    const staged = await staging.merge();

    // The first write takes the database's write lock; everything above touched only temp tables.
    const inserted = await trx
      .insertInto('message_imports')
      .values({
        channel: opts.channel,
        kind: opts.kind,
        file_name: file.fileName,
        file_sha256: file.sha256,
        encoding: file.encoding,
        rows: file.rows,
        messages: staged.messages,
        new_messages: 0,
        updated_messages: 0,
        imported_at: nowIso,
      })
      .returning('import_id')
      .executeTakeFirstOrThrow();
    const stored = await getMeta(trx, KEY_CHECK);
    if (stored === undefined) await setMeta(trx, KEY_CHECK, fingerprint, now);
    else if (stored !== fingerprint) throw differentKey();

    const table = opts.kind === 'delivery' ? 'message_sends' : 'message_programmed';
    const count = async () =>
      Number((await trx.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('channel', '=', opts.channel).executeTakeFirstOrThrow()).n);
    const before = await count();
    const touched = await staging.storeInto(opts.kind, opts.channel, inserted.import_id, nowIso);
    const newMessages = (await count()) - before;
    const updatedMessages = touched - newMessages;
    await trx
      .updateTable('message_imports')
      .set({ new_messages: newMessages, updated_messages: updatedMessages })
      .where('import_id', '=', inserted.import_id)
      .execute();
    await staging.drop();
    result = {
      importId: inserted.import_id,
      channel: opts.channel,
      kind: opts.kind,
      fileName: file.fileName,
      encoding: file.encoding,
      delimiter: file.delimiter,
      rows: file.rows,
      messages: staged.messages,
      duplicateRows: file.rows - staged.messages,
      newMessages,
      updatedMessages,
      bySend: staged.bySend,
      firstDate: staged.firstDate,
      lastDate: staged.lastDate,
      columns: file.columns,
    };
  });
  await syncMessagingSchedule(store, opts.messaging, now);
  return result!;
}
