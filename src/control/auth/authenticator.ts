/** Who is calling: the contract between the HTTP server and the SigV4/account modes. */
import type { Caller } from '../api/context.js';
import type { Store } from '../store/store.js';

export type AuthMode = 'dev' | 'open' | 'strict';

export interface HttpRequestParts {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The raw query string, without '?'. */
  query: string;
  /** Header names lower-cased, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AuthResult extends Caller {
  /** The SigV4 credential scope's service (ec2, elasticloadbalancing), when the request is signed. */
  service?: string;
}

export interface Authenticator {
  readonly mode: AuthMode;
  /** Identifies and verifies the caller; throws ApiError (AuthFailure, SignatureDoesNotMatch, …). */
  authenticate(req: HttpRequestParts): Promise<AuthResult>;
}

export interface AuthOptions {
  mode: AuthMode;
  region: string;
  /** The account of unrecognised keys in open mode. */
  defaultAccount: string;
  store: Store;
  clock?: () => Date;
  /** How far a request's signing time may be from the server's clock (default 15 minutes, as AWS). */
  maxSkewMs?: number;
}
