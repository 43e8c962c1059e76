// Reads a provider's delivery report (or a programmed list) into messages keyed by recipient
// hash. The whole file is read before anything is stored: one bad row rejects the file, with
// its line and column — never the contact itself.
import { parse, CsvError } from 'csv-parse';
import { DateTime } from 'luxon';
import type { MessagingChannelConfig } from '../config/schema.ts';
import type { IsoDate } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';
import { OUTCOME_RANK, normalizeWord, resolveColumns, statusTable, type Field, type Outcome } from './columns.ts';
import { decodeText, detectDelimiter, type TextEncodingName } from './decode.ts';
import { looksLikeContact, normalizeRecipient, recipientHash, type MessageChannel } from './recipient.ts';

export type ImportKind = 'delivery' | 'programmed';

export interface ParsedMessage {
  send: number;
  hash: string;
  /** Delivery reports only. */
  date: IsoDate;
  outcome: Outcome;
}

export interface ParsedReport {
  encoding: TextEncodingName;
  delimiter: string;
  /** Data rows read (header and blank lines excluded). */
  rows: number;
  /** Unique messages, after merging rows for the same recipient and send. */
  messages: ParsedMessage[];
  /** Rows that repeated a message already read from the file. */
  duplicateRows: number;
  columns: Partial<Record<Field, string>>;
}

export interface ReadOptions {
  channel: MessageChannel;
  kind: ImportKind;
  cfg: MessagingChannelConfig | undefined;
  key: string;
  /** Zone a timestamp is dated in. */
  timeZone: string;
  /** Send number for every row (overrides a send column). */
  send?: number | undefined;
  /** For messages: the file as the user named it. */
  fileName: string;
}

/** A file pauta refuses to import, with every problem found (at most MAX_PROBLEMS). */
export class SendsFileError extends UsageError {
  override name = 'SendsFileError';
  constructor(
    readonly fileName: string,
    readonly problems: string[],
  ) {
    super(`${fileName}: not imported, nothing was stored:\n${problems.map((p) => `  ${fileName}: ${p}`).join('\n')}`);
  }
}

const MAX_PROBLEMS = 10;

export async function readSendsFile(bytes: Uint8Array, opts: ReadOptions): Promise<ParsedReport> {
  const { text, encoding } = decodeText(bytes, opts.cfg?.encoding ?? 'auto');
  const delimiter = opts.cfg?.delimiter ?? detectDelimiter(text);
  const statuses = statusTable(opts.cfg);
  const parseDate = cachedDateParser(opts.timeZone, opts.cfg?.date_format);
  const problems: string[] = [];
  const fail = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  const parser = parse(text, { delimiter, info: true, trim: true, skip_empty_lines: true, relax_column_count: true });
  let columns: ReturnType<typeof resolveColumns> | undefined;
  let headers: string[] = [];
  const messages = new Map<string, ParsedMessage>();
  let rows = 0;
  let duplicateRows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (columns === undefined) {
        headers = record;
        const required: Field[] = opts.kind === 'delivery' ? ['recipient', 'date', 'status'] : ['recipient'];
        if (opts.send === undefined) required.push('send');
        columns = resolveColumns(record, opts.channel, opts.cfg, required);
        if ('missing' in columns) throw new SendsFileError(opts.fileName, columns.missing.map((m) => `line ${info.lines}: ${m}`));
        continue;
      }
      // Spreadsheet exports end with rows of bare delimiters: not messages, not errors.
      if (record.every((c) => c === '')) continue;
      rows += 1;
      const line = info.lines;
      if (record.length !== headers.length) {
        fail(`line ${line}: expected ${headers.length} fields like the header, found ${record.length} (an unquoted delimiter in a value?)`);
        continue;
      }
      const cell = (f: Field) => (columns as { index: Partial<Record<Field, number>> }).index[f];
      const name = (f: Field) => `"${(columns as { header: Partial<Record<Field, string>> }).header[f]}"`;

      const rawRecipient = record[cell('recipient')!] ?? '';
      const normalized = rawRecipient === '' ? null : normalizeRecipient(opts.channel, rawRecipient);
      if (normalized === null) {
        fail(`line ${line}, column ${name('recipient')}: ${rawRecipient === '' ? 'empty' : `not ${opts.channel === 'sms' ? 'a phone number' : 'an e-mail address'}`}`);
        continue;
      }

      let send = opts.send;
      if (send === undefined) {
        const raw = record[cell('send')!] ?? '';
        const digits = raw.match(/\d+/g);
        send = digits?.length === 1 ? Number(digits[0]) : NaN;
        if (!(send >= 1 && send <= 9)) {
          fail(`line ${line}, column ${name('send')}: expected a send number 1–9, got ${quote(raw)}`);
          continue;
        }
      }

      let date = '';
      let outcome: Outcome = 'sent';
      if (opts.kind === 'delivery') {
        const rawDate = record[cell('date')!] ?? '';
        const parsedDate = parseDate(rawDate);
        if (parsedDate === null) {
          fail(
            `line ${line}, column ${name('date')}: unrecognized date ${quote(rawDate)}` +
              (opts.cfg?.date_format ? ` (expected ${opts.cfg.date_format})` : ` (expected ISO 8601; set messaging.${opts.channel}.date_format, e.g. "dd/MM/yyyy HH:mm")`),
          );
          continue;
        }
        date = parsedDate;
        const rawStatus = record[cell('status')!] ?? '';
        const o = statuses.get(normalizeWord(rawStatus));
        if (o === undefined) {
          fail(`line ${line}, column ${name('status')}: unknown status ${quote(rawStatus)} (add it to messaging.${opts.channel}.status_values)`);
          continue;
        }
        outcome = o;
      }

      const hash = recipientHash(opts.key, opts.channel, normalized);
      const id = `${send}|${hash}`;
      const prev = messages.get(id);
      if (prev === undefined) {
        messages.set(id, { send, hash, date, outcome });
      } else {
        duplicateRows += 1;
        if (OUTCOME_RANK[outcome] > OUTCOME_RANK[prev.outcome]) prev.outcome = outcome;
        if (date < prev.date) prev.date = date;
      }
    }
  } catch (error) {
    if (error instanceof SendsFileError) throw error;
    if (error instanceof CsvError) {
      fail(describeCsvError(error, headers));
      throw new SendsFileError(opts.fileName, problems);
    }
    throw error;
  }
  if (columns === undefined) throw new SendsFileError(opts.fileName, ['the file is empty (no header row)']);
  if (problems.length > 0) throw new SendsFileError(opts.fileName, problems);
  return { encoding, delimiter, rows, messages: [...messages.values()], duplicateRows, columns: (columns as { header: ParsedReport['columns'] }).header };
}

