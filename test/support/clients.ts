/**
 * The real AWS clients the compatibility tests drive Underpass with — @aws-sdk/client-ec2 +
 * @aws-sdk/client-elastic-load-balancing-v2, boto3 (/usr/bin/python3) and Debian's AWS CLI v2
 * (/usr/bin/aws) — behind one interface (`AwsApi`: an operation name and its input in the model's
 * member names, the output the same way), and raw SigV4-signed HTTP for the wire-level tests.
 *
 * Nothing here ever talks to AWS: every client gets the test server's endpoint explicitly
 * (`--endpoint-url` for the CLI, `endpoint_url` for boto3, `endpoint` for the SDK).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { XMLParser } from 'fast-xml-parser';
import { devCredentials } from './harness.js';

/** Kills a driver process when the test ends (it may already have exited). */
function killAfter(t: AfterHost, p: import('node:child_process').ChildProcess): void {
  t.after(() => new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) { resolve(); return; }
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  }));
}

export const REGION = 'us-east-1';

export type ServiceName = 'ec2' | 'elbv2';

/** An AWS error as a client reports it. */
export class AwsCallError extends Error {
  readonly code: string;
  readonly status?: number;
  constructor(code: string, message: string, status?: number) {
    super(`${code}: ${message}`);
    this.name = 'AwsCallError';
    this.code = code;
    this.status = status;
  }
}

/** One account's view of the API through one client. Outputs use the model's member names; timestamps as ISO strings or Dates. */
export interface AwsApi {
  readonly client: 'sdk' | 'boto3' | 'cli';
  readonly account: string;
  call(service: ServiceName, op: string, input?: Record<string, unknown>): Promise<any>;
}

export interface ClientFactory {
  readonly client: 'sdk' | 'boto3' | 'cli';
  forAccount(account: string): AwsApi;
}

// ---------------------------------------------------------------------------------------------
// @aws-sdk v3

/** Dates → ISO strings, $metadata dropped: what the three clients have in common. */
function normalise(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$metadata' || k === 'ResponseMetadata') continue;
      if (x !== undefined) out[k] = normalise(x);
    }
    return out;
  }
  return v;
}

export function sdkClients(endpoint: string, account: string): { ec2: EC2.EC2Client; elb: ELB.ElasticLoadBalancingV2Client } {
  const common = { endpoint, region: REGION, credentials: devCredentials(account), maxAttempts: 1 };
  return { ec2: new EC2.EC2Client(common), elb: new ELB.ElasticLoadBalancingV2Client(common) };
}

