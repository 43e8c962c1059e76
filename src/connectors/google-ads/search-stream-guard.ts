// The body of `googleAds:searchStream` over REST is one JSON array, sent as it is produced:
// `[{"results": [...], "fieldMask": "...", "requestId": "..."}, ...]`. A failure after the HTTP
// 200 has gone out arrives as one more element, `{"error": {code, status, message, details}}`,
// and google-ads-api 25.1.0 skips it (it reads only `results` / `summaryRow` of each element):
// the caller would see a short, successful result. This pass-through stream watches the JSON
// structure, turns such an element — or a body cut off before its closing `]` — into an error,
// and reads non-2xx bodies (small) into a GoogleAdsApiError that keeps the HTTP status.
// https://google.aip.dev/127 (HTTP/JSON streaming) · https://developers.google.com/google-ads/api/rest/common/search
import { Transform, type TransformCallback } from 'node:stream';
import { TransientError } from '../../core/errors.ts';
import { GoogleAdsApiError, apiErrorFromBody } from './errors.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** Error bodies are small; anything bigger is not worth keeping whole for a message. */
const MAX_ERROR_BODY = 256 * 1024;
/** Keys at the element level are short (`results`, `fieldMask`, `error`…). */
const MAX_KEY = 64;

export class SearchStreamGuard extends Transform {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private sawArray = false;
  private closedArray = false;
  /** At element level (depth 2), the next string is a key. */
  private keyExpected = false;
  private key: number[] | null = null;
  /** Bytes of the current element while it may be an error element. */
  private element: Buffer[] | null = null;
  private elementIsError = false;
  private readonly errorBody: Buffer[] = [];
  private errorBodyBytes = 0;

  constructor(private readonly httpStatus: number) {
    super();
  }

  private get isErrorStatus(): boolean {
    return this.httpStatus < 200 || this.httpStatus >= 300;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.isErrorStatus) {
      if (this.errorBodyBytes < MAX_ERROR_BODY) {
        this.errorBody.push(chunk);
        this.errorBodyBytes += chunk.length;
      }
      callback();
      return;
    }
    const failure = this.scan(chunk);
    if (failure) {
      callback(failure);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.isErrorStatus) {
      const text = Buffer.concat(this.errorBody).toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      callback(
        apiErrorFromBody(this.httpStatus, parsed) ??
          new GoogleAdsApiError(text.slice(0, 300).trim() || '(empty body)', this.httpStatus, undefined, [], undefined),
      );
      return;
    }
    if (!this.sawArray || !this.closedArray) {
      callback(new TransientError('the searchStream response ended before its closing bracket (connection cut mid-stream?)'));
      return;
    }
    callback();
  }

  /** Walks the bytes of one chunk; returns the error to raise, if the chunk completed one. */
  private scan(chunk: Buffer): Error | undefined {
    let elementFrom = this.element ? 0 : -1;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (this.inString) {
        if (this.key && byte !== QUOTE && this.key.length < MAX_KEY) this.key.push(byte);
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) {
          this.inString = false;
          if (this.key) {
            const name = Buffer.from(this.key).toString('utf8');
            this.key = null;
            if (name === 'error') this.elementIsError = true;
            else if (!this.elementIsError && this.element) {
              // An ordinary element (`results`…): stop keeping its bytes.
              this.element = null;
              elementFrom = -1;
            }
          }
        }
        continue;
      }
      switch (byte) {
        case QUOTE:
          this.inString = true;
          if (this.keyExpected && this.depth === 2) {
            this.key = [];
            this.keyExpected = false;
          }
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          this.depth += 1;
          if (this.depth === 1) this.sawArray = byte === OPEN_BRACKET;
          if (this.depth === 2 && byte === OPEN_BRACE) {
            this.keyExpected = true;
            this.element = [];
            this.elementIsError = false;
            elementFrom = i;
          }
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          this.depth -= 1;
          if (this.depth === 1 && this.elementIsError) {
            // The element's bytes were kept only when `error` was its first key (as Google sends it).
            return this.elementError(this.element ? Buffer.concat([...this.element, chunk.subarray(Math.max(elementFrom, 0), i + 1)]) : undefined);
          }
          if (this.depth === 1) {
            this.element = null;
            elementFrom = -1;
          }
          if (this.depth === 0) this.closedArray = true;
          break;
        case COMMA:
          if (this.depth === 2) this.keyExpected = true;
          break;
      }
    }
    if (this.element && elementFrom >= 0) this.element.push(chunk.subarray(elementFrom));
    return undefined;
  }

  private elementError(bytes: Buffer | undefined): Error {
    let parsed: unknown;
    try {
      parsed = bytes ? JSON.parse(bytes.toString('utf8')) : undefined;
    } catch {
      parsed = undefined;
    }
    return (
      apiErrorFromBody(undefined, parsed) ??
      new GoogleAdsApiError('searchStream sent an error element after HTTP 200', undefined, undefined, [], undefined)
    );
  }
}