/** The cell in quotes, unless it could be a phone number or an address. */
function quote(value: string): string {
  if (value === '') return 'an empty value';
  return looksLikeContact(value) ? 'a value that is not shown (it may be a contact)' : `"${value.slice(0, 40)}"`;
}

/** csv-parse's own messages can quote the record; these name the line and the problem only. */
function describeCsvError(e: CsvError, headers: readonly string[]): string {
  const lines = typeof e.lines === 'number' ? e.lines : undefined;
  const column = typeof e.column === 'number' && headers[e.column] !== undefined ? `, column "${headers[e.column]}"` : '';
  const at = lines !== undefined ? `line ${lines}${column}: ` : '';
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `${at}a quoted value is never closed`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `${at}characters after a closing quote (a quote inside a value must be doubled: "")`;
    case 'INVALID_OPENING_QUOTE':
      return `${at}a quote in the middle of an unquoted value`;
    default:
      return `${at}malformed CSV (${e.code})`;
  }
}

/** Date, or date and time without an offset: already the local day, no zone arithmetic needed. */
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

function isCalendarDate(d: string): boolean {
  const [y, m, day] = [Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10))];
  const t = new Date(Date.UTC(y, m - 1, day));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === day;
}

/**
 * A send's day in `zone`: ISO 8601 (date, or date-time with or without offset), SQL, RFC 2822
 * (Twilio's date_sent) and HTTP dates; or exactly `format` when the config gives one.
 */
export function parseSendDate(raw: string, zone: string, format?: string): IsoDate | null {
  const v = raw.trim();
  if (v === '') return null;
  if (format === undefined) {
    const local = LOCAL_DATE_TIME.exec(v);
    if (local && isCalendarDate(local[1]!)) return local[1]!;
  }
  const opts = { zone, setZone: false };
  const parsers = format
    ? [() => DateTime.fromFormat(v, format, opts)]
    : [
        () => DateTime.fromISO(v, opts),
        () => DateTime.fromSQL(v, opts),
        () => DateTime.fromRFC2822(v, opts),
        () => DateTime.fromHTTP(v, opts),
        () => DateTime.fromFormat(v, 'yyyy-MM-dd HH:mm:ss ZZZ', opts),
      ];
  for (const p of parsers) {
    const dt = p();
    if (dt.isValid) return dt.setZone(zone).toISODate();
  }
  return null;
}

/** parseSendDate with a memory: delivery reports repeat the same timestamps many times. */
export function cachedDateParser(zone: string, format?: string): (raw: string) => IsoDate | null {
  const cache = new Map<string, IsoDate | null>();
  return (raw) => {
    let d = cache.get(raw);
    if (d === undefined && !cache.has(raw)) {
      d = parseSendDate(raw, zone, format);
      if (cache.size > 50_000) cache.clear();
      cache.set(raw, d);
    }
    return d ?? null;
  };
}
