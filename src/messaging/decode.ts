// Providers export UTF-8 (with or without a BOM), Latin-1 / Windows-1252 (Excel on Windows) or
// UTF-16 ("Unicode text"). The file is decoded as it is read, chunk by chunk, never whole.
// Undecodable UTF-8 is the sign of a Latin-1 file: the reader starts over in Latin-1.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export type TextEncodingName = 'utf-8' | 'latin1' | 'utf-16le' | 'utf-16be';
export type WantedEncoding = 'auto' | 'utf-8' | 'latin1';

/** The bytes are not UTF-8 although they had to be (a UTF-8 BOM, or `encoding: utf-8`). */
export class NotUtf8Error extends Error {
  override name = 'NotUtf8Error';
}

/** The encoding the first bytes declare (a byte-order mark) or the config asks for; UTF-8 to try first. */
export async function sniffEncoding(file: string, wanted: WantedEncoding): Promise<{ encoding: TextEncodingName; declared: boolean }> {
  const handle = await open(file, 'r');
  let head: Uint8Array;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(3), 0, 3, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', declared: true };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', declared: true };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', declared: true };
  return { encoding: wanted === 'latin1' ? 'latin1' : 'utf-8', declared: wanted !== 'auto' };
}

/**
 * The file's text in chunks, its byte-order mark dropped, and its SHA-256 once read through.
 * WHATWG's "latin1" is Windows-1252: the same letters, plus the curly quotes Excel writes.
 */
export function decodedChunks(file: string, encoding: TextEncodingName): { chunks: AsyncGenerator<string>; sha256: () => string } {
  const hash = createHash('sha256');
  let digest: string | undefined;
  async function* chunks(): AsyncGenerator<string> {
    const decoder = new TextDecoder(encoding === 'latin1' ? 'windows-1252' : encoding, { fatal: encoding === 'utf-8' });
    try {
      for await (const bytes of createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
        hash.update(bytes);
        const text = decoder.decode(bytes, { stream: true });
        if (text !== '') yield text;
      }
      const rest = decoder.decode();
      if (rest !== '') yield rest;
    } catch (error) {
      if (error instanceof TypeError && encoding === 'utf-8') throw new NotUtf8Error('the file is not valid UTF-8', { cause: error });
      throw error;
    }
    digest = hash.digest('hex');
  }
  return {
    chunks: chunks(),
    sha256: () => {
      if (digest === undefined) throw new Error('the file has not been read to its end');
      return digest;
    },
  };
}

/**
 * Reads until the header line is complete (so its delimiter can be detected before the first
 * record is parsed), then gives the whole text again as it arrives: the head, then the rest.
 */
export async function withHeaderLine(chunks: AsyncGenerator<string>): Promise<{ head: string; text: AsyncGenerator<string> }> {
  let head = '';
  while (endOfFirstLine(head) < 0 && head.length <= 1 << 20) {
    const next = await chunks.next();
    if (next.done) break;
    head += next.value;
  }
  async function* text(): AsyncGenerator<string> {
    try {
      if (head !== '') yield head;
      yield* chunks;
    } finally {
      // A reader that stops early (a bad header) closes the file.
      await chunks.return(undefined);
    }
  }
  return { head, text: text() };
}

/** Index of the first line break outside quotes, or -1. */
function endOfFirstLine(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return i;
  }
  return -1;
}

/** The delimiter of the header line: the most frequent of , ; tab | outside quotes (comma on a tie). */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0], ['|', 0]]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}
