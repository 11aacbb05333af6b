/**
 * One Underpass control plane: store, API server, admin API and the transition ticker. Used by
 * `underpass up` and by the tests (port 0, a temporary data directory).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../core/errors.js';
import { newAccountKey } from './auth/accounts.js';
import { createAuthenticator } from './auth/index.js';
import type { AuthMode } from './auth/authenticator.js';
import { DEFAULT_CONTROL_CONFIG, type ControlConfig } from './api/context.js';
import { Dispatcher } from './api/dispatch.js';
import { EC2_MODEL, ELBV2_MODEL } from '../wire/model.js';
import { startServer } from './server.js';
import { startConsole } from './console/index.js';
import { credentialCheck } from './console/credentials.js';
import { Store } from './store/store.js';
import { substrateHandlers, substrateTick } from './services/substrate/index.js';
import { elbHandlers, elbTick } from './services/elb/index.js';
import { privatelinkHandlers, privatelinkNotSupported, privatelinkTick, startPrivateDnsVerifier } from './services/privatelink/index.js';
import { route53resolverDispatcher, route53resolverTick } from './services/route53resolver/index.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { chooseNetwork, type NetworkChoice } from './network.js';
import type { DataPlane } from '../dataplane/plane.js';
import { explainFlow, type KnownEndpoint } from '../policy/explain.js';

export interface UnderpassOptions {
  host?: string;
  port?: number;
  dataDir: string;
  databaseUrl?: string;
  region?: string;
  auth?: AuthMode;
  defaultAccount?: string;
  /** Overrides of the timed transitions (tests shorten them). */
  stateDelayMs?: number;
  tickMs?: number;
  /** The network backend: 'netns' (root, Linux), 'loopback' (no isolation), 'none' (API only), 'auto' (netns when it can, else loopback; default). */
  network?: NetworkChoice;
  /** Name prefix of everything the netns backend creates (default 'up-'). */
  netPrefix?: string;
  /** TESTS ONLY: health-check interval in ms instead of the target groups' seconds. */
  healthIntervalOverrideMs?: number;
  /** The "public DNS" ("ip" or "ip:port"): the resolvers' upstream (and what private DNS verification asks). Default: the host's first nameserver. */
  publicDns?: string;
  /** Port of the host's DNS listener on 127.0.0.1 (0: any free one); none when absent. */
  dnsPort?: number;
  /** The web console's built files (default `<repo>/console/dist`). */
  consoleDistDir?: string;
  /** A console session unused this long expires (default 60 min; each request extends it). */
  consoleSessionIdleMs?: number;
  /** A console session expires this long after sign-in, used or not (default 12 h). */
  consoleSessionMaxMs?: number;
}

