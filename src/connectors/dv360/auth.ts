// Credentials for Bid Manager: a service-account key file or an OAuth refresh token, both read
// through environment-variable names, with the token endpoint overridable (sandbox).
import { readFileSync } from 'node:fs';
import type { JWT, OAuth2Client } from 'google-auth-library';
import { FatalError } from '../../core/errors.ts';
import { SecretMissingError, readSecret, registerSecret } from '../../core/redact.ts';
import { bidManagerModule } from './bid-manager-api.ts';
import { BID_MANAGER_SCOPE, type Dv360Config } from './config.ts';

/** Where google-auth-library's JWT client always posts (it ignores the key's `token_uri`). */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export type BidManagerAuth = OAuth2Client | JWT;

interface ServiceAccountKey {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
}

function readKeyFile(variable: string, env: NodeJS.ProcessEnv): ServiceAccountKey {
  const file = env[variable];
  if (!file) throw new SecretMissingError(`DV360 service-account key file: environment variable ${variable} is not set`);
  let key: ServiceAccountKey;
  try {
    key = JSON.parse(readFileSync(file, 'utf8')) as ServiceAccountKey;
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? 'not JSON';
    throw new FatalError(`DV360 service-account key file ${file} (from ${variable}) cannot be read: ${reason}`);
  }
  if (key.type !== 'service_account' || !key.client_email || !key.private_key) {
    throw new FatalError(`DV360 service-account key file ${file} (from ${variable}) is not a service-account key (type, client_email, private_key)`);
  }
  registerSecret(key.private_key);
  registerSecret(key.private_key_id);
  return key;
}

/** Builds the auth client the googleapis Bid Manager client signs its requests with. */
export function createBidManagerAuth(cfg: Dv360Config, env: NodeJS.ProcessEnv): BidManagerAuth {
  const googleAuth = bidManagerModule().auth;
  const tokenUrl = cfg.endpoint?.token;
  const creds = cfg.credentials;
  if ('service_account_key_file_env' in creds) {
    const key = readKeyFile(creds.service_account_key_file_env, env);
    const jwt = new googleAuth.JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, scopes: [BID_MANAGER_SCOPE] });
    if (tokenUrl) {
      // The JWT client hard-codes Google's token URL; redirect that one request on its transporter.
      jwt.transporter.interceptors.request.add({
        resolved: async (options) => {
          if (options.url.toString() === GOOGLE_TOKEN_URL) options.url = new URL(tokenUrl);
          return options;
        },
      });
    }
    return jwt;
  }
  const clientId = readSecret(env, creds.client_id_env, 'DV360 OAuth client id');
  const clientSecret = readSecret(env, creds.client_secret_env, 'DV360 OAuth client secret');
  const refreshToken = readSecret(env, creds.refresh_token_env, 'DV360 OAuth refresh token');
  const client = new googleAuth.OAuth2({
    clientId,
    clientSecret,
    ...(tokenUrl ? { endpoints: { oauth2TokenUrl: tokenUrl } } : {}),
  });
  client.setCredentials({ refresh_token: refreshToken, scope: BID_MANAGER_SCOPE });
  return client;
}
