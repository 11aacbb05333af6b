/**
 * The console's one way to the server: JSON calls to /console/api/* with the session cookie.
 * A 401 from anything ends the session (`onUnauthorized`); other failures throw `ApiError`
 * carrying the AWS error code and message, shown verbatim as `Code: message`.
 */

export interface Session { accountId: string; accessKeyId: string; expiresAt: string }

export type Service = 'ec2' | 'elbv2' | 'route53resolver';

/** Query-form parameters, flattened as the AWS CLI sends them (`VpcEndpointId.1`, `Filter.1.Name`). */
export type Params = Record<string, string>;

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
  /** What the console shows: the AWS error text. */
  get text(): string { return `${this.code}: ${this.message}`; }
}

/** Any thrown value as the text an alert shows. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.text;
  if (e instanceof Error) return e.message;
  return String(e);
}

export interface MetricsSample {
  t: number;
  endpoints: Record<string, { bytesProcessed: number; activeConnections: number; newConnections: number; packetsDropped?: number; rstPacketsReceived?: number }>;
  services: Record<string, { bytesProcessed: number; activeConnections: number; newConnections: number; endpointsCount?: number }>;
}
export interface MetricsReply { available: boolean; reason?: string; intervalMs: number; samples: MetricsSample[] }

export interface FlowRecord {
  start?: number; end?: number; interfaceId?: string | null; srcAddr?: string | null; srcPort?: number | null;
  dstAddr?: string | null; dstPort?: number | null; action?: 'ACCEPT' | 'REJECT' | null; rejectReason?: string | null;
  reason?: string | null; bytes?: number | null; targetAddr?: string | null; targetPort?: number | null;
  vpcId?: string | null; accountId?: string | null;
  [field: string]: unknown;
}
export interface FlowsReply { available: boolean; reason?: string; records: FlowRecord[] }

const BASE = '/console/api';

export class ConsoleApi {
  readonly #onUnauthorized: (message: string) => void;

  constructor(onUnauthorized: (message: string) => void) {
    this.#onUnauthorized = onUnauthorized;
  }

  async #request<T>(method: string, path: string, body?: unknown, opts: { quietAuth?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-underpass-console'] = '1'; // the server's CSRF check (harmless on sign-in)
    const res = await fetch(`${BASE}${path}`, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : {}; } catch { json = undefined; }
    if (res.ok && json !== undefined) return json as T;
    const err = (json ?? {}) as { code?: string; message?: string };
    const error = new ApiError(err.code ?? `HTTP ${res.status}`, err.message ?? (text.slice(0, 200) || res.statusText), res.status);
    if (res.status === 401 && !opts.quietAuth) this.#onUnauthorized('session expired: sign in again');
    throw error;
  }

  signIn(accessKeyId: string, secretAccessKey: string): Promise<Session> {
    return this.#request('POST', '/session', { accessKeyId, secretAccessKey }, { quietAuth: true });
  }

  /** The current session, or null when not signed in (a 401, or a 2xx without an account). */
  async session(): Promise<Session | null> {
    try {
      const s = await this.#request<Session | undefined>('GET', '/session', undefined, { quietAuth: true });
      return s?.accountId ? s : null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  }

  signOut(): Promise<void> {
    return this.#request('DELETE', '/session', undefined, { quietAuth: true });
  }

  /** One AWS action as the signed-in account; resolves to the SDK-shaped output. */
  async call<T = any>(service: Service, action: string, params: Params = {}): Promise<T> {
    const r = await this.#request<{ result: T }>('POST', '/call', { service, action, params });
    return r.result;
  }

  metrics(since: number): Promise<MetricsReply> {
    return this.#request('GET', `/metrics?since=${since}`);
  }

  flows(q: { limit?: number; action?: string; text?: string }): Promise<FlowsReply> {
    const sp = new URLSearchParams();
    if (q.limit) sp.set('limit', String(q.limit));
    if (q.action) sp.set('action', q.action);
    if (q.text) sp.set('text', q.text);
    return this.#request('GET', `/flows?${sp}`);
  }
}

/** `VpcEndpointId.1`, `VpcEndpointId.2`, … for a list member in the EC2 Query form. */
export function listParams(name: string, values: readonly string[]): Params {
  const out: Params = {};
  values.forEach((v, i) => { out[`${name}.${i + 1}`] = v; });
  return out;
}

/**
 * Batch actions (Accept/RejectVpcEndpointConnections, DeleteVpcEndpoints) answer 200 and list the
 * items that failed under `Unsuccessful`: those become an error like any other.
 */
export function throwUnsuccessful<T extends { Unsuccessful?: Array<{ ResourceId?: string; Error?: { Code?: string; Message?: string } }> }>(result: T): T {
  const failed = result?.Unsuccessful ?? [];
  if (failed.length === 0) return result;
  const first = failed[0]!;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  throw new ApiError(first.Error?.Code ?? 'Unsuccessful', `${first.ResourceId ?? ''}: ${first.Error?.Message ?? ''}${more}`, 200);
}
