// Structured JSON lines to stdout (pretty on a terminal). Every line passes through `redact`
// on its way out, so a secret that reached a message or an error by accident is still masked.
import pino from 'pino';
import pretty from 'pino-pretty';
import { redact } from './redact.ts';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Force pretty or JSON output; default: pretty when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go (tests pass a collecting stream). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.PAUTA_LOG_LEVEL ?? 'info';
  const destination = options.destination ?? process.stdout;
  const usePretty = options.pretty ?? (destination === process.stdout && process.stdout.isTTY === true);
  const stream = usePretty
    ? pretty({ destination, colorize: true, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' })
    : destination;
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line: string) => redact(line) },
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}

/** A logger that writes nothing, for library use and tests that don't read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
