/** Builds the authenticator for a mode. */
import { ApiError } from '../../core/errors.js';
import type { AuthOptions, Authenticator, AuthResult, HttpRequestParts } from './authenticator.js';

function header(req: HttpRequestParts, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** TEMPORARY (being replaced by the SigV4 verifier): reads the credential scope, verifies nothing. */
export function createAuthenticator(opts: AuthOptions): Authenticator {
  return {
    mode: opts.mode,
    async authenticate(req: HttpRequestParts): Promise<AuthResult> {
      const auth = header(req, 'authorization');
      const m = auth && /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
      if (!m) throw new ApiError('MissingAuthenticationToken', 'Request is missing Authentication Token');
      const key = m[1]!;
      const account = /^\d{12}$/.test(key) ? key : opts.defaultAccount;
      return { account, principalArn: `arn:aws:iam::${account}:root`, accessKeyId: key, service: m[4] };
    },
  };
}
