// Whether each enabled source's data reach the report's date. A page published after a failed
// run must say which source is missing and since when, so yesterday's numbers are never read as
// today's: the cursor gives the first missing day, the run log the last failure and success.
import type { PautaConfig } from '../config/load.ts';
import { addDays, minDate, type IsoDate } from '../core/dates.ts';
import { sourceStatus } from '../ingest/status.ts';
import type { Store } from '../store/store.ts';
import { LABELS, formatDate, formatTimestamp, platformLabel, type Lang } from './labels.ts';

export interface SourceFreshness {
  sourceId: string;
  platform: string;
  /** Last date fully stored (the cursor); null before the first window. */
  dataThrough: IsoDate | null;
  /** Where the data should reach for this report: the as-of date, or the source's last complete day if earlier. */
  expectedThrough: IsoDate;
  /** The first day missing (the day after the cursor, or the start date when nothing was ever stored); null when complete. */
  missingFrom: IsoDate | null;
  /** The data reach `expectedThrough`. */
  complete: boolean;
  /** The source's most recent run. */
  lastRun: { status: 'ok' | 'failed' | 'busy'; finishedAt: string; error: string | null } | null;
  /** When a window of the source last committed (UTC). */
  lastSuccessAt: string | null;
}

/** Behind the report's date, or its last run failed: the page says so. */
export function hasProblem(s: SourceFreshness): boolean {
  return !s.complete || s.lastRun?.status === 'failed';
}

export async function sourceFreshness(store: Store, config: Pick<PautaConfig, 'sources'>, asOf: IsoDate, now: Date): Promise<SourceFreshness[]> {
  const enabled = config.sources.filter((s) => s.enabled);
  const lines = await sourceStatus(store, { sources: enabled }, now, 0);
  return lines.map((line, i) => {
    const expectedThrough = minDate(asOf, line.lastComplete);
    const complete = line.lastDate !== null && line.lastDate >= expectedThrough;
    const missingFrom = complete ? null : line.lastDate !== null ? addDays(line.lastDate, 1) : (enabled[i]!.start_date ?? null);
    return {
      sourceId: line.sourceId,
      platform: line.platform,
      dataThrough: line.lastDate,
      expectedThrough,
      missingFrom,
      complete,
      lastRun: line.lastRun ? { status: line.lastRun.status, finishedAt: line.lastRun.finishedAt, error: line.lastRun.error } : null,
      lastSuccessAt: line.lastSuccessAt,
    };
  });
}

/** Errors are stored whole in the run log; a page or an e-mail shows their start. */
const ERROR_CHARS = 240;

/** A source's name as the page shows it: its id and its platform. */
export function sourceLabel(s: SourceFreshness): string {
  return `${s.sourceId} (${platformLabel(s.platform)})`;
}

/** What the page says about a source with a problem, one phrase each: since when, the failure, the last success. */
export function problemNotes(s: SourceFreshness, lang: Lang): string[] {
  const L = LABELS[lang];
  const notes = [
    s.complete ? L.completeThrough(formatDate(s.dataThrough, lang)) : s.missingFrom !== null ? L.missingSince(formatDate(s.missingFrom, lang)) : L.noDataYet,
  ];
  if (s.lastRun?.status === 'failed') {
    const error = s.lastRun.error ?? '';
    const shown = error.length > ERROR_CHARS ? `${error.slice(0, ERROR_CHARS - 1)}…` : error;
    notes.push(`${L.lastRunFailed(formatTimestamp(s.lastRun.finishedAt, lang))}${shown ? `: ${shown}` : ''}`);
  }
  notes.push(s.lastSuccessAt !== null ? L.lastSuccess(formatTimestamp(s.lastSuccessAt, lang)) : L.noSuccess);
  return notes;
}
