// The sandbox's fault switchboard: every ordinary fault a platform shows, by name, armed a number
// of times and taken by the route that produces it, over real loopback HTTP. Tests arm them
// (`sandbox.ctx.faults.arm('x_ads.job_failed', 2)`); an operator arms them on a running sandbox
// (`pauta sandbox --fault x_ads.job_failed=2`, or `POST /sandbox/faults?arm=x_ads.job_failed&times=2`).
import { UsageError } from '../core/errors.ts';

/**
 * `transient`: pauta must end exact in one run (request or window retries absorb it).
 * `permanent`: the source stops for the run, naming the cause; earlier windows stay.
 * `skip`: an account is not read for the window; its stored rows stay (the run is ok).
 */
export type FaultKind = 'transient' | 'permanent' | 'skip';

export interface FaultInfo {
  name: string;
  kind: FaultKind;
  /** What the platform does, as its documentation or issue trackers describe it. */
  what: string;
}

export const FAULTS = [
  // Google Ads API (searchStream over REST)
  { name: 'google_ads.temporarily_exhausted', kind: 'transient', what: 'RESOURCE_TEMPORARILY_EXHAUSTED, "Retry in 1 seconds."' },
  { name: 'google_ads.internal_error', kind: 'transient', what: 'INTERNAL_ERROR as the HTTP 500 answer' },
  { name: 'google_ads.mid_stream_error', kind: 'transient', what: 'half the rows, then an INTERNAL error element, after HTTP 200' },
  { name: 'google_ads.unavailable', kind: 'transient', what: 'HTTP 503 UNAVAILABLE' },
  { name: 'google_ads.stream_cut', kind: 'transient', what: 'the searchStream connection reset half-way through the body' },
  { name: 'google_ads.quota_exhausted', kind: 'permanent', what: 'RESOURCE_EXHAUSTED: the developer token\'s daily operations are spent' },
  { name: 'google_ads.permission_denied', kind: 'permanent', what: 'USER_PERMISSION_DENIED for the customer' },
  { name: 'google_ads.customer_not_enabled', kind: 'skip', what: 'CUSTOMER_NOT_ENABLED for the customer' },
  // Bid Manager API v2 and the report download
  { name: 'dv360.rate_limit', kind: 'transient', what: '429 RESOURCE_EXHAUSTED, queries per minute' },
  { name: 'dv360.server_error', kind: 'transient', what: '503 UNAVAILABLE' },
  { name: 'dv360.slow_report', kind: 'transient', what: 'a report stays RUNNING four more polls' },
  { name: 'dv360.report_failed', kind: 'transient', what: 'a report finishes FAILED on Google\'s side' },
  { name: 'dv360.query_deleted', kind: 'transient', what: 'the saved query was deleted (404 on :run)' },
  { name: 'dv360.download_unavailable', kind: 'transient', what: '503 from Cloud Storage on the report download' },
  { name: 'dv360.download_cut', kind: 'transient', what: 'the report download reset half-way through' },
  { name: 'dv360.daily_quota', kind: 'permanent', what: '429 RESOURCE_EXHAUSTED, queries per day' },
  // X Ads API v12 and the job files
  { name: 'x_ads.rate_limit', kind: 'transient', what: '429 with x-rate-limit-reset a minute ahead' },
  { name: 'x_ads.unavailable', kind: 'transient', what: '503 with Retry-After: 2' },
  { name: 'x_ads.too_many_jobs', kind: 'transient', what: '400 TOO_MANY_JOBS on creating a job' },
  { name: 'x_ads.job_slow', kind: 'transient', what: 'a job stays PROCESSING one more poll' },
  { name: 'x_ads.job_failed', kind: 'transient', what: 'a job ends FAILED' },
  { name: 'x_ads.job_gone', kind: 'transient', what: 'a job is no longer listed by GET stats/jobs' },
  { name: 'x_ads.jobs_paged', kind: 'transient', what: 'GET stats/jobs answers one job per page (next_cursor to the rest)' },
  { name: 'x_ads.download_unavailable', kind: 'transient', what: '503 on a job file download' },
  { name: 'x_ads.download_cut', kind: 'transient', what: 'a job file ends early (the connection closed half-way, no length announced)' },
  { name: 'x_ads.unauthorized', kind: 'permanent', what: '401 UNAUTHORIZED_ACCESS (the OAuth tokens were revoked)' },
  { name: 'x_ads.regions_unavailable', kind: 'permanent', what: 'REGIONS segmentation rejected, as on an API without it' },
] as const satisfies readonly FaultInfo[];

export type FaultName = (typeof FAULTS)[number]['name'];

export function faultsOf(platform: string, kind?: FaultKind): FaultInfo[] {
  return FAULTS.filter((f) => f.name.startsWith(`${platform}.`) && (kind === undefined || f.kind === kind));
}

const KNOWN = new Set<string>(FAULTS.map((f) => f.name));

/**
 * A fault may be narrowed to one target with a suffix after a colon (`dv360.report_failed:2021-10-02`:
 * the report of the range starting that day); the name before it must be known.
 */
function isKnown(name: string): boolean {
  return KNOWN.has(name.split(':', 1)[0]!);
}

/** Faults armed on one sandbox: `arm(name, times)`, then the route that produces it `take`s one. */
export class Faults {
  private readonly armed = new Map<string, number>();

  arm(name: FaultName | (string & {}), times = 1): void {
    if (!isKnown(name)) throw new UsageError(`unknown sandbox fault "${name}"; known: ${[...KNOWN].join(', ')}`);
    if (!Number.isInteger(times) || times < 1) throw new UsageError(`sandbox fault ${name}: times must be a whole number ≥ 1, got ${times}`);
    this.armed.set(name, (this.armed.get(name) ?? 0) + times);
  }

  take(name: FaultName | (string & {})): boolean {
    if (!isKnown(name)) throw new Error(`sandbox route takes unknown fault "${name}" (add it to FAULTS)`);
    const n = this.armed.get(name) ?? 0;
    if (n <= 0) return false;
    if (n === 1) this.armed.delete(name);
    else this.armed.set(name, n - 1);
    return true;
  }

  /** What is still armed, by name. */
  pending(): Record<string, number> {
    return Object.fromEntries(this.armed);
  }

  clear(): void {
    this.armed.clear();
  }
}

/** `name` or `name=times`, as `pauta sandbox --fault` takes it. */
export function parseFaultOption(value: string): { name: string; times: number } {
  const m = /^([a-z0-9_.]+)(?:=(\d+))?$/.exec(value.trim());
  if (!m || !KNOWN.has(m[1]!)) throw new UsageError(`--fault ${value}: expected NAME or NAME=TIMES with a known fault; known: ${[...KNOWN].join(', ')}`);
  const times = m[2] === undefined ? 1 : Number(m[2]);
  if (times < 1) throw new UsageError(`--fault ${value}: TIMES must be 1 or more`);
  return { name: m[1]!, times };
}
