/**
 * The control plane's one HTTP port: on `/` the EC2 and ELBv2 Query APIs and the Route 53
 * Resolver JSON API (dispatched by the SigV4 credential scope's service; unsigned requests by
 * Version or X-Amz-Target), the admin API under `/_underpass/` and the web console under `/console`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, isApiError } from '../core/errors.js';
import type { Authenticator, HttpRequestParts } from './auth/authenticator.js';
import type { ApiResponse, Dispatcher } from './api/dispatch.js';
import type { JsonDispatcher } from './api/json-dispatch.js';

/** Largest request body accepted (AWS's Query APIs refuse far smaller forms than this). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface AdminRoute {
  (req: { method: string; path: string; query: URLSearchParams; body: Buffer }): Promise<{ status: number; json: unknown }>;
}

export interface ServerOptions {
  host: string;
  port: number;
  authenticator: Authenticator;
  /** Keyed by SigV4 signing name: ec2, elasticloadbalancing (Query), route53resolver (JSON). The first Query one answers what no other claims. */
  dispatchers: Array<Dispatcher | JsonDispatcher>;
  admin: AdminRoute;
  /** Prometheus text for `GET /metrics` (same bearer token as the admin API); 404 when absent. */
  metrics?: () => string;
  /** The bearer token the admin API requires. */
  adminToken: string;
  /** The web console: `/console` and everything under `/console/` (no AWS request uses that path). */
  console?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new BodyTooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: ApiResponse): void {
  res.writeHead(r.status, {
    'content-type': r.contentType ?? 'text/xml;charset=UTF-8',
    'content-length': Buffer.byteLength(r.body),
    'x-amzn-requestid': r.requestId,
    'x-amz-request-id': r.requestId,
  });
  res.end(r.body);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const isJson = (d: Dispatcher | JsonDispatcher): d is JsonDispatcher => 'protocol' in d && d.protocol === 'json';
  const queryDispatchers = opts.dispatchers.filter((d): d is Dispatcher => !isJson(d));
  const jsonDispatchers = opts.dispatchers.filter(isJson);
  const bySigningName = new Map(queryDispatchers.map((d) => [d.service.signingName, d]));
  const jsonBySigningName = new Map(jsonDispatchers.map((d) => [d.service.signingName, d]));
  const byVersion = new Map(queryDispatchers.map((d) => [d.apiVersion, d]));
  const fallback = queryDispatchers[0]!;
  const signingNames = [...bySigningName.keys(), ...jsonBySigningName.keys()];

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let body: Buffer;
    const target = req.headers['x-amz-target'];
    const jsonFor = typeof target === 'string' ? jsonDispatchers.find((d) => target.startsWith(`${d.targetPrefix}.`)) ?? jsonDispatchers[0] : undefined;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (e) {
      const err = e instanceof BodyTooLarge
        ? new ApiError('RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES} bytes`)
        : new ApiError('InvalidHttpRequest', 'The request body could not be read');
      send(res, (jsonFor ?? fallback).errorResponse(err));
      return;
    }
    if (jsonFor && typeof target === 'string') {
      await jsonApi(req, res, url, body, target, jsonFor);
      return;
    }
    const query = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const contentType = String(req.headers['content-type'] ?? '');
    const rawForm = req.method === 'POST' ? body.toString('utf8') : '';
    const badEscape = /%(?![0-9A-Fa-f]{2})/.exec(query) ?? /%(?![0-9A-Fa-f]{2})/.exec(rawForm);
    if (badEscape) {
      const src = badEscape.input;
      send(res, fallback.errorResponse(new ApiError('MalformedQueryString',
        `The query string contains a syntax error: bad percent-encoding near '${src.slice(badEscape.index, badEscape.index + 3)}'`)));
      return;
    }
    const form = new URLSearchParams(query);
    if (req.method === 'POST') {
      if (body.length > 0 && !contentType.startsWith('application/x-www-form-urlencoded')) {
        send(res, fallback.errorResponse(new ApiError('InvalidHttpRequest',
          `Content-Type '${contentType}' is not supported: send application/x-www-form-urlencoded`)));
        return;
      }
      for (const [k, v] of new URLSearchParams(rawForm)) form.append(k, v);
    }
    const versionDispatcher = byVersion.get(form.get('Version') ?? '');
    let dispatcher = versionDispatcher ?? fallback;
    const parts: HttpRequestParts = { method: req.method ?? 'GET', path: url.pathname, query, headers: req.headersDistinct, body };
    try {
      const caller = await opts.authenticator.authenticate(parts);
      if (caller.service) {
        const signed = bySigningName.get(caller.service);
        if (!signed) {
          throw new ApiError('InvalidClientTokenId', jsonBySigningName.has(caller.service)
            ? `Requests signed for '${caller.service}' use its JSON protocol: POST with X-Amz-Target and Content-Type application/x-amz-json-1.1`
            : `Credential should be scoped to a valid service: ${signingNames.join(' or ')}, not '${caller.service}'`);
        }
        dispatcher = signed;
      }
      send(res, await dispatcher.handle(form, caller));
    } catch (e) {
      const err = isApiError(e) ? e : new ApiError('InternalError', 'An internal error has occurred');
      if (!isApiError(e)) console.error('underpass: internal error', e);
      send(res, dispatcher.errorResponse(err));
    }
  }

  /** A JSON-protocol request (it has X-Amz-Target): `dispatcher` is the one its target prefix names. */
  async function jsonApi(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, target: string, dispatcher: JsonDispatcher): Promise<void> {
    const parts: HttpRequestParts = { method: req.method ?? 'GET', path: url.pathname, query: url.search.replace(/^\?/, ''), headers: req.headersDistinct, body };
    try {
      if (req.method !== 'POST') throw new ApiError('InvalidHttpRequest', `${dispatcher.service.displayName} takes POST requests, not ${req.method ?? ''}`);
      const caller = await opts.authenticator.authenticate(parts);
      if (caller.service && caller.service !== dispatcher.service.signingName) {
        const other = jsonBySigningName.get(caller.service);
        if (!other) {
          throw new ApiError('InvalidClientTokenId', `Credential should be scoped to correct service: '${dispatcher.service.signingName}', not '${caller.service}'`);
        }
        dispatcher = other;
      }
      send(res, await dispatcher.handle(target, body.toString('utf8'), caller));
    } catch (e) {
      const err = isApiError(e) ? e : new ApiError('InternalError', 'An internal error has occurred');
      if (!isApiError(e)) console.error('underpass: internal error', e);
      send(res, dispatcher.errorResponse(err));
    }
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const sendJson = (status: number, json: unknown) => {
      const text = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.headers.authorization !== `Bearer ${opts.adminToken}`) {
      sendJson(401, { error: 'the admin API needs the token in the data directory (server.json)' });
      return;
    }
    try {
      const body = await readBody(req, MAX_BODY_BYTES);
      const r = await opts.admin({ method: req.method ?? 'GET', path: url.pathname.slice('/_underpass'.length), query: url.searchParams, body });
      sendJson(r.status, r.json);
    } catch (e) {
      sendJson(isApiError(e) ? e.status : 500, { error: e instanceof Error ? e.message : String(e), code: isApiError(e) ? e.code : 'InternalError' });
    }
  }

  async function metrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (req.headers.authorization !== `Bearer ${opts.adminToken}`) { text(401, 'metrics need the admin token of the data directory (server.json adminToken) as a bearer token\n'); return; }
    if (!opts.metrics) { text(404, 'no data plane runs, so there are no metrics\n'); return; }
    text(200, opts.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://underpass.local');
    const consoleRoute = opts.console;
    const route = url.pathname.startsWith('/_underpass/') ? admin
      : url.pathname === '/metrics' && req.method === 'GET' ? metrics
        : consoleRoute && (url.pathname === '/console' || url.pathname.startsWith('/console/')) ? consoleRoute
          : api;
    route(req, res, url).catch((e) => {
      console.error('underpass: request failed', e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
