/**
 * A small client for the running Underpass's EC2 and ELBv2 Query APIs, used by `exec`, `demo` and
 * the other commands: requests signed with SigV4 (the SDK's own signer), parameters flattened the
 * way each API wants (`Name.N` for EC2, `Name.member.N` for ELBv2), XML answers parsed into plain
 * objects whose lists (`<item>`, `<member>`) are arrays, and AWS errors thrown as `AwsApiError`
 * carrying the code. Also the admin API with its HTTP status (the workload poll needs 404 vs 409).
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import type { ServerInfo } from './config.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A parameter value: scalars, lists (numbered from 1) and structures (`Name.Member`). */
export type Param = string | number | boolean | undefined | Param[] | { [key: string]: Param };
export type Params = Record<string, Param>;

/** A parsed XML answer: elements become objects or strings, lists become arrays. */
export type XmlValue = string | XmlValue[] | { [key: string]: XmlValue };
export type XmlObject = { [key: string]: XmlValue };

export interface ApiSpec {
  signingName: string;
  version: string;
  /** How list members are numbered: EC2 `Name.N`, ELBv2 `Name.member.N`. */
  listStyle: 'ec2' | 'member';
}

export const EC2_API: ApiSpec = { signingName: 'ec2', version: '2016-11-15', listStyle: 'ec2' };
export const ELBV2_API: ApiSpec = { signingName: 'elasticloadbalancing', version: '2015-12-01', listStyle: 'member' };

/** An error answer of the API: `code` is AWS's (e.g. `InvalidVpcID.NotFound`). */
export class AwsApiError extends Error {
  constructor(
    readonly code: string,
    readonly awsMessage: string,
    readonly status: number,
    readonly action: string,
    readonly requestId?: string,
  ) {
    super(`${action}: ${code}: ${awsMessage}`);
    this.name = 'AwsApiError';
  }
}

/**
 * The credentials to sign with: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 * from `env`, else dev mode's `test`/`test` (account 000000000000) unless the server is strict.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, authMode: string): Credentials {
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  if (id || secret) {
    throw new Error(`${id ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is set but ${id ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is not: set both (in dev mode the secret is 'test')`);
  }
  if (authMode === 'strict') {
    throw new Error("this Underpass runs with --auth strict: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key made by 'underpass accounts create'");
  }
  return { accessKeyId: 'test', secretAccessKey: 'test' };
}

/** The form fields of `params` (`Filter: [{ Name, Value: [..] }]` → `Filter.1.Name`, `Filter.1.Value.1`, …). */
export function flattenParams(params: Params, listStyle: ApiSpec['listStyle']): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (key: string, v: Param): void => {
    if (v === undefined) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(listStyle === 'member' ? `${key}.member.${i + 1}` : `${key}.${i + 1}`, x));
    } else if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(`${key}.${k}`, x);
    } else {
      out.push([key, String(v)]);
    }
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return out;
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'item' || name === 'member',
});

/** Replaces every `{ item: [...] }` / `{ member: [...] }` wrapper by its array; empty elements stay ''. */
function unwrapLists(v: unknown): XmlValue {
  if (Array.isArray(v)) return v.map(unwrapLists);
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'item' || keys[0] === 'member')) return unwrapLists((v as Record<string, unknown>)[keys[0]]);
    const out: XmlObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = unwrapLists(x);
    return out;
  }
  return v === undefined || v === null ? '' : String(v);
}

/** Parses an API answer's XML into plain objects (the root element's content). */
export function parseXml(xml: string): XmlObject {
  const doc = parser.parse(xml) as Record<string, unknown>;
  const rootName = Object.keys(doc).find((k) => k !== '?xml');
  const root = rootName ? unwrapLists(doc[rootName]) : {};
  return typeof root === 'object' && !Array.isArray(root) ? root : {};
}

/** A list member of a parsed answer as an array (an empty list parses as ''). */
export function asList(v: XmlValue | undefined): XmlObject[] {
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && !Array.isArray(x)) as XmlObject[]) : [];
}

