// The sandbox's Google token endpoint refuses what Google refuses, with Google's error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleOAuthSandbox, SANDBOX_REFRESH_TOKEN } from '../src/sandbox/google-oauth.ts';
import { startSandboxServer, type RunningSandbox } from '../src/sandbox/http.ts';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandboxServer([googleOAuthSandbox]);
});
afterAll(async () => {
  await sandbox.close();
});

async function token(form: Record<string, string>) {
  const res = await fetch(`${sandbox.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const client = { client_id: 'sandbox-client-id.apps.googleusercontent.com', client_secret: 'sandbox-client-secret' };

describe('sandbox Google OAuth token endpoint', () => {
  it('grants an access token for a known client and refresh token', async () => {
    const r = await token({ grant_type: 'refresh_token', refresh_token: SANDBOX_REFRESH_TOKEN, ...client });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
  });

  it('refuses a wrong client secret as invalid_client', async () => {
    const r = await token({ grant_type: 'refresh_token', refresh_token: SANDBOX_REFRESH_TOKEN, ...client, client_secret: 'wrong' });
    expect(r).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } });
  });

  it('refuses a revoked refresh token as invalid_grant', async () => {
    const r = await token({ grant_type: 'refresh_token', refresh_token: 'revoked', ...client });
    expect(r).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } });
  });
});
