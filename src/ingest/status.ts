// Where each source stands: last complete date stored, lag, the last run's result, whether a
// process is ingesting it now, and when the daemon runs next. `pauta status`, the health endpoint
// and the metrics all read this one view.
import { daysBetween } from '../core/dates.ts';
import type { PautaConfig } from '../config/load.ts';
import { CronSchedule } from '../daemon/cron.ts';
import type { Store } from '../store/store.ts';
import { lastCompleteDay } from './plan.ts';

export interface LastRun {
  runId: string;
  /** `schedule`, `run`, `backfill`, … */
  trigger: string;
  /** `failed` if any window failed, `busy` if another process held the source, else `ok`. */
  status: 'ok' | 'failed' | 'busy';
  windows: number;
  rows: number;
  /** The failure, or for an ok run a note such as a skipped account. */
  error: string | null;
  startedAt: string;
  finishedAt: string;
}

export interface SourceStatusLine {
  sourceId: string;
  platform: string;
  enabled: boolean;
  /** Last account-local date fully ingested (the cursor). */
  lastDate: string | null;
  /** The date the source should have reached: yesterday in its westernmost account's zone. */
  lastComplete: string;
  /** Days between lastDate and lastComplete (null before the first successful window). */
  lagDays: number | null;
  lastRun: LastRun | null;
  /** When a window of this source last committed (UTC). */
  lastSuccessAt: string | null;
  /** A process holding the source's lease right now. */
  ingestingNow: { holder: string; since: string } | null;
  /** Enabled and never ingested, or lagging more than the threshold. */
  stale: boolean;
}

export interface StatusReport {
  now: string;
  staleAfterDays: number;
  schedule: { cron: string; timezone: string; nextRunAt: string | null };
  sources: SourceStatusLine[];
}

export async function sourceStatus(store: Store, config: Pick<PautaConfig, 'sources'>, now: Date, staleAfterDays: number): Promise<SourceStatusLine[]> {
  const out: SourceStatusLine[] = [];
  for (const s of config.sources) {
    const cursor = (await store.getCursor(s.id)) ?? null;
    const zones = (await store.db.selectFrom('accounts').select('time_zone').where('source_id', '=', s.id).execute()).map((r) => r.time_zone);
    const lastComplete = lastCompleteDay(now, zones);
    const lagDays = cursor === null ? null : Math.max(0, daysBetween(cursor, lastComplete));
    const lastOk = await store.db
      .selectFrom('ingest_run_log')
      .select('finished_at')
      .where('source_id', '=', s.id)
      .where('status', '=', 'ok')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const lease = await store.db
      .selectFrom('leases')
      .selectAll()
      .where('source_id', '=', s.id)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    out.push({
      sourceId: s.id,
      platform: s.platform,
      enabled: s.enabled,
      lastDate: cursor,
      lastComplete,
      lagDays,
      lastRun: await lastRun(store, s.id),
      lastSuccessAt: lastOk?.finished_at ?? null,
      ingestingNow: lease ? { holder: lease.holder, since: lease.acquired_at } : null,
      stale: s.enabled && (lagDays === null || lagDays > staleAfterDays),
    });
  }
  return out;
}

/** The source's most recent run, all its windows taken together. */
async function lastRun(store: Store, sourceId: string): Promise<LastRun | null> {
  const latest = await store.db
    .selectFrom('ingest_run_log')
    .select('run_id')
    .where('source_id', '=', sourceId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!latest) return null;
  const rows = await store.db
    .selectFrom('ingest_run_log')
    .selectAll()
    .where('source_id', '=', sourceId)
    .where('run_id', '=', latest.run_id)
    .orderBy('id')
    .execute();
  const failed = rows.find((r) => r.status === 'failed');
  const busy = rows.find((r) => r.status === 'busy');
  // A `retried` entry is an attempt that was fetched again, not the run's outcome.
  const noted = rows.find((r) => r.error !== null && r.status !== 'retried');
  return {
    runId: latest.run_id,
    trigger: rows[0]!.trigger,
    status: failed ? 'failed' : busy ? 'busy' : 'ok',
    windows: rows.filter((r) => r.status === 'ok' && r.window_from !== null).length,
    rows: rows.reduce((n, r) => n + r.rows, 0),
    error: (failed ?? busy ?? noted)?.error ?? null,
    startedAt: rows.map((r) => r.started_at).reduce((a, b) => (a <= b ? a : b)),
    finishedAt: rows.map((r) => r.finished_at).reduce((a, b) => (a >= b ? a : b)),
  };
}

/** Everything `pauta status` shows: the sources and the daemon's next scheduled run. */
export async function statusReport(store: Store, config: PautaConfig, now: Date, staleAfterDays: number): Promise<StatusReport> {
  const schedule = new CronSchedule(config.schedule.cron, config.schedule.timezone);
  try {
    return {
      now: now.toISOString(),
      staleAfterDays,
      schedule: {
        cron: config.schedule.cron,
        timezone: config.schedule.timezone,
        nextRunAt: schedule.next(now)?.toISOString() ?? null,
      },
      sources: await sourceStatus(store, config, now, staleAfterDays),
    };
  } finally {
    schedule.dispose();
  }
}
