// The daemon's optional HTTP endpoint (config `health:`), on loopback unless configured otherwise:
//   GET /healthz  200 while the daemon runs and no enabled source is stale, else 503; JSON body.
//   GET /metrics  Prometheus text format.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';

export interface HealthSource {
  /** The body of /healthz and whether all is well. */
  health(): Promise<{ ok: boolean; body: unknown }>;
  metrics(): Promise<string>;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startHealthServer(host: string, port: number, source: HealthSource, log: Logger): Promise<HealthServer> {
  const server = createServer((req, res) => {
    void respond(req, res, source).catch((error: unknown) => {
      log.error({ path: req.url, err: error }, 'health endpoint failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${redact(describeError(error))}\n`);
    });
  });
  // Scrapes keep connections open; they must not hold the process at shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  if (!LOOPBACK.has(host)) log.warn({ url }, 'health endpoint listens beyond loopback: put it behind a firewall or a proxy');
  log.info({ url, endpoints: ['/healthz', '/metrics'] }, 'health endpoint listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, source: HealthSource): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    const { ok, body } = await source.health();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : `${redact(JSON.stringify(body))}\n`);
    return;
  }
  if (path === '/metrics') {
    const text = await source.metrics();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found: try /healthz or /metrics\n');
}
