// Names and messages from platforms and the config (account, campaign and target names, platform
// error text) end up in a terminal, where a control character is an instruction: ESC sequences
// move the cursor, recolour, rewrite earlier lines or set the window title, a carriage return
// overwrites the line, and bidirectional overrides reorder what is shown. Such characters are
// printed as visible escapes (`\x1B`, `\r`, `\u202E`) instead, so the text is inert and the reader
// still sees that something was there.

/** C0 controls, DEL, C1 controls (U+009B is a one-character CSI) and bidirectional formatting. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One line of text for a terminal: every control character escaped, line breaks included. */
export function terminalText(text: string): string {
  return text.replace(CONTROL, escape);
}

/** Text of several lines (an error with its problems listed): line breaks kept, the rest escaped. */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalText).join('\n');
}
