// Providers export UTF-8 (with or without a BOM), Latin-1 / Windows-1252 (Excel on Windows) or
// UTF-16 ("Unicode text"). Undecodable UTF-8 is the sign of a Latin-1 file.
export type TextEncodingName = 'utf-8' | 'latin1' | 'utf-16le' | 'utf-16be';

export function decodeText(bytes: Uint8Array, wanted: 'auto' | 'utf-8' | 'latin1'): { text: string; encoding: TextEncodingName } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(3)), encoding: 'utf-8' };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  // WHATWG's "latin1" is Windows-1252: the same letters, plus the curly quotes Excel writes.
  if (wanted === 'latin1') return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'latin1' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch (error) {
    if (wanted === 'utf-8') throw new Error('the file is not valid UTF-8 (set encoding: latin1 or auto)', { cause: error });
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'latin1' };
  }
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
