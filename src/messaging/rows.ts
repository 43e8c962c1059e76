// One data row of a delivery report or a programmed list: checked, and reduced to what is
// stored (send, day, outcome and the normalised recipient, hashed by the caller). A problem names
// the column and the value — never a value that could be a contact.
import { DateTime } from 'luxon';
import type { MessagingChannelConfig } from '../config/schema.ts';
import type { IsoDate } from '../core/dates.ts';
import { normalizeWord, statusTable, type ColumnMap, type Field, type Outcome } from './columns.ts';
import { looksLikeContact, normalizeRecipient, type MessageChannel } from './recipient.ts';

export interface RowOptions {
  channel: MessageChannel;
  kind: 'delivery' | 'programmed';
  cfg: MessagingChannelConfig | undefined;
  /** Zone a timestamp is dated in. */
  timeZone: string;
  /** Send number for every row (overrides a send column). */
  send?: number | undefined;
}

/** Distinct status spellings remembered; a file has a handful, a hostile one cannot grow memory. */
const STATUS_MEMORY = 1_000;

/** Checks rows one at a time; the fields hold the last row that passed. */
export class RowChecker {
  recipient = '';
  send = 0;
  date: IsoDate | '' = '';
  outcome: Outcome = 'sent';

  private readonly statuses: Map<string, Outcome>;
  private readonly seenStatus = new Map<string, Outcome>();
  private readonly parseDate: (raw: string) => IsoDate | null;
  private readonly name: Partial<Record<Field, string>>;

  constructor(
    private readonly opts: RowOptions,
    private readonly columns: ColumnMap,
    private readonly width: number,
  ) {
    this.statuses = statusTable(opts.cfg);
    this.parseDate = cachedDateParser(opts.timeZone, opts.cfg?.date_format);
    this.name = Object.fromEntries(Object.entries(columns.header).map(([f, h]) => [f, `"${h}"`]));
  }

  /** Reads a row into the fields; returns what is wrong with it, to follow "line N", or undefined. */
  check(record: readonly string[]): string | undefined {
    const { opts } = this;
    const { index } = this.columns;
    if (record.length !== this.width) {
      return `: expected ${this.width} fields like the header, found ${record.length} (an unquoted delimiter in a value?)`;
    }
    const rawRecipient = record[index.recipient!] ?? '';
    const normalized = rawRecipient === '' ? null : normalizeRecipient(opts.channel, rawRecipient);
    if (normalized === null) {
      return `, column ${this.name.recipient}: ${rawRecipient === '' ? 'empty' : `not ${opts.channel === 'sms' ? 'a phone number' : 'an e-mail address'}`}`;
    }
    this.recipient = normalized;

    if (opts.send !== undefined) this.send = opts.send;
    else {
      const raw = record[index.send!] ?? '';
      const digits = raw.match(/\d+/g);
      const send = digits?.length === 1 ? Number(digits[0]) : NaN;
      if (!(send >= 1 && send <= 9)) return `, column ${this.name.send}: expected a send number 1–9, got ${quote(raw)}`;
      this.send = send;
    }

    if (opts.kind === 'programmed') {
      this.date = '';
      this.outcome = 'sent';
      return undefined;
    }
    const rawDate = record[index.date!] ?? '';
    const date = this.parseDate(rawDate);
    if (date === null) {
      return (
        `, column ${this.name.date}: unrecognized date ${quote(rawDate)}` +
        (opts.cfg?.date_format ? ` (expected ${opts.cfg.date_format})` : ` (expected ISO 8601; set messaging.${opts.channel}.date_format, e.g. "dd/MM/yyyy HH:mm")`)
      );
    }
    this.date = date;
    const rawStatus = record[index.status!] ?? '';
    const outcome = this.seenStatus.get(rawStatus) ?? this.statuses.get(normalizeWord(rawStatus));
    if (outcome === undefined) return `, column ${this.name.status}: unknown status ${quote(rawStatus)} (add it to messaging.${opts.channel}.status_values)`;
    if (this.seenStatus.size < STATUS_MEMORY) this.seenStatus.set(rawStatus, outcome);
    this.outcome = outcome;
    return undefined;
  }
}

/** The cell in quotes, unless it could be a phone number or an address. */
function quote(value: string): string {
  if (value === '') return 'an empty value';
  return looksLikeContact(value) ? 'a value that is not shown (it may be a contact)' : `"${value.slice(0, 40)}"`;
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
