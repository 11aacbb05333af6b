/**
 * TXT lookups against the server Underpass treats as the public DNS (`--public-dns`,
 * `UNDERPASS_PUBLIC_DNS`): one question, one bounded answer. Thin I/O over `node:dns` `Resolver`;
 * what the answers mean for a private DNS name is decided elsewhere (privatelink/provider/verification.ts).
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Where the public DNS is. */
export interface DnsServer { host: string; port: number }

/**
 * One TXT lookup's result: the record's values (the strings of a multi-string record joined, as
 * RFC 7208 §3.3 reads them), or why there are none. `nxdomain` (the name does not exist) and
 * `nodata` (it exists without TXT) are answers; the other kinds mean the question went unanswered.
 */
export type TxtAnswer = { kind: 'found'; values: string[] } | { kind: TxtFailure; detail: string };

export type TxtFailure = 'nxdomain' | 'nodata' | 'timeout' | 'servfail' | 'refused' | 'error';

export interface TxtLookupOptions {
  /** Per try, in ms (node:dns default 5000 is too long for a check the API waits on). */
  timeoutMs?: number;
  /** Attempts per server before giving up. */
  tries?: number;
}

export const DEFAULT_TXT_LOOKUP: Required<TxtLookupOptions> = { timeoutMs: 2_000, tries: 2 };

const ERROR_KINDS: Record<string, TxtFailure> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'nodata',
  ETIMEOUT: 'timeout',
  ESERVFAIL: 'servfail',
  EREFUSED: 'refused',
};

/** Asks `server` for the TXT records of `name`. Never throws. */
export async function lookupTxt(server: DnsServer, name: string, opts: TxtLookupOptions = {}): Promise<TxtAnswer> {
  const { timeoutMs, tries } = { ...DEFAULT_TXT_LOOKUP, ...opts };
  const resolver = new Resolver({ timeout: timeoutMs, tries });
  resolver.setServers([formatServer(server)]);
  try {
    const records = await resolver.resolveTxt(name);
    return { kind: 'found', values: records.map((chunks) => chunks.join('')) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code ?? 'ERROR';
    return { kind: ERROR_KINDS[code] ?? 'error', detail: `${code} from ${formatServer(server)} for TXT ${name}` };
  } finally {
    resolver.cancel();
  }
}

/** `host:port` for node:dns (`[v6]:port` for IPv6). */
export function formatServer(server: DnsServer): string {
  return isIP(server.host) === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}
