// Reads a provider's delivery report (or a programmed list) row by row, as the file streams in:
// memory stays the same whatever the file's size. One bad row rejects the file, with its line
// and column — never the contact itself. The same reader checks a file (no hashing) and, once
// the file passed, hands its messages, keyed by recipient hash, to the import.
import { CsvError } from 'csv-parse';
import { readCsv } from '../core/csv.ts';
import type { IsoDate } from '../core/dates.ts';
import { UsageError, describeError } from '../core/errors.ts';
import { resolveColumns, type Field, type Outcome } from './columns.ts';
import { NotUtf8Error, decodedChunks, detectDelimiter, sniffEncoding, withHeaderLine, type TextEncodingName } from './decode.ts';
import { recipientHash } from './recipient.ts';
import { RowChecker, type RowOptions } from './rows.ts';

export type ImportKind = 'delivery' | 'programmed';

/** One row's message: the recipient already reduced to its keyed hash. */
export interface RowMessage {
  send: number;
  hash: string;
  /** Delivery reports only; '' in a programmed list. */
  date: IsoDate | '';
  outcome: Outcome;
}

/** What reading the whole file found: it passed every check. */
export interface SendsFileSummary {
  encoding: TextEncodingName;
  delimiter: string;
  /** Data rows read (header and blank lines excluded). */
  rows: number;
  columns: Partial<Record<Field, string>>;
  /** Of the bytes read, to tell whether the file changed between two readings. */
  sha256: string;
}

export interface ReadOptions extends RowOptions {
  /** For messages: the file as the user named it. */
  fileName: string;
}

/** Where a reading hands each row's message (and the key that hashes its recipient). */
export interface MessageSink {
  key: string;
  onMessage: (m: RowMessage) => void | Promise<void>;
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

/**
 * Reads the whole file and checks every row, storing nothing: the encoding from its byte-order
 * mark or the config, else UTF-8, read again as Latin-1 when it is not valid UTF-8.
 */
export async function checkSendsFile(file: string, opts: ReadOptions): Promise<SendsFileSummary> {
  const wanted = opts.cfg?.encoding ?? 'auto';
  try {
    const sniffed = await sniffEncoding(file, wanted);
    try {
      return await readSendsFile(file, sniffed.encoding, opts);
    } catch (error) {
      if (error instanceof NotUtf8Error && !sniffed.declared) return await readSendsFile(file, 'latin1', opts);
      throw error;
    }
  } catch (error) {
    if (error instanceof SendsFileError) throw error;
    if (error instanceof NotUtf8Error) {
      const why = wanted === 'utf-8' ? 'set encoding: latin1 or auto' : 'it starts with a UTF-8 byte-order mark';
      throw new SendsFileError(opts.fileName, [`the file is not valid UTF-8 (${why})`]);
    }
    throw new SendsFileError(opts.fileName, [describeError(error)]);
  }
}

/** The first problem of a reading without line numbers: read again, with them, to describe it. */
class ProblemFound extends Error {
  override name = 'ProblemFound';
}

/**
 * Reads the file in `encoding`, checking every row; with a sink, hands it each row's message. The
 * reading keeps no line numbers (csv-parse's per-record info costs more than the rest of the
 * row): at the first problem it stops and reads the file again with them, to name every problem
 * (up to MAX_PROBLEMS) by line and column.
 */
export async function readSendsFile(file: string, encoding: TextEncodingName, opts: ReadOptions, sink?: MessageSink): Promise<SendsFileSummary> {
  try {
    return await readRows(file, encoding, opts, sink, false);
  } catch (error) {
    if (!(error instanceof ProblemFound)) throw error;
  }
  await readRows(file, encoding, opts, undefined, true);
  // Nothing wrong this time: the file changed in between.
  throw new SendsFileError(opts.fileName, ['the file changed while it was being imported; import it again']);
}

async function readRows(file: string, encoding: TextEncodingName, opts: ReadOptions, sink: MessageSink | undefined, lineNumbers: boolean): Promise<SendsFileSummary> {
  const problems: string[] = [];
  const fail = (p: string) => {
    if (!lineNumbers) throw new ProblemFound();
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  const decoded = decodedChunks(file, encoding);
  const { head, text } = await withHeaderLine(decoded.chunks);
  const delimiter = opts.cfg?.delimiter ?? detectDelimiter(head);
  let checker: RowChecker | undefined;
  let found: SendsFileSummary['columns'] = {};
  let headers: string[] = [];
  let rows = 0;
  try {
    for await (const { cells, line } of readCsv(text, { delimiter, trim: true, skipEmptyLines: true, lineNumbers })) {
      if (checker === undefined) {
        headers = cells;
        const required: Field[] = opts.kind === 'delivery' ? ['recipient', 'date', 'status'] : ['recipient'];
        if (opts.send === undefined) required.push('send');
        const columns = resolveColumns(cells, opts.channel, opts.cfg, required);
        if ('missing' in columns) {
          if (!lineNumbers) throw new ProblemFound();
          throw new SendsFileError(opts.fileName, columns.missing.map((m) => `line ${line}: ${m}`));
        }
        checker = new RowChecker(opts, columns, cells.length);
        found = columns.header;
        continue;
      }
      // Spreadsheet exports end with rows of bare delimiters: not messages, not errors.
      if (cells.every((c) => c === '')) continue;
      rows += 1;
      const problem = checker.check(cells);
      if (problem !== undefined) fail(`line ${line}${problem}`);
      else if (sink !== undefined) {
        const pending = sink.onMessage({ send: checker.send, hash: recipientHash(sink.key, opts.channel, checker.recipient), date: checker.date, outcome: checker.outcome });
        if (pending !== undefined) await pending;
      }
    }
  } catch (error) {
    if (error instanceof CsvError) {
      if (!lineNumbers) throw new ProblemFound();
      fail(describeCsvError(error, headers));
      throw new SendsFileError(opts.fileName, problems);
    }
    throw error;
  }
  if (checker === undefined) throw new SendsFileError(opts.fileName, ['the file is empty (no header row)']);
  if (problems.length > 0) throw new SendsFileError(opts.fileName, problems);
  return { encoding, delimiter, rows, columns: found, sha256: decoded.sha256() };
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

