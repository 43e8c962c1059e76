// The sandbox's HTTP plumbing: one loopback server, each platform a set of routes on the same
// paths as its real host (the paths never collide: /v25/… Google Ads, /v2/… Bid Manager,
// /12/… X Ads, /token Google OAuth, /downloads/… signed-URL downloads).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults } from './faults.ts';

export { Faults } from './faults.ts';

export interface SandboxRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: string | Buffer | object;
  /**
   * A body cut short: `reset` announces the whole length, sends half and resets the connection;
   * `close` announces no length, sends half and ends cleanly (a proxy that gave up).
   */
  cut?: 'reset' | 'close';
}

export interface SandboxContext {
  /** `http://127.0.0.1:PORT`, for URLs the sandbox hands out (downloads). */
  baseUrl: string;
  faults: Faults;
  /** Every request seen, for tests that assert on what a connector sent. */
  requests: SandboxRequest[];
  /**
   * Status polls before a DV360 report is DONE or an X Ads job SUCCESS (each platform's default
   * when absent: 2 and 1), so benchmarks and tests can make reports take several polls.
   */
  pollsUntilDone?: number | undefined;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** See `SandboxContext.pollsUntilDone`. */
  pollsUntilDone?: number;
  /** Every answer waits this long, as a platform across the internet would. */
  latencyMs?: number;
}

export interface PlatformSandbox {
  name: string;
  /** Answers the request, or returns undefined when the path is not this platform's. */
  handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse | undefined> | SandboxResponse | undefined;
}

export interface RunningSandbox {
  baseUrl: string;
  port: number;
  ctx: SandboxContext;
  close(): Promise<void>;
}

export async function startSandboxServer(
  platforms: readonly PlatformSandbox[],
  options: SandboxOptions = {},
): Promise<RunningSandbox> {
  if (options.pollsUntilDone !== undefined && !(Number.isInteger(options.pollsUntilDone) && options.pollsUntilDone >= 1)) {
    throw new RangeError(`sandbox: pollsUntilDone must be a whole number ≥ 1, got ${options.pollsUntilDone}`);
  }
  const ctx: SandboxContext = { baseUrl: '', faults: new Faults(), requests: [], pollsUntilDone: options.pollsUntilDone };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sreq: SandboxRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', ctx.baseUrl),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      ctx.requests.push(sreq);
      const control = faultControl(sreq, ctx);
      if (control) return send(res, control);
      const latency = options.latencyMs ?? 0;
      const answered = latency > 0 ? new Promise((r) => setTimeout(r, latency)).then(() => route(platforms, sreq, ctx)) : route(platforms, sreq, ctx);
      void answered
        .then((r) => send(res, r))
        .catch((e: unknown) => send(res, { status: 500, body: { error: { code: 500, message: `sandbox error: ${String(e)}`, status: 'INTERNAL' } } }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.baseUrl = `http://${host}:${port}`;
  return {
    baseUrl: ctx.baseUrl,
    port,
    ctx,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function route(platforms: readonly PlatformSandbox[], req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
  for (const p of platforms) {
    const r = await p.handle(req, ctx);
    if (r) return r;
  }
  return { status: 404, body: { error: `sandbox: no route for ${req.method} ${req.url.pathname}` } };
}

function send(res: http.ServerResponse, r: SandboxResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let body: string | Buffer = '';
  if (Buffer.isBuffer(r.body) || typeof r.body === 'string') body = r.body;
  else if (r.body !== undefined) {
    body = JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  if (r.cut !== undefined) {
    const bytes = Buffer.from(body);
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    if (r.cut === 'close') {
      res.writeHead(r.status, { ...headers, connection: 'close' });
      res.end(half);
      return;
    }
    res.writeHead(r.status, { ...headers, 'content-length': String(bytes.length) });
    res.write(half, () => res.socket?.destroy());
    return;
  }
  res.writeHead(r.status, headers);
  res.end(body);
}

/**
 * The switchboard over HTTP, for an operator trying pauta against a running sandbox:
 * `GET /sandbox/faults` lists what is armed; `POST /sandbox/faults?arm=NAME&times=N` arms one.
 */
function faultControl(req: SandboxRequest, ctx: SandboxContext): SandboxResponse | undefined {
  if (req.url.pathname !== '/sandbox/faults') return undefined;
  if (req.method === 'POST') {
    const name = req.url.searchParams.get('arm') ?? '';
    const times = Number(req.url.searchParams.get('times') ?? '1');
    try {
      ctx.faults.arm(name, times);
    } catch (e) {
      return { status: 400, body: { error: (e as Error).message } };
    }
  } else if (req.method === 'DELETE') {
    ctx.faults.clear();
  } else if (req.method !== 'GET') {
    return { status: 405, body: { error: 'GET, POST ?arm=NAME&times=N, or DELETE' } };
  }
  return { status: 200, body: { armed: ctx.faults.pending() } };
}

export function json(status: number, body: object, headers?: Record<string, string>): SandboxResponse {
  return headers ? { status, body, headers } : { status, body };
}

/** Form or JSON request bodies, as the OAuth endpoint receives them. */
export function formBody(req: SandboxRequest): URLSearchParams {
  const text = req.body.toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const obj = JSON.parse(text || '{}') as Record<string, string>;
    return new URLSearchParams(obj);
  }
  return new URLSearchParams(text);
}
