// Backfill progress: on a terminal, a bar per source (windows done / total, rows, ETA) with log
// lines printed above the bars; otherwise (a log file, journald, CI) one plain line per window.
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { PlanEvent, WindowEvent } from '../ingest/runner.ts';

export interface Progress {
  onPlan(event: PlanEvent): void;
  onWindow(event: WindowEvent): void;
  /** Where log lines should go so they do not tear the bars (undefined: anywhere). */
  logDestination: NodeJS.WritableStream | undefined;
  stop(): void;
}

export interface ProgressOptions {
  /** Draw bars (a terminal) or write plain lines. */
  tty: boolean;
  /** Default: standard error, so standard output stays the run's result. */
  stream?: NodeJS.WritableStream;
  /** Milliseconds clock for the ETA of plain lines. */
  now?: () => number;
  label?: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/** `1h 05m`, `3m 20s`, `42s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function createProgress(options: ProgressOptions): Progress {
  return options.tty ? new BarProgress(options) : new LineProgress(options);
}

/** One line per window: `backfill google-ads: 3/12 windows (25%) 2021-09-21..2021-09-30, 1,234 rows (3,702 in all), ETA 1m 20s`. */
class LineProgress implements Progress {
  readonly logDestination = undefined;
  private readonly stream: NodeJS.WritableStream;
  private readonly now: () => number;
  private readonly label: string;
  private readonly sources = new Map<string, { startedAt: number; rows: number }>();

  constructor(options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.label = options.label ?? 'backfill';
  }

  onPlan(event: PlanEvent): void {
    this.sources.set(event.sourceId, { startedAt: this.now(), rows: 0 });
    const range = event.windows.length === 0 ? 'nothing to fetch' : `${event.windows[0]!.from}..${event.windows.at(-1)!.to}`;
    this.stream.write(`${this.label} ${event.sourceId}: ${event.windows.length} window(s) to fetch, ${range}\n`);
  }

  onWindow(event: WindowEvent): void {
    const s = this.sources.get(event.sourceId) ?? { startedAt: this.now(), rows: 0 };
    s.rows += event.rows;
    this.sources.set(event.sourceId, s);
    const done = event.index + 1;
    const head = `${this.label} ${event.sourceId}: ${done}/${event.total} windows (${Math.floor((done / event.total) * 100)}%) ${event.window.from}..${event.window.to}`;
    if (event.status !== 'ok') {
      this.stream.write(`${head} ${event.status === 'interrupted' ? 'interrupted, rolled back' : 'FAILED'}\n`);
      return;
    }
    const elapsed = this.now() - s.startedAt;
    const eta = done < event.total ? `, ETA ${formatDuration((elapsed / done) * (event.total - done))}` : ', done';
    this.stream.write(`${head}, ${count(event.rows)} rows (${count(s.rows)} in all)${eta}\n`);
  }

  stop(): void {}
}

class BarProgress implements Progress {
  readonly logDestination: NodeJS.WritableStream;
  private readonly multibar: cliProgress.MultiBar;
  private readonly bars = new Map<string, { bar: cliProgress.SingleBar; rows: number }>();

  constructor(options: ProgressOptions) {
    const label = options.label ?? 'backfill';
    this.multibar = new cliProgress.MultiBar({
      stream: options.stream ?? process.stderr,
      format: (opts, params, payload: { source: string; rows: string; state?: string }) => {
        const bar = cliProgress.Format.BarFormat(params.progress, opts);
        const eta = params.value > 0 && Number.isFinite(params.eta) ? `ETA ${formatDuration(params.eta * 1000)}` : 'ETA …';
        const state = payload.state ?? (params.value >= params.total ? 'done' : eta);
        return `${label} ${payload.source} [${bar}] ${params.value}/${params.total} windows | ${payload.rows} rows | ${state}`;
      },
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      gracefulExit: false,
      etaBuffer: 5,
    });
    const multibar = this.multibar;
    this.logDestination = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        const text = chunk.toString();
        multibar.log(text.endsWith('\n') ? text : `${text}\n`);
        callback();
      },
    });
  }

  onPlan(event: PlanEvent): void {
    const bar = this.multibar.create(event.windows.length, 0, { source: event.sourceId, rows: '0', state: event.windows.length === 0 ? 'up to date' : undefined });
    this.bars.set(event.sourceId, { bar, rows: 0 });
  }

  onWindow(event: WindowEvent): void {
    const entry = this.bars.get(event.sourceId);
    if (!entry) return;
    entry.rows += event.rows;
    if (event.status !== 'ok') {
      entry.bar.update({ rows: count(entry.rows), state: event.status === 'interrupted' ? 'interrupted' : `FAILED at ${event.window.from}..${event.window.to}` });
      return;
    }
    const done = event.index + 1;
    entry.bar.update(done, { rows: count(entry.rows) });
  }

  stop(): void {
    this.multibar.stop();
  }
}
