/**
 * Which network backend `underpass up` runs: `netns` (Linux as root with iproute2: every VPC a
 * network namespace, real traffic) or `none` (the API alone; endpoints become available after the
 * transitional delay and carry no traffic). `auto` picks netns when it can and says why not when
 * it cannot. A loopback backend for machines without root is not built yet; `auto` says so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PREFIX } from '../net/names.js';
import { NetnsBackend } from '../net/netns.js';
import { DataPlane } from '../dataplane/plane.js';

export type NetworkChoice = 'auto' | 'netns' | 'none';

export interface Network {
  kind: 'netns' | 'none';
  /** One line for the start-up banner. */
  note: string;
  prefix: string;
  dataPlane?: DataPlane;
}

const IP_PATHS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];

/** Why the netns backend cannot run here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (!IP_PATHS.some((p) => existsSync(p))) return 'iproute2 (`ip`) is not installed';
  return undefined;
}

export async function chooseNetwork(choice: NetworkChoice, opts: { dataDir: string; prefix?: string; healthIntervalOverrideMs?: number }): Promise<Network> {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  if (choice === 'none') return { kind: 'none', prefix, note: 'network: none (--network none): the API only, endpoints carry no traffic' };
  const why = netnsUnavailable();
  if (why) {
    if (choice === 'netns') throw new Error(`--network netns: ${why}`);
    return {
      kind: 'none', prefix,
      note: `network: none — WARNING: ${why}, so endpoints carry no traffic (the API works; run as root for real networks)`,
    };
  }
  const dataPlane = new DataPlane({
    backend: new NetnsBackend({ prefix }),
    flowLogDir: join(opts.dataDir, 'flow-logs'),
    ...(opts.healthIntervalOverrideMs ? { healthIntervalOverrideMs: opts.healthIntervalOverrideMs } : {}),
  });
  await dataPlane.start();
  return { kind: 'netns', prefix, dataPlane, note: `network: netns — every VPC is a network namespace (names start with '${prefix}')` };
}