/** A list of strings of a parsed answer (e.g. `networkInterfaceIdSet`) as an array. */
export function asStrings(v: XmlValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A string member of a parsed answer ('' when absent). */
export function str(v: XmlValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

function errorOf(status: number, action: string, xml: string): AwsApiError {
  let doc: XmlObject = {};
  try {
    doc = parseXml(xml);
  } catch {
    /* not XML */
  }
  // EC2: <Response><Errors><Error>…</Error></Errors><RequestID>; ELBv2: <ErrorResponse><Error>…</Error><RequestId>.
  const errors = doc.Errors as XmlObject | undefined;
  const e = ((errors && typeof errors === 'object' ? errors.Error : undefined) ?? doc.Error) as XmlObject | undefined;
  const code = e && typeof e === 'object' ? str(e.Code) : '';
  const message = e && typeof e === 'object' ? str(e.Message) : '';
  const requestId = str(doc.RequestID) || str(doc.RequestId) || undefined;
  return new AwsApiError(code || `HTTP${status}`, message || xml.slice(0, 200) || `HTTP ${status}`, status, action, requestId);
}

export interface ApiClientOptions {
  /** e.g. `http://127.0.0.1:4570`. */
  endpoint: string;
  region: string;
  credentials: Credentials;
}

export class ApiClient {
  readonly endpoint: URL;
  readonly region: string;
  readonly credentials: Credentials;

  constructor(opts: ApiClientOptions) {
    this.endpoint = new URL(opts.endpoint);
    this.region = opts.region;
    this.credentials = opts.credentials;
  }

  /** A client for the server of `info`, with `credentials` or those of the environment. */
  static forServer(info: ServerInfo, credentials?: Credentials, env: NodeJS.ProcessEnv = process.env): ApiClient {
    return new ApiClient({ endpoint: serverEndpoint(info), region: info.region, credentials: credentials ?? credentialsFromEnv(env, info.auth) });
  }

  /** The same server and region, other credentials. */
  withCredentials(credentials: Credentials): ApiClient {
    return new ApiClient({ endpoint: this.endpoint.toString(), region: this.region, credentials });
  }

  ec2(action: string, params: Params = {}): Promise<XmlObject> {
    return this.call(EC2_API, action, params);
  }

  /** ELBv2: the content of `<ActionResult>`. */
  async elbv2(action: string, params: Params = {}): Promise<XmlObject> {
    const doc = await this.call(ELBV2_API, action, params);
    const result = doc[`${action}Result`];
    return result && typeof result === 'object' && !Array.isArray(result) ? result : {};
  }

  async call(api: ApiSpec, action: string, params: Params): Promise<XmlObject> {
    return parseXml(await this.callRaw(api, action, params));
  }

  /** The answer's XML text, unparsed (the benchmarks time the server, not an XML parser); throws the API error. */
  async callRaw(api: ApiSpec, action: string, params: Params): Promise<string> {
    const body = [['Action', action], ['Version', api.version], ...flattenParams(params, api.listStyle)]
      .map(([k, v]) => `${rfc3986(k!)}=${rfc3986(v!)}`).join('&');
    const host = this.endpoint.host;
    const request = new HttpRequest({
      method: 'POST',
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      path: this.endpoint.pathname || '/',
      headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    const signer = new SignatureV4({
      credentials: this.credentials,
      region: this.region,
      service: api.signingName,
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = (await signer.sign(request)) as HttpRequest;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') headers[k] = v;
    let res: Response;
    try {
      res = await fetch(new URL(signed.path, this.endpoint), { method: 'POST', headers, body });
    } catch (e) {
      throw new Error(`cannot reach Underpass at ${host}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw errorOf(res.status, action, text);
    return text;
  }
}

export function serverEndpoint(info: ServerInfo): string {
  const host = info.host === '0.0.0.0' ? '127.0.0.1' : info.host === '::' ? '::1' : info.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
}

/** An admin API call answering its status and JSON body instead of throwing on 4xx/5xx. */
export async function adminRequest(info: ServerInfo, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${serverEndpoint(info)}/_underpass${path}`, {
      method,
      headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new Error(`cannot reach Underpass at ${serverEndpoint(info)}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { error: text.slice(0, 200) };
  }
  return { status: res.status, json };
}
