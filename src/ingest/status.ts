// Where each source stands: last complete date stored, lag, last run's result.
import { daysBetween } from '../core/dates.ts';
import type { PautaConfig } from '../config/load.ts';
import type { Store } from '../store/store.ts';
import { lastCompleteDay } from './plan.ts';

export interface SourceStatusLine {
  sourceId: string;
  platform: string;
  enabled: boolean;
  /** Last account-local date fully ingested. */
  lastDate: string | null;
  /** Days between the last complete day and lastDate (null before the first run). */
  lagDays: number | null;
  lastRun: { status: string; error: string | null; finishedAt: string; window: string | null } | null;
  lastSuccessAt: string | null;
  stale: boolean;
}

export async function sourceStatus(store: Store, config: PautaConfig, now: Date, staleAfterDays: number): Promise<SourceStatusLine[]> {
  const out: SourceStatusLine[] = [];
  for (const s of config.sources) {
    const cursor = (await store.getCursor(s.id)) ?? null;
    const zones = (await store.db.selectFrom('accounts').select('time_zone').where('source_id', '=', s.id).execute()).map((r) => r.time_zone);
    const lastComplete = lastCompleteDay(now, zones);
    const lagDays = cursor === null ? null : Math.max(0, daysBetween(cursor, lastComplete));
    const last = await store.db
      .selectFrom('ingest_run_log')
      .selectAll()
      .where('source_id', '=', s.id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const lastOk = await store.db
      .selectFrom('ingest_run_log')
      .select('finished_at')
      .where('source_id', '=', s.id)
      .where('status', '=', 'ok')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    out.push({
      sourceId: s.id,
      platform: s.platform,
      enabled: s.enabled,
      lastDate: cursor,
      lagDays,
      lastRun: last
        ? {
            status: last.status,
            error: last.error,
            finishedAt: last.finished_at,
            window: last.window_from ? `${last.window_from}..${last.window_to}` : null,
          }
        : null,
      lastSuccessAt: lastOk?.finished_at ?? null,
      stale: s.enabled && (lagDays === null || lagDays > staleAfterDays),
    });
  }
  return out;
}
