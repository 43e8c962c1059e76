// Google's OAuth 2.0 token endpoint (https://oauth2.googleapis.com/token), as Google Ads and
// Bid Manager clients call it: the refresh-token grant (google-auth-library OAuth2Client) and
// the JWT-bearer grant (service-account JWT client). Errors have Google's shape.
import { formBody, json, type PlatformSandbox } from './http.ts';

/** The only access token the sandbox's APIs accept. */
export const SANDBOX_ACCESS_TOKEN = 'ya29.sandbox-access-token';
export const SANDBOX_REFRESH_TOKEN = 'sandbox-refresh-token';

/** The OAuth clients the sandbox knows (client id → secret), one per platform's demo source. */
export const SANDBOX_OAUTH_CLIENTS: Readonly<Record<string, string>> = {
  'sandbox-client-id.apps.googleusercontent.com': 'sandbox-client-secret',
  'sandbox-dv360-client.apps.googleusercontent.com': 'sandbox-dv360-client-secret',
};

export const googleOAuthSandbox: PlatformSandbox = {
  name: 'google_oauth',
  handle(req) {
    if (req.url.pathname !== '/token') return undefined;
    if (req.method !== 'POST') return json(405, { error: 'invalid_request', error_description: 'POST required' });
    const form = formBody(req);
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const clientId = form.get('client_id') ?? '';
      if (SANDBOX_OAUTH_CLIENTS[clientId] === undefined || SANDBOX_OAUTH_CLIENTS[clientId] !== form.get('client_secret')) {
        return json(401, { error: 'invalid_client', error_description: 'Unauthorized' });
      }
      if (form.get('refresh_token') !== SANDBOX_REFRESH_TOKEN) {
        return json(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      }
    } else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const parts = (form.get('assertion') ?? '').split('.');
      if (parts.length !== 3) return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    } else {
      return json(400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${grant ?? ''}` });
    }
    return json(200, { access_token: SANDBOX_ACCESS_TOKEN, expires_in: 3599, token_type: 'Bearer', scope: form.get('scope') ?? '' });
  },
};

/** True when the request carries the sandbox's bearer token. */
export function hasSandboxBearer(headers: Record<string, string | string[] | undefined>): boolean {
  return headers.authorization === `Bearer ${SANDBOX_ACCESS_TOKEN}`;
}
