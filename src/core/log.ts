// Structured JSON lines to stdout (pretty on a terminal). Secrets are kept out by construction,
// in three layers: errors are serialized without the request/response objects that carry
// credentials, credential-shaped keys are censored, and every line passes through `redact` on
// its way out, so a secret that reached a message by accident is still masked.
import { createRequire } from 'node:module';
import pino from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';
import { UsageError, describeError } from './errors.ts';
import { redact } from './redact.ts';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string | undefined;
  /** Force pretty or JSON output; default: pretty when stdout is a terminal. */
  pretty?: boolean | undefined;
  /** Where lines go (tests pass a collecting stream). */
  destination?: NodeJS.WritableStream | undefined;
}

const MASK = '[redacted]';

/** pino-pretty is loaded only for a terminal: the daemon and pipes write JSON lines without it. */
function prettyStream(options: PrettyOptions): PrettyStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: PrettyOptions) => PrettyStream;
  return pretty(options);
}

/** Keys whose values are credentials whatever they hold, at the top level or one level down. */
const CREDENTIAL_KEYS = ['headers', 'authorization', 'password', 'secret', 'token', 'access_token', 'refresh_token', 'client_secret', 'apiKey', 'api_key'];
const REDACT_PATHS = [...CREDENTIAL_KEYS, ...CREDENTIAL_KEYS.map((k) => `*.${k}`)];

/** The parts of an error worth a log line; HTTP client errors also carry their request, never logged. */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redact(describeError(error)) };
  const out: Record<string, unknown> = { type: error.name, message: redact(error.message) };
  const extra = error as Error & { code?: unknown; status?: unknown; statusCode?: unknown };
  if (typeof extra.code === 'string' || typeof extra.code === 'number') out.code = extra.code;
  const status = extra.status ?? extra.statusCode;
  if (typeof status === 'number') out.status = status;
  if (error.stack) out.stack = redact(error.stack);
  if (error.cause !== undefined && depth < 3) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.PAUTA_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level)) {
    throw new UsageError(`--log-level (or PAUTA_LOG_LEVEL): expected one of ${LEVELS.join(', ')}, got "${level}"`);
  }
  const destination = options.destination ?? process.stdout;
  const usePretty = options.pretty ?? (destination === process.stdout && process.stdout.isTTY === true);
  const stream = usePretty
    ? prettyStream({
        destination,
        colorize: true,
        sync: true,
        // Sources run at once: each line starts with its source, so interleaved lines stay readable.
        messageFormat: '{if source}{source}: {end}{msg}',
        ignore: 'pid,hostname,source',
        translateTime: 'SYS:HH:MM:ss',
      })
    : destination;
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: MASK },
      hooks: { streamWrite: (line: string) => redact(line) },
      serializers: { err: serializeError, error: serializeError },
    },
    stream,
  );
}

/** A logger that writes nothing, for library use and tests that don't read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
