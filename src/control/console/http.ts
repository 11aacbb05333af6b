/** HTTP plumbing of the console: its security headers, JSON answers, the session cookie, small JSON bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const COOKIE_NAME = 'underpass_console';
/** The header every state-changing console API request must carry (a cross-site form cannot set it). */
export const CSRF_HEADER = 'x-underpass-console';
/** Largest console API request body. */
export const MAX_CONSOLE_BODY = 256 * 1024;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

export function sendBody(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A JSON answer (never cached); Dates serialise as ISO strings. */
export function sendJson(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  if (status === 204) {
    res.writeHead(204, { ...SECURITY_HEADERS, 'cache-control': 'no-store', ...headers });
    res.end();
    return;
  }
  sendBody(res, status, JSON.stringify(json), { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { code, message }, headers);
}

/** The session cookie's value, if the request carries one. */
export function sessionCookie(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookie(value: string, maxAgeS: number): string {
  return `${COOKIE_NAME}=${value}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=${maxAgeS}`;
}

export class BadBody extends Error {}

/** The request body parsed as JSON; BadBody when too large or not JSON. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CONSOLE_BODY) {
        if (!failed) reject(new BadBody(`the request body is larger than ${MAX_CONSOLE_BODY} bytes`));
        failed = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new BadBody('the request body is not JSON'));
      }
    });
    req.on('error', (e) => { if (!failed) reject(e); failed = true; });
  });
}
