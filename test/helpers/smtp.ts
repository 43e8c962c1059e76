// A real SMTP server on loopback (smtp-server) for the report e-mail tests. It offers STARTTLS with
// a self-signed certificate checked in under test/fixtures/smtp (made once with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
//     -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
// ), accepts a login only after STARTTLS, and keeps every message it receives, parsed.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/smtp');
/** The server's certificate: the file a client must be told to trust (report.email.smtp.ca_file). */
export const SMTP_CERT_FILE = path.join(FIXTURES, 'server-cert.pem');
export const SMTP_USER = 'pauta@example.org';
export const SMTP_PASSWORD = 'smtp-test-password-4f9b2c';

export interface ReceivedMail {
  /** The SMTP envelope: MAIL FROM and every RCPT TO. */
  from: string;
  to: string[];
  /** The session had been upgraded to TLS (STARTTLS) when the message came. */
  secure: boolean;
  /** The user the session logged in as. */
  user: string | undefined;
  raw: string;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  received: ReceivedMail[];
  /** Every login attempt: method, user and whether it was accepted. */
  logins: { method: string; user: string; ok: boolean; secure: boolean }[];
  close: () => Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const logins: TestSmtpServer['logins'] = [];
  const server = new SMTPServer({
    key: readFileSync(path.join(FIXTURES, 'server-key.pem')),
    cert: readFileSync(SMTP_CERT_FILE),
    authMethods: ['PLAIN', 'LOGIN'],
    // The default, said out loud: no login on a connection that has not done STARTTLS.
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, session, callback) {
      const ok = auth.username === SMTP_USER && auth.password === SMTP_PASSWORD;
      logins.push({ method: auth.method, user: auth.username ?? '', ok, secure: session.secure });
      if (ok) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              user: session.user,
              raw,
              parsed,
            });
            callback();
          },
          (e: Error) => callback(e),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    received,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on: a server that is down. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
