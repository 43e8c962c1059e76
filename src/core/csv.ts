// Streaming CSV for report downloads (DV360 reports, delivery-report exports): records are read
// one at a time through csv-parse, so a large file never sits in memory, and quoting ("a, b",
// doubled quotes, line breaks inside cells) is the parser's job, never a split(',').
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';

export interface CsvRecord {
  /** The cells, unquoted, as strings. */
  cells: string[];
  /** 1-based line of the file where the record ends (for error messages); 0 without `lineNumbers`. */
  line: number;
}

export interface CsvReadOptions {
  delimiter?: string;
  /** Stop at the first blank line (reports that put a footer after one). */
  stopAtBlankLine?: boolean;
  /** Skip lines with no characters at all (a blank line between rows). */
  skipEmptyLines?: boolean;
  /** Remove spaces around each cell. */
  trim?: boolean;
  /**
   * Track each record's line (default true). csv-parse builds an info object per record for it,
   * which costs more than the parsing on a large file; without it `line` is 0.
   */
  lineNumbers?: boolean;
}

export type CsvInput = Readable | AsyncIterable<Uint8Array | string> | string;

/** A line with no content, or only empty cells (`,,,`). */
export function isBlankRecord(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/**
 * Reads CSV records one by one. Records may have different lengths (footers often do). When the
 * consumer stops early (break), the input stream is destroyed so a download does not linger.
 */
export async function* readCsv(input: CsvInput, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  const source = typeof input === 'string' ? Readable.from([input]) : input instanceof Readable ? input : Readable.from(input);
  const parser = parse({
    bom: true,
    delimiter: options.delimiter ?? ',',
    relax_column_count: true,
    skip_empty_lines: options.skipEmptyLines ?? false,
    trim: options.trim ?? false,
    info: options.lineNumbers ?? true,
  });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } } | string[]>) {
      const record: CsvRecord = Array.isArray(item) ? { cells: item, line: 0 } : { cells: item.record, line: item.info.lines };
      if (options.stopAtBlankLine && isBlankRecord(record.cells)) return;
      yield record;
    }
  } finally {
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
  }
}

export class CsvHeaderError extends Error {
  override name = 'CsvHeaderError';
}

/**
 * Finds the named columns in a header row. Each column may have several accepted names
 * (matched case-insensitively, surrounding spaces ignored). Throws naming every missing column
 * and what the header had instead.
 */
export function columnIndex<K extends string>(
  header: readonly string[],
  columns: Readonly<Record<K, readonly string[]>>,
  optional: readonly K[] = [],
): Record<K, number> {
  const normalized = header.map((h) => h.trim().toLowerCase());
  const index = {} as Record<K, number>;
  const missing: string[] = [];
  for (const key of Object.keys(columns) as K[]) {
    const names = columns[key];
    const at = normalized.findIndex((h) => names.some((n) => n.toLowerCase() === h));
    if (at === -1 && !optional.includes(key)) missing.push(`"${names[0]}"`);
    index[key] = at;
  }
  if (missing.length > 0) {
    throw new CsvHeaderError(`missing column ${missing.join(', ')} (the header has ${header.map((h) => `"${h}"`).join(', ')})`);
  }
  return index;
}

/** One CSV line (RFC 4180): cells with a comma, quote or line break are quoted, quotes doubled. */
export function toCsvLine(cells: readonly (string | number)[]): string {
  return cells
    .map((cell) => {
      const text = String(cell);
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}
