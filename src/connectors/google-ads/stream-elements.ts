// The elements of a JSON array read as it arrives: searchStream's body is one array of response
// messages (each up to 10,000 rows), so memory holds one message at a time, never the body.
// The bytes come through SearchStreamGuard, which has already turned an error element or a
// body cut short into an error.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]);
const CLOSE = new Set([0x7d, 0x5d]);

export async function* arrayElements(chunks: AsyncIterable<Buffer>): AsyncGenerator<Record<string, unknown>> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  for await (const chunk of chunks) {
    let from = depth >= 2 ? 0 : -1;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (OPEN.has(byte)) {
        depth += 1;
        if (depth === 2) from = i;
      } else if (CLOSE.has(byte)) {
        depth -= 1;
        if (depth === 1) {
          parts.push(chunk.subarray(from, i + 1));
          const element = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
          parts = [];
          from = -1;
          yield element;
        }
      }
    }
    if (from >= 0) parts.push(chunk.subarray(from));
  }
}
