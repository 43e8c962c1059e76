// `pauta import-sends`: a delivery report or a programmed list into the database, in one
// transaction. Messages are upserted on (channel, send, recipient hash), so the same or an
// overlapping file counts nothing twice, and files can be imported in any order.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { MessagingConfig } from '../config/schema.ts';
import { UsageError, describeError } from '../core/errors.ts';
import { readSecret } from '../core/redact.ts';
import { getMeta, setMeta } from '../report/meta.ts';
import type { Store } from '../store/store.ts';
import { OUTCOME_RANK } from './columns.ts';
import { SendsFileError, readSendsFile, type ImportKind, type ParsedReport } from './delivery-report.ts';
import { MIN_KEY_LENGTH, keyFingerprint, type MessageChannel } from './recipient.ts';
import { syncMessagingSchedule } from './schedule.ts';

export const DEFAULT_SALT_ENV = 'PAUTA_MESSAGING_SALT';
const KEY_CHECK = 'messaging.key_fingerprint';
const INSERT_CHUNK = 400;

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
  columns: ParsedReport['columns'];
}

/** The hashing key, from the variable the config names; at least MIN_KEY_LENGTH characters. */
export function messagingKey(messaging: MessagingConfig | undefined, env: NodeJS.ProcessEnv): string {
  const variable = messaging?.salt_env ?? DEFAULT_SALT_ENV;
  let key: string;
  try {
    key = readSecret(env, variable, 'messaging.salt_env');
  } catch (error) {
    throw new UsageError(
      `${describeError(error)}: it holds the secret key that salts message hashes. Set it to a long random string ` +
        '(e.g. `openssl rand -hex 32`), keep it with the other secrets, and use the same value for every import.',
    );
  }
  if (key.length < MIN_KEY_LENGTH) throw new UsageError(`${variable}: the messaging key must be at least ${MIN_KEY_LENGTH} characters`);
  return key;
}

export async function importSends(store: Store, opts: ImportSendsOptions): Promise<ImportSendsResult> {
  const now = opts.now ?? new Date();
  const fileName = path.basename(opts.file);
  const key = messagingKey(opts.messaging, opts.env);
  let bytes: Buffer;
  try {
    bytes = await readFile(opts.file);
  } catch (error) {
    throw new UsageError(`${opts.file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`);
  }
  let parsed: ParsedReport;
  try {
    parsed = await readSendsFile(bytes, {
      channel: opts.channel,
      kind: opts.kind,
      cfg: opts.messaging?.[opts.channel],
      key,
      timeZone: opts.messaging?.time_zone ?? opts.defaultTimeZone,
      send: opts.send,
      fileName,
    });
  } catch (error) {
    if (error instanceof SendsFileError) throw error;
    throw new SendsFileError(fileName, [describeError(error)]);
  }

  const fingerprint = keyFingerprint(key);
  const nowIso = now.toISOString();
  let importId = 0;
  let newMessages = 0;
  let updatedMessages = 0;
  await store.db.transaction().execute(async (trx) => {
    const known = await getMeta(trx, KEY_CHECK);
    if (known === undefined) await setMeta(trx, KEY_CHECK, fingerprint, now);
    else if (known !== fingerprint) {
      throw new UsageError(
        `${opts.messaging?.salt_env ?? DEFAULT_SALT_ENV} holds a different key from the one earlier imports used: ` +
          'every message would be counted again. Set it back to the original value.',
      );
    }
    const inserted = await trx
      .insertInto('message_imports')
      .values({
        channel: opts.channel,
        kind: opts.kind,
        file_name: fileName,
        file_sha256: createHash('sha256').update(bytes).digest('hex'),
        encoding: parsed.encoding,
        rows: parsed.rows,
        messages: parsed.messages.length,
        new_messages: 0,
        updated_messages: 0,
        imported_at: nowIso,
      })
      .returning('import_id')
      .executeTakeFirstOrThrow();
    importId = inserted.import_id;
    const table = opts.kind === 'delivery' ? 'message_sends' : 'message_programmed';
    const count = async () =>
      Number(
        (await trx.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('channel', '=', opts.channel).executeTakeFirstOrThrow()).n,
      );
    const before = await count();
    let touched = 0;
    for (let i = 0; i < parsed.messages.length; i += INSERT_CHUNK) {
      const chunk = parsed.messages.slice(i, i + INSERT_CHUNK);
      if (opts.kind === 'delivery') {
        const rank = (col: string) => sql`CASE ${sql.ref(col)} WHEN 'delivered' THEN ${OUTCOME_RANK.delivered} WHEN 'failed' THEN ${OUTCOME_RANK.failed} ELSE ${OUTCOME_RANK.sent} END`;
        const r = await trx
          .insertInto('message_sends')
          .values(
            chunk.map((m) => ({ channel: opts.channel, send_no: m.send, recipient_hash: m.hash, date: m.date, status: m.outcome, import_id: importId, updated_at: nowIso })),
          )
          .onConflict((oc) =>
            oc
              .columns(['channel', 'send_no', 'recipient_hash'])
              .doUpdateSet({
                status: sql`CASE WHEN ${rank('excluded.status')} > ${rank('message_sends.status')} THEN excluded.status ELSE message_sends.status END`,
                date: sql`MIN(message_sends.date, excluded.date)`,
                import_id: sql`excluded.import_id`,
                updated_at: sql`excluded.updated_at`,
              })
              .where(({ or, eb }) => or([eb(rank('excluded.status'), '>', rank('message_sends.status')), eb(sql.ref('excluded.date'), '<', sql.ref('message_sends.date'))])),
          )
          .executeTakeFirst();
        touched += Number(r.numInsertedOrUpdatedRows ?? 0);
      } else {
        const r = await trx
          .insertInto('message_programmed')
          .values(chunk.map((m) => ({ channel: opts.channel, send_no: m.send, recipient_hash: m.hash, import_id: importId })))
          .onConflict((oc) => oc.columns(['channel', 'send_no', 'recipient_hash']).doNothing())
          .executeTakeFirst();
        touched += Number(r.numInsertedOrUpdatedRows ?? 0);
      }
    }
    newMessages = (await count()) - before;
    updatedMessages = touched - newMessages;
    await trx
      .updateTable('message_imports')
      .set({ new_messages: newMessages, updated_messages: updatedMessages })
      .where('import_id', '=', importId)
      .execute();
  });
  await syncMessagingSchedule(store, opts.messaging, now);

  const bySend = new Map<number, number>();
  for (const m of parsed.messages) bySend.set(m.send, (bySend.get(m.send) ?? 0) + 1);
  const dates = parsed.messages.map((m) => m.date).filter((d) => d !== '').sort();
  return {
    importId,
    channel: opts.channel,
    kind: opts.kind,
    fileName,
    encoding: parsed.encoding,
    delimiter: parsed.delimiter,
    rows: parsed.rows,
    messages: parsed.messages.length,
    duplicateRows: parsed.duplicateRows,
    newMessages,
    updatedMessages,
    bySend: [...bySend].map(([send, messages]) => ({ send, messages })).sort((a, b) => a.send - b.send),
    firstDate: dates[0] ?? null,
    lastDate: dates.at(-1) ?? null,
    columns: parsed.columns,
  };
}