export function sdkFactory(endpoint: string): ClientFactory {
  return {
    client: 'sdk',
    forAccount(account: string): AwsApi {
      const { ec2, elb } = sdkClients(endpoint, account);
      return {
        client: 'sdk',
        account,
        async call(service, op, input = {}) {
          const mod = (service === 'ec2' ? EC2 : ELB) as unknown as Record<string, new (i: unknown) => unknown>;
          const Cmd = mod[`${op}Command`];
          if (!Cmd) throw new Error(`the SDK has no ${op}Command for ${service}`);
          try {
            const out = service === 'ec2' ? await ec2.send(new Cmd(input) as any) : await elb.send(new Cmd(input) as any);
            return normalise(out);
          } catch (e) {
            const err = e as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
            if (err.$metadata?.httpStatusCode) {
              throw new AwsCallError(err.Code ?? err.name ?? 'Unknown', err.message ?? '', err.$metadata.httpStatusCode);
            }
            throw e;
          }
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// boto3: one long-lived python process per factory, one JSON request/response per line

const BOTO3_DRIVER = fileURLToPath(new URL('../compat/boto3_driver.py', import.meta.url));

export function boto3Factory(endpoint: string, t: AfterHost): ClientFactory {
  let proc: ChildProcessWithoutNullStreams | undefined;
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let stderr = '';
  const start = () => {
    const p = spawn('/usr/bin/python3', [BOTO3_DRIVER], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    createInterface({ input: p.stdout }).on('line', (line) => {
      let msg: { id: number; ok?: unknown; error?: { Code: string; Message: string }; status?: number; crash?: string };
      try { msg = JSON.parse(line); } catch { return; }
      const w = waiting.get(msg.id);
      if (!w) return;
      waiting.delete(msg.id);
      if (msg.error) w.reject(new AwsCallError(msg.error.Code, msg.error.Message, msg.status));
      else if (msg.crash) w.reject(new Error(`boto3: ${msg.crash}`));
      else w.resolve(msg.ok);
    });
    p.on('exit', (code) => {
      for (const w of waiting.values()) w.reject(new Error(`boto3 driver exited (${code}): ${stderr.slice(-2000)}`));
      waiting.clear();
    });
    killAfter(t, p);
    return p;
  };
  return {
    client: 'boto3',
    forAccount(account: string): AwsApi {
      return {
        client: 'boto3',
        account,
        call(service, op, input = {}) {
          proc ??= start();
          const id = ++seq;
          const creds = devCredentials(account);
          return new Promise((resolve, reject) => {
            waiting.set(id, { resolve, reject });
            proc!.stdin.write(`${JSON.stringify({ id, service, op, params: input, endpoint, region: REGION, key: creds.accessKeyId, secret: creds.secretAccessKey })}\n`);
          });
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// AWS CLI v2 (Debian): one process per call, the input as --cli-input-json

/** CreateVpcEndpointServiceConfiguration → create-vpc-endpoint-service-configuration */
export function kebab(op: string): string {
  return op.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** The environment of a CLI command: the account's dev credentials, no config files, one attempt. */
function cliEnv(account: string): Record<string, string> {
  const creds = devCredentials(account);
  return {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
    AWS_PAGER: '',
  };
}

function cliArgs(endpoint: string, args: string[]): string[] {
  return [...args, '--endpoint-url', endpoint, '--region', REGION, '--output', 'json', '--no-cli-pager'];
}

/** Runs /usr/bin/aws with the endpoint given explicitly and no config files: it can reach nothing but `endpoint`. */
export function runCli(endpoint: string, account: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/aws', cliArgs(endpoint, args), {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...cliEnv(account) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

const CLI_DRIVER = fileURLToPath(new URL('../compat/awscli_driver.py', import.meta.url));

/**
 * One long-lived /usr/bin/python3 running Debian's awscli v2 clidriver (what /usr/bin/aws runs)
 * command after command: the CLI's own parsing, signing and output, without a second of start-up
 * per command. Killed after the test.
 */
function cliDriver(t: AfterHost): (endpoint: string, account: string, args: string[]) => Promise<CliResult> {
  let proc: ChildProcessWithoutNullStreams | undefined;
  let seq = 0;
  let stderr = '';
  const waiting = new Map<number, { resolve: (v: CliResult) => void; reject: (e: Error) => void }>();
  const start = () => {
    const p = spawn('/usr/bin/python3', [CLI_DRIVER], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    createInterface({ input: p.stdout }).on('line', (line) => {
      let msg: { id: number; rc: number; stdout: string; stderr: string };
      try { msg = JSON.parse(line); } catch { return; }
      const w = waiting.get(msg.id);
      if (!w) return;
      waiting.delete(msg.id);
      w.resolve({ code: msg.rc, stdout: msg.stdout, stderr: msg.stderr });
    });
    p.on('exit', (code) => {
      for (const w of waiting.values()) w.reject(new Error(`awscli driver exited (${code}): ${stderr.slice(-2000)}`));
      waiting.clear();
    });
    killAfter(t, p);
    return p;
  };
  return (endpoint, account, args) => {
    proc ??= start();
    const id = ++seq;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      proc!.stdin.write(`${JSON.stringify({ id, args: cliArgs(endpoint, args), env: cliEnv(account) })}\n`);
    });
  };
}

export interface CliOptions {
  /** Operations run by spawning /usr/bin/aws itself; the others go through the long-lived driver. 'all' spawns for every call. */
  spawnOps?: ReadonlySet<string> | 'all';
  t?: AfterHost;
}

export function cliFactory(endpoint: string, opts: CliOptions = {}): ClientFactory {
  const spawnOps = opts.spawnOps ?? 'all';
  if (spawnOps !== 'all' && !opts.t) throw new Error('the CLI driver needs a test context to be stopped');
  const driver = spawnOps === 'all' ? undefined : cliDriver(opts.t!);
  return {
    client: 'cli',
    forAccount(account: string): AwsApi {
      return {
        client: 'cli',
        account,
        async call(service, op, input = {}) {
          const args = [service, kebab(op), '--cli-input-json', JSON.stringify(input)];
          const r = spawnOps === 'all' || spawnOps.has(op) || !driver ? await runCli(endpoint, account, args) : await driver(endpoint, account, args);
          if (r.code === 0) return r.stdout.trim() ? JSON.parse(r.stdout) : {};
          const m = /An error occurred \(([^)]+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: ([\s\S]*)$/.exec(r.stderr.trim());
          if (m) throw new AwsCallError(m[1]!, m[2]!.trim());
          throw new Error(`aws ${service} ${kebab(op)} exited ${r.code}: ${r.stderr}`);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// raw HTTP, SigV4-signed with @smithy/signature-v4

export interface RawRequest {
  /** SigV4 signing name; default ec2. */
  service?: 'ec2' | 'elasticloadbalancing' | string;
  body?: string | Buffer;
  method?: string;
  /** Query string without '?'. */
  query?: string;
  account?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Default application/x-www-form-urlencoded; charset=utf-8; null: no content type. */
  contentType?: string | null;
  /** Sign the request (default true). */
  sign?: boolean;
  signingDate?: Date;
  region?: string;
  /** Headers added after signing (they are not part of the signature). */
  extraHeaders?: Record<string, string>;
  /** A body sent instead of the signed one (a tampered request). */
  sendBody?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request to `endpoint` (http://host:port), signed like the SDK signs it unless `sign: false`. */
export async function rawRequest(endpoint: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  const headers: Record<string, string> = { host: url.host };
  if (req.contentType !== null) headers['content-type'] = req.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8';
  if (body.length > 0 || (req.method ?? 'POST') === 'POST') headers['content-length'] = String(body.length);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.query ?? '')) query[k] = v;
  let http = new HttpRequest({ method: req.method ?? 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/', query, headers, body });
  if (req.sign !== false) {
    const creds = devCredentials(req.account ?? '000000000000');
    const signer = new SignatureV4({
      service: req.service ?? 'ec2',
      region: req.region ?? REGION,
      sha256: Hash.bind(null, 'sha256'),
      credentials: { accessKeyId: req.accessKeyId ?? creds.accessKeyId, secretAccessKey: req.secretAccessKey ?? creds.secretAccessKey },
    });
    http = (await signer.sign(http, { signingDate: req.signingDate })) as HttpRequest;
  }
  const finalHeaders: Record<string, string> = { ...http.headers, ...(req.extraHeaders ?? {}) };
  const sent = req.sendBody === undefined ? body : Buffer.isBuffer(req.sendBody) ? req.sendBody : Buffer.from(req.sendBody, 'utf8');
  if (req.sendBody !== undefined) finalHeaders['content-length'] = String(sent.length);
  return new Promise<RawResponse>((resolve, reject) => {
    const r = httpRequest({
      host: url.hostname, port: Number(url.port), method: http.method, path: `/${req.query ? `?${req.query}` : ''}`, headers: finalHeaders,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    // A server that answers before reading the whole body (413) may reset the connection mid-upload.
    r.on('error', reject);
    r.end(sent);
  });
}

/** A form body from pairs (order kept). */
export function form(params: Record<string, string | number | boolean> | Array<[string, string]>): string {
  const sp = new URLSearchParams();
  const entries = Array.isArray(params) ? params : Object.entries(params);
  for (const [k, v] of entries) sp.append(k, String(v));
  return sp.toString();
}

const errorParser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: () => false });

export interface ParsedError { protocol: 'ec2' | 'query'; code: string; message: string; requestId: string; type?: string; xmlns?: string }

/** Reads an EC2 (`<Response><Errors>`) or Query (`<ErrorResponse>`) error envelope; undefined if the body is neither. */
export function parseErrorXml(xml: string): ParsedError | undefined {
  let doc: any;
  try { doc = errorParser.parse(xml); } catch { return undefined; }
  if (doc?.Response?.Errors?.Error) {
    const e = doc.Response.Errors.Error;
    return { protocol: 'ec2', code: String(e.Code ?? ''), message: String(e.Message ?? ''), requestId: String(doc.Response.RequestID ?? '') };
  }
  if (doc?.ErrorResponse?.Error) {
    const e = doc.ErrorResponse.Error;
    return {
      protocol: 'query', code: String(e.Code ?? ''), message: String(e.Message ?? ''), type: String(e.Type ?? ''),
      requestId: String(doc.ErrorResponse.RequestId ?? ''), xmlns: doc.ErrorResponse['@_xmlns'],
    };
  }
  return undefined;
}

/** The request id of a success body: EC2 `<XResponse><requestId>`, Query `<ResponseMetadata><RequestId>`. */
export function successRequestId(xml: string): string | undefined {
  const doc = errorParser.parse(xml) as Record<string, any>;
  const root = Object.entries(doc).find(([k, v]) => !k.startsWith('?') && v && typeof v === 'object')?.[1] as Record<string, any> | undefined;
  if (!root) return undefined;
  if (root.requestId !== undefined) return String(root.requestId);
  if (root.ResponseMetadata?.RequestId !== undefined) return String(root.ResponseMetadata.RequestId);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// cleanup order

export interface AfterHost { after: (fn: () => void | Promise<void>) => void }

/**
 * node:test runs `t.after` hooks in registration order (FIFO), so a PostgreSQL database made by
 * `freshPostgresDatabase(t)` would be dropped before a store opened on it afterwards is closed.
 * `lifo(t)` collects cleanups and runs them last-registered-first, in one `t.after`. (Not for
 * `startTestServer`, which orders its own cleanups for FIFO.)
 */
export function lifo(t: AfterHost): { after: (fn: () => void | Promise<void>) => void } {
  const fns: Array<() => void | Promise<void>> = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const fn of fns.reverse()) {
      try { await fn(); } catch (e) { errors.push(e); }
    }
    if (errors.length) throw errors[0];
  });
  return { after: (fn) => { fns.push(fn); } };
}
