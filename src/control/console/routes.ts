/**
 * The console's HTTP routes under `/console`: static files for everything outside
 * `/console/api/`, and the JSON API (session, call, metrics, flows) with its session and CSRF
 * rules. See docs/console.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../api/context.js';
import type { Dispatcher } from '../api/dispatch.js';
import type { JsonDispatcher } from '../api/json-dispatch.js';
import type { Store } from '../store/store.js';
import type { CredentialCheck } from './credentials.js';
import { DEFAULT_FLOW_LIMIT, MAX_FLOW_LIMIT, readFlows } from './flows.js';
import { BadBody, CSRF_HEADER, SECURITY_HEADERS, readJson, sendBody, sendError, sendJson, sessionCookie, setCookie } from './http.js';
import { SAMPLE_INTERVAL_MS, visibleSample, type MetricsHistory } from './metrics-history.js';
import { SESSION_ID, type Session, type SessionTable } from './sessions.js';
import { serveStatic } from './static-files.js';

export interface ConsoleRoutesOptions {
  store: Store;
  check: CredentialCheck;
  sessions: SessionTable;
  /** The Query dispatchers by console service name (ec2, elbv2). */
  query: Record<string, Dispatcher>;
  /** The JSON dispatchers by console service name (route53resolver). */
  json: Record<string, JsonDispatcher>;
  /** The built console (console/dist). */
  distDir: string;
  /** Absent without a data plane (`networkNote` says why); its presence also means the flow log is available. */
  metrics: MetricsHistory | undefined;
  networkNote: string;
  /** The data plane's flow log file. */
  flowLogPath: string;
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller) => Promise<void>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const NO_BODY = Symbol('no body');

/** The request's JSON body, or NO_BODY once a 400 InvalidParameterValue saying why has been sent. */
async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  try {
    return await readJson(req);
  } catch (e) {
    sendError(res, 400, 'InvalidParameterValue', e instanceof BadBody ? e.message : 'the request body could not be read');
    return NO_BODY;
  }
}

