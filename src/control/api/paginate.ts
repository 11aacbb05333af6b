/** `MaxResults`/`NextToken` (EC2) and `PageSize`/`Marker` (ELBv2) pagination over a stable list. */
import { ApiError } from '../../core/errors.js';

export interface Page<T> { items: T[]; next?: string }

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64url');
}

function decodeToken(token: string, scope: string, code: 'InvalidNextToken' | 'ValidationError'): number {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; s?: unknown };
    if (typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0 && v.s === scope) return v.o;
  } catch { /* fall through */ }
  throw new ApiError(code, code === 'InvalidNextToken' ? `The token '${token}' is invalid` : `Invalid marker: ${token}`);
}

export interface PageOptions {
  /** What the list is (an operation name): a token from another list is refused. */
  scope: string;
  maxResults?: number;
  token?: string;
  /** Allowed MaxResults range (AWS caps larger values at `max`). */
  min?: number;
  max?: number;
  code?: 'InvalidNextToken' | 'ValidationError';
}

export function paginate<T>(items: T[], opts: PageOptions): Page<T> {
  const code = opts.code ?? 'InvalidNextToken';
  const start = opts.token ? decodeToken(opts.token, opts.scope, code) : 0;
  let size = items.length;
  if (opts.maxResults !== undefined) {
    const min = opts.min ?? 1;
    if (opts.maxResults < min) {
      throw new ApiError(code === 'InvalidNextToken' ? 'InvalidParameterValue' : 'ValidationError',
        `Value ( ${opts.maxResults} ) for parameter maxResults is invalid. Expecting a value greater than ${min - 1}.`);
    }
    size = Math.min(opts.maxResults, opts.max ?? 1000);
  }
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return { items: slice, next: end < items.length ? encodeToken(end, opts.scope) : undefined };
}