export interface Underpass {
  port: number;
  host: string;
  region: string;
  auth: AuthMode;
  store: Store;
  dataDir: string;
  adminToken: string;
  /** Runs one transition pass now (tests use it instead of waiting). */
  tick(): Promise<void>;
  /** Compiles the store into a desired state and applies it to the data plane now (no-op without one). */
  reconcile(): Promise<void>;
  /** The data plane, when the network backend is netns. */
  dataPlane: DataPlane | undefined;
  /** One line saying which network backend runs and why. */
  networkNote: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4570;
/** The host's DNS listener (127.0.0.1) that `underpass up` opens by default. */
export const DEFAULT_DNS_PORT = 4553;
export const DEFAULT_ACCOUNT = '000000000000';

export async function startUnderpass(opts: UnderpassOptions): Promise<Underpass> {
  const region = opts.region ?? 'us-east-1';
  const auth = opts.auth ?? 'dev';
  const host = opts.host ?? '127.0.0.1';
  const config: ControlConfig = { ...DEFAULT_CONTROL_CONFIG, region, stateDelayMs: opts.stateDelayMs ?? DEFAULT_CONTROL_CONFIG.stateDelayMs };
  if (opts.publicDns) config.publicDns = parseDnsServer(opts.publicDns);
  mkdirSync(opts.dataDir, { recursive: true });
  const store = await Store.open({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const upstream = opts.publicDns !== undefined ? parseDnsServer(opts.publicDns) : hostNameserver();
  const network = await chooseNetwork(opts.network ?? 'auto', {
    dataDir: opts.dataDir, ...(opts.netPrefix ? { prefix: opts.netPrefix } : {}),
    dns: { ...(upstream ? { upstream } : {}), ...(opts.dnsPort !== undefined ? { hostPort: opts.dnsPort } : {}) },
    ...(opts.healthIntervalOverrideMs ? { healthIntervalOverrideMs: opts.healthIntervalOverrideMs } : {}),
  }).catch(async (err: unknown) => { await store.close(); throw err; });
  const dataPlane = network.dataPlane;
  if (dataPlane) config.dataPlane = dataPlane;
  const authenticator = createAuthenticator({ mode: auth, region, defaultAccount: opts.defaultAccount ?? DEFAULT_ACCOUNT, store });
  const ec2 = new Dispatcher({
    signingName: 'ec2', displayName: 'EC2', model: EC2_MODEL,
    handlers: { ...substrateHandlers, ...privatelinkHandlers }, notSupported: privatelinkNotSupported,
    cacheable: new Set(['DescribeVpcEndpoints', 'DescribeVpcEndpointConnections', 'DescribeVpcEndpointServiceConfigurations',
      'DescribeVpcEndpointServicePermissions', 'DescribeVpcEndpointServices', 'DescribeVpcs', 'DescribeSubnets',
      'DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'DescribeNetworkInterfaces', 'DescribeRouteTables']),
  }, store, config);
  const elb = new Dispatcher({
    signingName: 'elasticloadbalancing', displayName: 'Elastic Load Balancing', model: ELBV2_MODEL,
    handlers: elbHandlers, notSupported: {},
    // Not DescribeTargetHealth: it shows what the data plane observed.
    cacheable: new Set(['DescribeLoadBalancers', 'DescribeListeners', 'DescribeTargetGroups']),
  }, store, config);
  const route53resolver = route53resolverDispatcher(store, config);
  const adminToken = randomBytes(24).toString('hex');
  const webConsole = startConsole({
    store, check: credentialCheck({ mode: auth, store, defaultAccount: opts.defaultAccount ?? DEFAULT_ACCOUNT }),
    query: { ec2, elbv2: elb }, json: { route53resolver }, dataPlane, networkNote: network.note,
    flowLogPath: join(opts.dataDir, 'flow-logs', 'flows.log'),
    ...(opts.consoleDistDir !== undefined ? { distDir: opts.consoleDistDir } : {}),
    ...(opts.consoleSessionIdleMs !== undefined ? { idleMs: opts.consoleSessionIdleMs } : {}),
    ...(opts.consoleSessionMaxMs !== undefined ? { maxMs: opts.consoleSessionMaxMs } : {}),
  });
  const running = await startServer({
    host,
    port: opts.port ?? DEFAULT_PORT,
    authenticator,
    dispatchers: [ec2, elb, route53resolver],
    adminToken,
    console: webConsole.handle,
    ...(dataPlane ? { metrics: () => dataPlane.metrics.render() } : {}),
    admin: async ({ method, path, query, body }) => {
      if (method === 'POST' && path === '/accounts') {
        const req = body.length ? (JSON.parse(body.toString('utf8')) as { accountId?: string }) : {};
        if (req.accountId !== undefined && !/^\d{12}$/.test(req.accountId)) {
          throw new ApiError('InvalidParameterValue', `account id '${req.accountId}' is not 12 digits`);
        }
        const key = newAccountKey(req.accountId);
        await store.createAccountKey(key);
        return { status: 201, json: key };
      }
      if (method === 'GET' && path === '/status') {
        return {
          status: 200,
          json: {
            region, auth, store: store.dialect, pid: process.pid, network: network.kind, storeGeneration: store.generation,
            ...(ec2.cacheStats ? { responseCache: { ec2: ec2.cacheStats, elasticloadbalancing: elb.cacheStats } } : {}),
          },
        };
      }
      if (method === 'GET' && path === '/explain') {
        if (!dataPlane?.desired) return { status: 409, json: { error: `no data plane is running (${network.note})` } };
        const q = query;
        const need = (k: string) => {
          const v = q.get(k);
          if (!v) throw new ApiError('MissingParameter', `explain needs '${k}'`);
          return v;
        };
        const port = Number(need('port'));
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ApiError('InvalidParameterValue', `port '${q.get('port')}' is not 1-65535`);
        const known = await store.transaction(false, async (tx) => {
          const out: KnownEndpoint[] = [];
          for (const e of await tx.list('endpoint')) {
            const ips: string[] = [];
            for (const id of e.networkInterfaceIds) { const n = await tx.get('network-interface', id); if (n) ips.push(n.privateIpAddress); }
            out.push({ endpointId: e.id, vpcId: e.vpcId, state: e.state, ips });
          }
          return out;
        });
        const answer = explainFlow(dataPlane.desired, dataPlane.health, {
          sourceVpcId: need('vpc'), sourceIp: need('from'), destination: need('to'), port,
          ...(q.get('zone') ? { zoneId: q.get('zone')! } : {}), ...(q.get('sourcePort') ? { sourcePort: Number(q.get('sourcePort')) } : {}),
        }, known);
        return { status: 200, json: answer };
      }
      if (method === 'GET' && path === '/dns') {
        if (!dataPlane) return { status: 409, json: { error: `no data plane is running (${network.note})` } };
        const d = dataPlane.desired;
        return {
          status: 200,
          json: {
            host: dataPlane.dnsHostPort ? `127.0.0.1:${dataPlane.dnsHostPort}` : undefined,
            resolvers: (d?.networks ?? []).map((n) => ({ vpcId: n.vpcId, address: `${n.resolverIp}:53`, enableDnsSupport: n.enableDnsSupport })),
            inboundEndpoints: (d?.inboundEndpoints ?? []).map((e) => ({
              id: e.id, vpcId: e.vpcId, addresses: e.ips.map((i) => `${i.ip}:53`),
              ...(dataPlane.inboundHostPorts.has(e.id) ? { host: `127.0.0.1:${dataPlane.inboundHostPorts.get(e.id)}` } : {}),
            })),
            forwardingRules: (d?.resolverRules ?? []).map((r) => ({ vpcId: r.vpcId, domain: r.domain, targets: r.targets.map((t) => `${t.ip}:${t.port}`), ruleId: r.ruleId })),
          },
        };
      }
      const wl = /^\/workloads\/(eni-[0-9a-f]+)$/.exec(path);
      if (method === 'GET' && wl) {
        if (!dataPlane) return { status: 409, json: { error: `this Underpass runs without a network backend (${network.note}); workloads need --network netns` } };
        const w = dataPlane.workload(wl[1]!);
        if (!w) return { status: 404, json: { error: `no workload for ${wl[1]} (yet)` } };
        return { status: 200, json: { eniId: wl[1], namespace: w.namespace, ip: w.ip, vpcIp: w.vpcIp, vpcId: w.vpcId, subnetId: w.subnetId, resolver: w.resolver, gateway: w.gateway } };
      }
      return { status: 404, json: { error: `no admin route ${method} ${path}` } };
    },
  }).catch(async (err: unknown) => {
    // The port was taken, say: nothing started so far may outlive the failed start.
    webConsole.close();
    await dataPlane?.close().catch(() => {});
    await store.close();
    throw err;
  });

  const ticks = [substrateTick, elbTick, privatelinkTick, route53resolverTick];
  let ticking: Promise<void> | undefined;
  let closing = false;
  // When no family has anything in a timed state and nothing was written since, the passes stop
  // (an idle Underpass no longer reads every document four times a second) until the next write.
  let quietAt = -1;
  const tick = async (force = true) => {
    while (ticking) await ticking;
    if (closing) return;
    if (!force && store.exclusive && quietAt === store.generation) return;
    ticking = store.transaction(true, async (tx) => {
      // Inside the transaction no other one commits (SQLite's queue): the generation after this
      // commit is this one, plus one if the pass wrote. A write committed after it moves it on.
      const before = store.generation;
      const now = new Date();
      let waiting = false;
      for (const t of ticks) if (await t(tx, now, config)) waiting = true;
      return waiting ? -1 : before + (tx.writes > 0 ? 1 : 0);
    }).then((quiet) => { quietAt = quiet; }).finally(() => { ticking = undefined; });
    await ticking;
  };
  // Compiles the store for the data plane: right after every committed change (a new endpoint
  // listens without waiting for the tick) and on every tick; skipped while nothing moved.
  const loop = dataPlane ? new ReconcileLoop(store, dataPlane) : undefined;
  const unwatch = loop ? store.onChange(() => loop.kick()) : undefined;
  const reconcile = async () => {
    if (!loop || closing) return;
    await loop.reconcile();
  };
  const timer = setInterval(() => {
    tick(false).then(reconcile).catch((e) => console.error('underpass: transition tick failed', e));
  }, opts.tickMs ?? 250);
  timer.unref();
  const verifier = startPrivateDnsVerifier(store, config);

  const serverFile = join(opts.dataDir, 'server.json');
  writeFileSync(serverFile, JSON.stringify({
    host, port: running.port, pid: process.pid, region, auth, adminToken, network: network.kind, netPrefix: network.prefix,
  }, null, 2), { mode: 0o600 });

  return {
    port: running.port, host, region, auth, store, dataDir: opts.dataDir, adminToken, tick, reconcile, dataPlane, networkNote: network.note,
    async close() {
      closing = true;
      clearInterval(timer);
      await verifier.stop();
      while (ticking) await ticking;
      unwatch?.();
      await loop?.close();
      webConsole.close();
      await running.close();
      await dataPlane?.close().catch((e: unknown) => console.error('underpass: closing the data plane failed', e));
      await store.close();
      rmSync(serverFile, { force: true });
    },
  };
}

/** "ip" or "ip:port" (default port 53); IPv4 only. */
export function parseDnsServer(text: string): { host: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] ? Number(m[2]) : 53;
  if (!m || port < 1 || port > 65535 || m[1]!.split('.').some((o) => Number(o) > 255)) {
    throw new ApiError('InvalidParameterValue', `public DNS '${text}' is not an IPv4 address with an optional :port`);
  }
  return { host: m[1]!, port };
}

/** The host's first IPv4 nameserver from /etc/resolv.conf, if any. */
function hostNameserver(): { host: string; port: number } | undefined {
  try {
    const line = readFileSync('/etc/resolv.conf', 'utf8').split('\n').find((l) => /^\s*nameserver\s+\d+\.\d+\.\d+\.\d+\s*$/.test(l));
    return line ? { host: line.trim().split(/\s+/)[1]!, port: 53 } : undefined;
  } catch {
    return undefined;
  }
}
