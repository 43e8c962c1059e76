// Who holds a source's lease, as written in the lease table: `host:pid:tag` for a command,
// `daemon@host:pid` for the daemon. A holder on this host whose process is gone (killed, OOM,
// a reboot) is known dead at once, so its lease is taken over without waiting for it to expire.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

/** Short enough that a process gone on another host blocks its sources for seconds; the heartbeat renews it. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

export function commandHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export function daemonHolder(): string {
  return `daemon@${hostname()}:${process.pid}`;
}

/** The host and pid a holder names, or undefined for a name pauta did not write. */
export function parseHolder(holder: string): { host: string; pid: number } | undefined {
  const m = /^(?:[^@:]+@)?([^:@]+):(\d+)(?::[\w-]*)?$/.exec(holder);
  if (!m) return undefined;
  const pid = Number(m[2]);
  return Number.isSafeInteger(pid) && pid > 0 ? { host: m[1]!, pid } : undefined;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True only when the holder names this host and a pid no process has now. */
export function holderIsDeadHere(holder: string, host: string = hostname()): boolean {
  const parsed = parseHolder(holder);
  if (!parsed || parsed.host !== host || parsed.pid === process.pid) return false;
  return !processExists(parsed.pid);
}
