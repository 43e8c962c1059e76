// The sandbox's HTTP plumbing: one loopback server, each platform a set of routes on the same
// paths as its real host (the paths never collide: /v25/… Google Ads, /v2/… Bid Manager,
// /12/… X Ads, /token Google OAuth, /downloads/… signed-URL downloads).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

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
}

/** Faults tests and benchmarks switch on: `faults.arm('x_ads.rate_limit', 1)`, then a route `take`s it. */
export class Faults {
  private readonly armed = new Map<string, number>();
  arm(name: string, times = 1): void {
    this.armed.set(name, (this.armed.get(name) ?? 0) + times);
  }
  take(name: string): boolean {
    const n = this.armed.get(name) ?? 0;
    if (n <= 0) return false;
    this.armed.set(name, n - 1);
    return true;
  }
  clear(): void {
    this.armed.clear();
  }
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
      void route(platforms, sreq, ctx)
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
  res.writeHead(r.status, headers);
  res.end(body);
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
