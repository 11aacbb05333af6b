/**
 * The console's static files: a request path under `/console` mapped to a file of the built
 * console (`console/dist`), with the single-page-app fallback to index.html, content types and
 * caching. `staticPath` (pure) decides; `serveStatic` reads.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a console path names, relative to the dist folder ('' for the app itself), or why it
 * is refused. `pathname` is the URL's path (already dot-normalised by URL); each segment is
 * percent-decoded here, so an encoded `..`, `/`, `\` or NUL cannot climb out.
 */
export function staticPath(pathname: string): { file: string } | { refused: string } {
  if (pathname !== '/console' && !pathname.startsWith('/console/')) return { refused: 'not a console path' };
  const rest = pathname.slice('/console'.length).replace(/^\/+/, '');
  const parts: string[] = [];
  for (const raw of rest.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { refused: 'malformed percent-encoding' };
    }
    if (seg === '' || seg === '.') continue;
    if (seg === '..' || /[/\\\0]/.test(seg)) return { refused: `path segment '${raw}' is not allowed` };
    parts.push(seg);
  }
  return { file: parts.join('/') };
}

export type StaticResult =
  | { status: 200; body: Buffer; contentType: string; cacheControl: string }
  | { status: 400 | 503; body: string; contentType: string; cacheControl: string };

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Underpass console</title>
<h1>The console is not built</h1><p>The console is not built: run <code>npm run build</code> (it writes <code>console/dist</code>), then reload.</p>
`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Serves `pathname` from `distDir`: the file, else index.html (the app routes itself), else 503. */
export async function serveStatic(distDir: string, pathname: string): Promise<StaticResult> {
  const p = staticPath(pathname);
  if ('refused' in p) return { status: 400, body: `bad console path: ${p.refused}\n`, contentType: 'text/plain; charset=utf-8', cacheControl: 'no-store' };
  const root = distDir.endsWith(sep) ? distDir : distDir + sep;
  const index = join(root, 'index.html');
  const candidate = p.file === '' ? index : join(root, p.file);
  const file = candidate.startsWith(root) && (await isFile(candidate)) ? candidate : index;
  if (file === index && !(await isFile(index))) {
    return { status: 503, body: NOT_BUILT, contentType: 'text/html; charset=utf-8', cacheControl: 'no-store' };
  }
  const body = await readFile(file);
  const immutable = file !== index && p.file.startsWith('assets/');
  return { status: 200, body, contentType: contentTypeOf(file), cacheControl: immutable ? 'public, max-age=31536000, immutable' : 'no-cache' };
}
