/**
 * One health check against one target, as NLB performs it:
 * - TCP: success when the connection is established within the timeout. With PROXY protocol v2
 *   on, NLB's LOCAL header (`nlbHealthCheckProxyV2Header()`) is written first, then the
 *   connection is closed.
 * - HTTP / HTTPS: `GET path` (HTTP/1.1, `Connection: close`, NLB's user agent) over a raw socket
 *   (the LOCAL header precedes the request, or the TLS handshake for HTTPS); success when the
 *   status code matches the matcher (default '200-399'). HTTPS does not verify the certificate,
 *   as NLB does not.
 * One deadline, `timeoutMs`, covers connect, handshake and the status line.
 * Reason codes: no verdict before the deadline → Target.Timeout; a status outside the matcher →
 * Target.ResponseCodeMismatch; anything else (refused, reset, TLS or HTTP parse error) →
 * Target.FailedHealthChecks.
 */
import net from 'node:net';
import tls from 'node:tls';
import { nlbHealthCheckProxyV2Header } from '../../wire/proxy-v2.js';
import { FAILED_DESCRIPTION, type HealthReason } from './state.js';

export type ProbeProtocol = 'TCP' | 'HTTP' | 'HTTPS';

export interface ProbeSpec {
  protocol: ProbeProtocol;
  host: string;
  port: number;
  /** HTTP(S) path; default '/'. */
  path?: string;
  /** HTTP(S) success codes: '200', '200,202', '200-399' (default), or a mix. */
  matcher?: string;
  timeoutMs: number;
  /** Write NLB's PROXY v2 LOCAL header at the start of the connection. */
  proxyProtocolV2?: boolean;
  /** Source address to bind (e.g. the load balancer node's IP). */
  localAddress?: string;
}

export interface ProbeResult {
  ok: boolean;
  /** Present when !ok. */
  reasonCode?: HealthReason;
  /** AWS-style description when !ok (what DescribeTargetHealth shows). */
  description?: string;
  /** Free text for logs: what happened, e.g. 'connect ECONNREFUSED 127.0.0.1:9' or 'HTTP 200'. */
  detail: string;
}

/** Opens the TCP connection (the data plane may supply one that connects from inside a namespace). */
export type Connect = (opts: { host: string; port: number; localAddress?: string }) => net.Socket;

export interface ProbeOptions {
  signal?: AbortSignal;
  connect?: Connect;
}

export const HEALTH_CHECK_USER_AGENT = 'ELB-HealthChecker/2.0';
export const DEFAULT_MATCHER = '200-399';
/** Longest status line + headers read before giving up on a response (bytes). */
const MAX_HEAD = 16 * 1024;

/**
 * Parses an HTTP code matcher ('200', '200,202', '200-299,404'); throws on malformed input.
 * Returns a predicate on status codes.
 */
export function parseMatcher(matcher: string): (code: number) => boolean {
  const ranges = matcher.split(',').map((part) => {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    if (!m) throw new Error(`bad health-check matcher ${JSON.stringify(matcher)}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`bad health-check matcher ${JSON.stringify(matcher)}: ${lo} > ${hi}`);
    return [lo, hi] as const;
  });
  return (code) => ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

const defaultConnect: Connect = ({ host, port, localAddress }) =>
  net.connect({ host, port, ...(localAddress !== undefined && { localAddress }) });

function fail(reasonCode: HealthReason, detail: string, description = FAILED_DESCRIPTION): ProbeResult {
  return { ok: false, reasonCode, description, detail };
}

const TIMED_OUT = 'Request timed out';

/** Runs one check. Never rejects: every failure is a result. */
export function probe(spec: ProbeSpec, opts: ProbeOptions = {}): Promise<ProbeResult> {
  let isOk: (code: number) => boolean;
  try {
    isOk = parseMatcher(spec.matcher ?? DEFAULT_MATCHER);
  } catch (e) {
    return Promise.resolve(fail('Target.FailedHealthChecks', (e as Error).message));
  }
  if (opts.signal?.aborted) return Promise.resolve(fail('Target.FailedHealthChecks', 'aborted'));
  return new Promise<ProbeResult>((resolve) => {
    const connect = opts.connect ?? defaultConnect;
    let raw: net.Socket;
    try {
      raw = connect({ host: spec.host, port: spec.port, ...(spec.localAddress !== undefined && { localAddress: spec.localAddress }) });
    } catch (e) {
      resolve(fail('Target.FailedHealthChecks', `connect ${spec.host}:${spec.port}: ${(e as Error).message}`));
      return;
    }
    let stream: net.Socket = raw;
    let settled = false;
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      raw.removeListener('error', onError);
      // Late errors (e.g. a reset after the verdict) must not become uncaught exceptions.
      raw.on('error', () => {});
      if (stream !== raw) stream.on('error', () => {});
      resolve(r);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      finish(fail('Target.FailedHealthChecks', `${err.code ?? 'error'}: ${err.message}`));
      stream.destroy();
      raw.destroy();
    };
    const onAbort = (): void => {
      finish(fail('Target.FailedHealthChecks', 'aborted'));
      stream.destroy();
      raw.destroy();
    };
    const timer = setTimeout(() => {
      finish(fail('Target.Timeout', `no verdict within ${spec.timeoutMs} ms`, TIMED_OUT));
      stream.destroy();
      raw.destroy();
    }, spec.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    raw.once('error', onError);

    raw.once('connect', () => {
      const header = spec.proxyProtocolV2 ? nlbHealthCheckProxyV2Header() : undefined;
      if (spec.protocol === 'TCP') {
        const done = (): void => {
          finish({ ok: true, detail: `connected to ${spec.host}:${spec.port}` });
          raw.destroy();
        };
        if (header) raw.end(header, done);
        else done();
        return;
      }
      if (header) raw.write(header);
      if (spec.protocol === 'HTTPS') {
        const secure = tls.connect({
          socket: raw,
          rejectUnauthorized: false,
          ...(net.isIP(spec.host) === 0 && { servername: spec.host }),
        });
        stream = secure;
        secure.once('error', onError);
        secure.once('secureConnect', () => sendRequest(secure));
      } else {
        sendRequest(raw);
      }
    });

    function sendRequest(s: net.Socket): void {
      const path = spec.path ?? '/';
      const hostHeader = net.isIPv6(spec.host) ? `[${spec.host}]:${spec.port}` : `${spec.host}:${spec.port}`;
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: ${HEALTH_CHECK_USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
      let head = '';
      const onData = (chunk: Buffer): void => {
        head += chunk.toString('latin1');
        const eol = head.indexOf('\r\n');
        if (eol < 0) {
          if (head.length > MAX_HEAD) {
            finish(fail('Target.FailedHealthChecks', 'no HTTP status line in the first 16 KiB'));
            s.destroy();
          }
          return;
        }
        const line = head.slice(0, eol);
        const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(line);
        if (!m) finish(fail('Target.FailedHealthChecks', `bad HTTP status line ${JSON.stringify(line.slice(0, 80))}`));
        else {
          const code = Number(m[1]);
          if (isOk(code)) finish({ ok: true, detail: `HTTP ${code}` });
          else finish(fail('Target.ResponseCodeMismatch', `HTTP ${code}`, `Health checks failed with these codes: [${code}]`));
        }
        s.destroy();
        raw.destroy();
      };
      s.on('data', onData);
      s.once('end', () => {
        finish(fail('Target.FailedHealthChecks', 'connection closed before an HTTP status line'));
        s.destroy();
        raw.destroy();
      });
    }
  });
}