export function consoleRoutes(o: ConsoleRoutesOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const sessionJson = (s: Session, expiresMs: number) => ({
    signedIn: true,
    accountId: s.caller.account, accessKeyId: s.caller.accessKeyId, expiresAt: new Date(expiresMs).toISOString(),
  });
  const maxAgeS = Math.ceil(o.sessions.limits.maxMs / 1000);

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await jsonBody(req, res);
    if (body === NO_BODY) return;
    if (!isRecord(body) || typeof body.accessKeyId !== 'string' || typeof body.secretAccessKey !== 'string' || body.accessKeyId === '') {
      sendError(res, 400, 'InvalidParameterValue', 'send {"accessKeyId": "…", "secretAccessKey": "…"} as JSON');
      return;
    }
    const r = await o.check(body.accessKeyId, body.secretAccessKey);
    if (!r.ok) { sendError(res, 401, 'AuthFailure', r.message); return; }
    o.sessions.delete(validId(sessionCookie(req))); // signing in again replaces the old session
    const { id, session, expiresMs } = o.sessions.create(r.caller);
    sendJson(res, 200, sessionJson(session, expiresMs), { 'set-cookie': setCookie(id, maxAgeS) });
  }

  const call: Route = async (req, res, _url, caller) => {
    const body = await jsonBody(req, res);
    if (body === NO_BODY) return;
    if (!isRecord(body) || typeof body.service !== 'string' || typeof body.action !== 'string' || (body.params !== undefined && !isRecord(body.params))) {
      sendError(res, 400, 'InvalidParameterValue', 'send {"service": "ec2"|"elbv2"|"route53resolver", "action": "…", "params": {…}} as JSON');
      return;
    }
    const params = body.params ?? {};
    const query = Object.hasOwn(o.query, body.service) ? o.query[body.service] : undefined;
    const json = Object.hasOwn(o.json, body.service) ? o.json[body.service] : undefined;
    let outcome;
    if (query) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) {
        if (k === 'Action' || k === 'Version') continue;
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          sendError(res, 400, 'InvalidParameterValue', `params of ${body.service} are the flattened Query form: '${k}' must be a string`);
          return;
        }
        form.append(k, String(v));
      }
      form.set('Action', body.action);
      form.set('Version', query.apiVersion);
      outcome = await query.call(form, caller);
    } else if (json) {
      outcome = await json.call(body.action, params, caller);
    } else {
      sendError(res, 400, 'InvalidParameterValue', `unknown service '${body.service}': use ${[...Object.keys(o.query), ...Object.keys(o.json)].join(', ')}`);
      return;
    }
    if (outcome.ok) sendJson(res, 200, { result: outcome.result });
    else sendError(res, outcome.status, outcome.code, outcome.message);
  };

  const metrics: Route = async (_req, res, url, caller) => {
    if (!o.metrics) { sendJson(res, 200, { available: false, reason: o.networkNote, samples: [] }); return; }
    const since = Number(url.searchParams.get('since') ?? '0');
    if (!Number.isFinite(since)) { sendError(res, 400, 'InvalidParameterValue', `since '${url.searchParams.get('since')}' is not epoch milliseconds`); return; }
    const { endpoints, services } = await o.store.transaction(false, async (tx) => ({
      endpoints: new Set((await tx.list('endpoint', caller.account)).map((e) => e.id)),
      services: new Set((await tx.list('endpoint-service', caller.account)).map((s) => s.id)),
    }));
    const samples = o.metrics.since(since).map((s) => visibleSample(s, endpoints, services));
    sendJson(res, 200, { available: true, intervalMs: SAMPLE_INTERVAL_MS, samples });
  };

  const flows: Route = async (_req, res, url, caller) => {
    const q = url.searchParams;
    const limit = Number(q.get('limit') ?? DEFAULT_FLOW_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FLOW_LIMIT) {
      sendError(res, 400, 'InvalidParameterValue', `limit '${q.get('limit')}' is not an integer from 1 to ${MAX_FLOW_LIMIT}`);
      return;
    }
    const action = q.get('action') ?? undefined;
    if (action !== undefined && action !== 'ACCEPT' && action !== 'REJECT') {
      sendError(res, 400, 'InvalidParameterValue', `action '${action}' is not ACCEPT or REJECT`);
      return;
    }
    const interfaceIds = await o.store.transaction(false, async (tx) => {
      const ids = new Set<string>();
      for (const e of await tx.list('endpoint', caller.account)) {
        for (const id of e.networkInterfaceIds) ids.add(id);
        for (const i of e.interfaces ?? []) ids.add(i.networkInterfaceId);
      }
      return ids;
    });
    const text = q.get('text') || undefined;
    const r = await readFlows(o.flowLogPath, { interfaceIds, limit, ...(action ? { action } : {}), ...(text ? { text } : {}) });
    // A running data plane writes the log once a flow ends: until then it is available and empty.
    const available = r.available || o.metrics !== undefined;
    sendJson(res, 200, { available, ...(available ? {} : { reason: o.networkNote }), records: r.records });
  };

  const routes: Record<string, Route> = {
    'POST /console/api/call': call,
    'GET /console/api/metrics': metrics,
    'GET /console/api/flows': flows,
  };

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const key = `${method} ${url.pathname}`;
    const isSession = url.pathname === '/console/api/session';
    if (isSession && method === 'POST') { await signIn(req, res); return; }
    if ((method === 'POST' || method === 'DELETE') && req.headers[CSRF_HEADER] !== '1') {
      req.resume();
      sendError(res, 403, 'AccessDenied', `console API requests that change state must carry the header '${CSRF_HEADER}: 1'`);
      return;
    }
    const id = validId(sessionCookie(req));
    if (isSession && method === 'DELETE') {
      req.resume();
      o.sessions.delete(id);
      sendJson(res, 204, null, { 'set-cookie': setCookie('', 0) });
      return;
    }
    const route = routes[key];
    if (!isSession && !route) {
      req.resume();
      const known = Object.keys(routes).some((k) => k.endsWith(` ${url.pathname}`));
      sendError(res, known ? 405 : 404, known ? 'MethodNotAllowed' : 'NotFound', `no console API route ${method} ${url.pathname}`);
      return;
    }
    if (isSession && method !== 'GET') {
      req.resume();
      sendError(res, 405, 'MethodNotAllowed', `no console API route ${method} ${url.pathname}`);
      return;
    }
    const found = o.sessions.lookup(id);
    if (found.status !== 'ok' && isSession) {
      // Asking whether one is signed in is not a failure: 200, so a signed-out page load logs no error.
      req.resume();
      sendJson(res, 200, { signedIn: false, reason: found.status === 'expired' ? 'session expired: sign in again' : 'not signed in' });
      return;
    }
    if (found.status !== 'ok') {
      req.resume();
      sendError(res, 401, 'AuthFailure', found.status === 'expired' ? 'session expired: sign in again' : 'not signed in');
      return;
    }
    if (isSession) { sendJson(res, 200, sessionJson(found.session, found.expiresMs)); return; }
    await route!(req, res, url, found.session.caller);
  }

  return async (req, res, url) => {
    if (url.pathname === '/console/api' || url.pathname.startsWith('/console/api/')) { await api(req, res, url); return; }
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendBody(res, 405, 'the console serves GET requests\n', { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' });
      return;
    }
    const r = await serveStatic(o.distDir, url.pathname);
    const headers = { 'content-type': r.contentType, 'cache-control': r.cacheControl };
    if (req.method === 'HEAD') {
      res.writeHead(r.status, { ...SECURITY_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(r.body)) });
      res.end();
      return;
    }
    sendBody(res, r.status, r.body, headers);
  };
}

/** The cookie value when it has the shape of a session id (anything else is no session). */
function validId(v: string | undefined): string | undefined {
  return v !== undefined && SESSION_ID.test(v) ? v : undefined;
}
