/**
 * Which network backend `underpass up` runs: `netns` (Linux as root with iproute2: every VPC a
 * network namespace, real traffic), `loopback` (no root needed, NOTHING ISOLATED: every VPC a
 * block of 127.0.0.0/8, traffic still flows through endpoints and load balancers) or `none` (the
 * API alone; endpoints become available after the transitional delay and carry no traffic).
 * `auto` picks netns when it can, else loopback with a warning saying why.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PREFIX } from '../net/names.js';
import { NetnsBackend } from '../net/netns.js';
import { LoopbackBackend } from '../net/loopback.js';
import { DataPlane } from '../dataplane/plane.js';

export type NetworkChoice = 'auto' | 'netns' | 'loopback' | 'none';

export interface Network {
  kind: 'netns' | 'loopback' | 'none';
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

export async function chooseNetwork(choice: NetworkChoice, opts: {
  dataDir: string; prefix?: string; healthIntervalOverrideMs?: number;
  /** The resolvers' upstream and the host listener's port (DataPlaneOptions.dns). */
  dns?: { upstream?: { host: string; port: number }; hostPort?: number };
}): Promise<Network> {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  if (choice === 'none') return { kind: 'none', prefix, note: 'network: none (--network none): the API only, endpoints carry no traffic' };
  const why = choice === 'loopback' ? 'loopback was asked for' : netnsUnavailable();
  if (why && choice === 'netns') throw new Error(`--network netns: ${why}`);
  const backend = why
    ? new LoopbackBackend({ prefix, stateFile: join(opts.dataDir, 'loopback-vpcs.json') })
    : new NetnsBackend({ prefix });
  const dataPlane = new DataPlane({
    backend,
    flowLogDir: join(opts.dataDir, 'flow-logs'),
    dns: opts.dns ?? {},
    ...(opts.healthIntervalOverrideMs ? { healthIntervalOverrideMs: opts.healthIntervalOverrideMs } : {}),
  });
  try {
    await dataPlane.start();
  } catch (err) {
    await dataPlane.close().catch(() => {}); // no process it started may outlive the failed start
    throw err;
  }
  if (backend.kind === 'loopback') {
    return {
      kind: 'loopback', prefix, dataPlane,
      note: `network: loopback — WARNING: NOTHING IS ISOLATED (${why}): every VPC is a block of 127.0.0.0/8 on this host `
        + '(VPC address 10.1.2.3 → 127.<vpc>.2.3); run as root on Linux for real, isolated networks',
    };
  }
  return { kind: 'netns', prefix, dataPlane, note: `network: netns — every VPC is a network namespace (names start with '${prefix}')` };
}
