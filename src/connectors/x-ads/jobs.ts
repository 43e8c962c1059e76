// Async stats jobs: create (POST stats/jobs), poll (GET stats/jobs?job_ids=…) until SUCCESS with a
// url, download the gzip file. Job ids of a window are remembered in the connector state, so a
// retry of the same window reuses finished (or still running) jobs instead of creating them again.
// https://docs.x.com/x-ads-api/analytics#asynchronous-analytics
import { z } from 'zod';
import { stateKeyFamily, type StateKey } from '../state.ts';
import type { ConnectorContext } from '../types.ts';
import type { DateWindow } from '../../core/dates.ts';
import { FatalError, TransientError, WaitTimeoutError } from '../../core/errors.ts';
import type { XAdsClient, JobRequest } from './client.ts';
import { XAdsFatalError } from './errors.ts';
import type { XJob, XStats } from './payloads.ts';

/** Connector state: the jobs an account-window created, by the key of their parameters; deleted once the window is stored. */
export const windowJobs = stateKeyFamily(
  (accountId: string, window: DateWindow) => `jobs:${accountId}:${window.from}:${window.to}`,
  z.array(z.object({ key: z.string(), id: z.string().regex(/^\d+$/) })),
);
type RememberedJob = z.infer<ReturnType<typeof windowJobs>['schema']>[number];

export interface JobSpec {
  /** Identifies the job's parameters within a window. */
  key: string;
  request: JobRequest;
  /** For messages: the ISO country the job segments. */
  countryCode: string;
}

export interface JobRunOptions {
  accountId: string;
  /** Connector-state key of this account-window's jobs. */
  stateKey: StateKey<RememberedJob[]>;
  timeoutMs: number;
  /** First wait between status polls; it grows by half each time, up to `maxPollMs`. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** The session's job slots, when several windows may create jobs at once. */
  slots?: JobSlots;
}

const DONE = 'SUCCESS';
const GONE = new Set(['FAILED', 'EXPIRED', 'CANCELLED']);

export function jobSpecKey(r: JobRequest): string {
  return `${r.placement}|${r.country}|${r.range.from}..${r.range.to}|${r.entityIds.join(',')}`;
}

/** A 400 on creating a REGIONS job: the segmentation (or its `country`) is not available. */
function regionsRejected(error: unknown): error is XAdsFatalError {
  if (!(error instanceof XAdsFatalError) || error.status !== 400) return false;
  return error.details.some(
    (d) =>
      d.parameter === 'segmentation_type' ||
      d.parameter === 'country' ||
      /REGIONS|segmentation/i.test(d.message) ||
      d.code === 'FEATURE_NOT_AVAILABLE',
  );
}

function describe(spec: JobSpec): string {
  const r = spec.request;
  return `${r.segmentationType} job (country ${spec.countryCode}, ${r.range.from}..${r.range.to}, ${r.entityIds.length} ${r.entity.toLowerCase()}(s))`;
}

function expired(job: XJob, now: Date): boolean {
  return job.expires_at != null && Date.parse(job.expires_at) <= now.getTime();
}

/**
 * At most this many of our jobs run at once per account, whatever the number of windows fetched
 * at once: the account's limit is 100 PROCESSING jobs, shared with whoever else reads it; a bigger
 * window is done in batches, and a window whose batch does not fit waits for another's to finish.
 */
export const MAX_JOBS_AT_ONCE = 50;

/** One per session: the job slots of each account, shared by every window the session fetches. */
export class JobSlots {
  private readonly used = new Map<string, number>();
  private readonly waiting: { accountId: string; n: number; grant: () => void }[] = [];

  constructor(private readonly perAccount = MAX_JOBS_AT_ONCE) {}

  /** Waits until `n` more jobs of the account may run; the returned function gives them back. */
  async take(accountId: string, n: number): Promise<() => void> {
    if (n > this.perAccount) throw new RangeError(`${n} jobs at once exceed the ${this.perAccount} allowed per account`);
    if (!this.fits(accountId, n) || this.waiting.some((w) => w.accountId === accountId)) {
      await new Promise<void>((grant) => this.waiting.push({ accountId, n, grant }));
    } else {
      this.used.set(accountId, (this.used.get(accountId) ?? 0) + n);
    }
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used.set(accountId, (this.used.get(accountId) ?? 0) - n);
      this.grantWaiting();
    };
  }

  private fits(accountId: string, n: number): boolean {
    return (this.used.get(accountId) ?? 0) + n <= this.perAccount;
  }

  /** First come, first served within an account. */
  private grantWaiting(): void {
    const blocked = new Set<string>();
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i]!;
      if (!blocked.has(w.accountId) && this.fits(w.accountId, w.n)) {
        this.waiting.splice(i, 1);
        this.used.set(w.accountId, (this.used.get(w.accountId) ?? 0) + w.n);
        w.grant();
      } else {
        blocked.add(w.accountId);
        i += 1;
      }
    }
  }
}

