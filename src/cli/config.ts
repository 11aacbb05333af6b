/** Where the running Underpass is: UNDERPASS_PORT / UNDERPASS_DATA_DIR and the data directory's server.json. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultDataDir(): string {
  return resolve(process.env.UNDERPASS_DATA_DIR ?? join(homedir(), '.underpass'));
}

export function defaultPort(): number | undefined {
  const v = process.env.UNDERPASS_PORT;
  return v ? parsePort(v) : undefined;
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new Error(`port '${v}' is not a number from 0 to 65535`);
  return n;
}

export interface ServerInfo { host: string; port: number; adminToken: string; region: string; auth: string; pid: number }

/** The running server of `dataDir`, with UNDERPASS_PORT (or `port`) taking precedence for the port. */
export function findServer(dataDir: string, port?: number): ServerInfo {
  const file = join(dataDir, 'server.json');
  if (!existsSync(file)) {
    throw new Error(`no running Underpass found: ${file} does not exist (start one with 'underpass up', or set UNDERPASS_DATA_DIR)`);
  }
  const info = JSON.parse(readFileSync(file, 'utf8')) as ServerInfo;
  return { ...info, port: port ?? info.port };
}

export async function adminCall(info: ServerInfo, method: string, path: string, body?: unknown): Promise<unknown> {
  const host = info.host === '0.0.0.0' ? '127.0.0.1' : info.host;
  let res: Response;
  try {
    res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${info.port}/_underpass${path}`, {
      method,
      headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new Error(`cannot reach Underpass at ${host}:${info.port}: ${(e as Error).message}`);
  }
  const json = (await res.json()) as { error?: string };
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}