/** Runs the jobs (reusing remembered ones) and returns each spec's downloaded stats by key. */
export async function runJobs(
  client: XAdsClient,
  ctx: Pick<ConnectorContext, 'state' | 'sleep' | 'now' | 'log'>,
  specs: readonly JobSpec[],
  opts: JobRunOptions,
): Promise<Map<string, XStats>> {
  const wanted = new Set(specs.map((s) => s.key));
  let remembered = ((await ctx.state.get(opts.stateKey)) ?? []).filter((j) => wanted.has(j.key));
  const save = () => ctx.state.set(opts.stateKey, remembered);
  const forget = async (id: string) => {
    remembered = remembered.filter((j) => j.id !== id);
    await save();
  };
  const idOf = (spec: JobSpec) => remembered.find((j) => j.key === spec.key)?.id;

  // Jobs a previous attempt created: keep those still running or done, forget the rest.
  const known = new Map<string, XJob>();
  if (remembered.length > 0) {
    for (const job of await client.jobs(opts.accountId, remembered.map((j) => j.id))) known.set(job.id_str, job);
    for (const j of [...remembered]) {
      const job = known.get(j.id);
      if (!job || GONE.has(job.status) || expired(job, ctx.now())) {
        known.delete(j.id);
        await forget(j.id);
      }
    }
    if (remembered.length > 0) ctx.log.info({ jobs: remembered.map((j) => j.id) }, 'reusing X Ads jobs of an earlier attempt');
  }

  const create = async (spec: JobSpec): Promise<void> => {
    let job: XJob;
    try {
      job = await client.createJob(opts.accountId, spec.request);
    } catch (error) {
      if (regionsRejected(error)) {
        throw new FatalError(
          `X Ads rejected segmentation_type=REGIONS (${error.message}). Region segmentation is not available here; ` +
            `set geo.strategy: targeting for this source to attribute each line item's impressions to its single targeted location. ` +
            `No geography was stored for this window.`,
          { cause: error },
        );
      }
      throw error;
    }
    known.set(job.id_str, job);
    remembered.push({ key: spec.key, id: job.id_str });
    await save();
  };

  const started = ctx.now().getTime();
  let slept = 0;
  const maxPoll = opts.maxPollMs ?? 60_000;
  /** Polls with growing waits until every job of the batch is SUCCESS with a url. */
  const waitFor = async (batch: readonly JobSpec[]): Promise<void> => {
    let delay = opts.firstPollMs ?? 5_000;
    for (;;) {
      const pending: string[] = [];
      for (const spec of batch) {
        const id = idOf(spec)!;
        const job = known.get(id);
        if (job && GONE.has(job.status)) {
          await forget(id);
          // Transient: the runner fetches the window again, which creates the job again.
          throw new TransientError(
            `X Ads ${describe(spec)} ended ${job.status}; it is forgotten and created again when the window is fetched again. ` +
              `If REGIONS jobs keep failing, set geo.strategy: targeting for this source.`,
          );
        }
        if (!(job?.status === DONE && job.url)) pending.push(id);
      }
      if (pending.length === 0) return;
      const elapsed = Math.max(slept, ctx.now().getTime() - started);
      if (elapsed >= opts.timeoutMs) {
        throw new WaitTimeoutError(
          `X Ads async job(s) ${pending.join(', ')} still not done after ${Math.round(elapsed / 60_000)} min (jobs.timeout_minutes); ` +
            `they are remembered and will be reused when the window runs again`,
        );
      }
      const wait = Math.min(delay, opts.timeoutMs - elapsed);
      await ctx.sleep(wait);
      slept += wait;
      delay = Math.min(maxPoll, Math.round(delay * 1.5));
      const polled = await client.jobs(opts.accountId, pending);
      for (const id of pending) {
        const job = polled.find((j) => j.id_str === id);
        if (!job) {
          // Not on any page of GET stats/jobs (every page was read): X dropped it.
          await forget(id);
          throw new TransientError(`X Ads async job ${id} is no longer listed by GET stats/jobs; it is created again when the window is fetched again`);
        }
        known.set(id, job);
      }
    }
  };

  const out = new Map<string, XStats>();
  for (let i = 0; i < specs.length; i += MAX_JOBS_AT_ONCE) {
    const batch = specs.slice(i, i + MAX_JOBS_AT_ONCE);
    const release = (await opts.slots?.take(opts.accountId, batch.length)) ?? (() => undefined);
    try {
      for (const spec of batch) if (!idOf(spec)) await create(spec);
      await waitFor(batch);
    } finally {
      // Done, failed or timed out: either way these jobs no longer count as ours to wait for.
      release();
    }
    for (const spec of batch) {
      const job = known.get(idOf(spec)!)!;
      try {
        out.set(spec.key, await client.download(job.url!, `job ${job.id_str}`));
      } catch (error) {
        // An expired or refused download link cannot be retried: the job must be created again.
        if (error instanceof XAdsFatalError) await forget(job.id_str);
        throw error;
      }
    }
  }
  return out;
}
