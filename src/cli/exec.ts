/**
 * `underpass exec`: runs a command as a workload inside a VPC. The workload is an ENI made with the
 * caller's own credentials (so the caller must own the subnet, as for any API call); the data
 * plane gives every such ENI a namespace, which the admin API reports; the command runs there
 * through `ip netns exec` with its address in `$UNDERPASS_IP`. The ENI is deleted on the way out
 * whatever happens (exit, error, signal), and the server then removes the namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { findIp } from '../net/ip.js';
import { AwsApiError, asList, str, type ApiClient, type XmlObject } from './api-client.js';

export interface ExecOptions {
  vpc: string;
  subnet?: string;
  ip?: string;
  securityGroups: string[];
  command: string[];
}

/** What the admin API answers for a workload ENI: `GET /_underpass/workloads/<eni-id>`. */
export interface WorkloadInfo {
  namespace: string;
  ip: string;
  vpcId: string;
  subnetId: string;
  eniId: string;
  resolver: string;
  /** Loopback network: the VPC address (`ip` is then its host address in 127.0.0.0/8). */
  vpcIp?: string;
}

type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export const FORWARDED_SIGNALS: readonly Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Everything `runExec` touches outside itself, so tests can stand in for the server and the kernel. */
export interface ExecDeps {
  api: Pick<ApiClient, 'ec2'>;
  /** The admin API's answer for the workload of `eniId`. */
  workload(eniId: string): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Starts `ip netns exec <namespace> <command…>` with `env`, stdio inherited. */
  spawn(namespace: string, command: string[], env: NodeJS.ProcessEnv): ChildProcess;
  /** Where SIGINT/SIGTERM/SIGHUP arrive (the process). */
  signals: Pick<NodeJS.Process, 'on' | 'off'>;
  env: NodeJS.ProcessEnv;
  /** Messages for the user (stderr). */
  log(message: string): void;
  isRoot: boolean;
  /** Named in ownership errors ("the credentials in use (access key …)"). */
  accessKeyId?: string;
  pollMs?: number;
  /** How long to wait for the namespace (default 20 s). */
  readyTimeoutMs?: number;
  /** How long to wait, after the ENI is deleted, for the server to drop the workload (default 3 s). */
  goneTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const WORKLOAD_DESCRIPTION = 'underpass exec workload';
export const WORKLOAD_TAG = 'underpass:workload';

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as a shell would show it, cut to AWS's 255-character tag value limit. */
export function commandTagValue(command: readonly string[]): string {
  const line = command.map(shellQuote).join(' ');
  return line.length > 255 ? line.slice(0, 255) : line;
}

/** The environment of the command: the caller's, plus where the workload is. */
export function workloadEnv(base: NodeJS.ProcessEnv, w: WorkloadInfo): NodeJS.ProcessEnv {
  return {
    ...base, UNDERPASS_IP: w.ip, UNDERPASS_ENI_ID: w.eniId, UNDERPASS_VPC_ID: w.vpcId, UNDERPASS_SUBNET_ID: w.subnetId,
    ...(w.vpcIp ? { UNDERPASS_VPC_IP: w.vpcIp } : {}),
  };
}

/** A shell-style exit status: the code, or 128 + the signal's number when the child was killed. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
  return 128 + (n ?? 0);
}

/** The subnet with the lowest id (ids of one kind have one length, so this is string order). */
export function lowestId(ids: readonly string[]): string | undefined {
  return [...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))[0];
}

export function parseWorkload(json: Record<string, unknown>): WorkloadInfo {
  const get = (k: keyof WorkloadInfo): string => {
    const v = json[k];
    if (typeof v !== 'string' || !v) throw new Error(`the server's workload answer lacks ${k}: ${JSON.stringify(json)}`);
    return v;
  };
  const ns = json.namespace;
  if (typeof ns !== 'string') throw new Error(`the server's workload answer lacks namespace: ${JSON.stringify(json)}`);
  const vpcIp = typeof json.vpcIp === 'string' && json.vpcIp ? { vpcIp: json.vpcIp } : {};
  return { namespace: ns, ip: get('ip'), vpcId: get('vpcId'), subnetId: get('subnetId'), eniId: get('eniId'), resolver: get('resolver'), ...vpcIp };
}

class Interrupted extends Error {
  constructor(readonly signal: Signal) {
    super(`interrupted by ${signal}`);
  }
}

function explainOwnership(e: unknown, what: string, id: string, accessKeyId: string): Error {
  if (e instanceof AwsApiError && /NotFound$/.test(e.code)) {
    return new Error(`${what} ${id} does not exist or is not yours: the credentials in use (access key ${accessKeyId}) must own it (${e.code}: ${e.awsMessage})`);
  }
  return e as Error;
}

/** Which subnet of `opts.vpc` the workload goes in (checking that the caller owns it). */
export async function chooseSubnet(api: Pick<ApiClient, 'ec2'>, opts: Pick<ExecOptions, 'vpc' | 'subnet'>, accessKeyId: string): Promise<string> {
  try {
    await api.ec2('DescribeVpcs', { VpcId: [opts.vpc] });
  } catch (e) {
    throw explainOwnership(e, 'VPC', opts.vpc, accessKeyId);
  }
  if (opts.subnet) {
    let found: XmlObject[];
    try {
      found = asList((await api.ec2('DescribeSubnets', { SubnetId: [opts.subnet] })).subnetSet);
    } catch (e) {
      throw explainOwnership(e, 'subnet', opts.subnet, accessKeyId);
    }
    const vpcOf = str(found[0]?.vpcId);
    if (vpcOf !== opts.vpc) throw new Error(`subnet ${opts.subnet} is in ${vpcOf || 'another VPC'}, not in ${opts.vpc}`);
    return opts.subnet;
  }
  const subnets = asList((await api.ec2('DescribeSubnets', { Filter: [{ Name: 'vpc-id', Value: [opts.vpc] }] })).subnetSet);
  const pick = lowestId(subnets.map((s) => str(s.subnetId)).filter(Boolean));
  if (!pick) throw new Error(`VPC ${opts.vpc} has no subnet: create one first (ec2 create-subnet --vpc-id ${opts.vpc} …)`);
  return pick;
}

/**
 * Runs the command as a workload of `opts.vpc` and answers its exit status (128 + n when it or
 * `exec` itself was killed by signal n). Throws (after deleting the ENI) when the workload cannot
 * be set up.
 */
export async function runExec(opts: ExecOptions, deps: ExecDeps): Promise<number> {
  if (opts.command.length === 0) throw new Error('no command given: underpass exec --vpc <vpc-id> -- <command…>');
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = deps.pollMs ?? 50;
  const accessKeyId = deps.accessKeyId ?? '?';

  let child: ChildProcess | undefined;
  let pending: Signal | undefined;
  let cleaning = false;
  const handlers = new Map<Signal, () => void>();
  for (const sig of FORWARDED_SIGNALS) {
    const h = () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill(sig);
      } else if (!cleaning && !pending) {
        pending = sig;
      }
    };
    handlers.set(sig, h);
    deps.signals.on(sig, h);
  }
  const checkInterrupted = () => {
    if (pending) throw new Interrupted(pending);
  };

  let eniId: string | undefined;
  try {
    const subnetId = await chooseSubnet(deps.api, opts, accessKeyId);
    checkInterrupted();
    const created = await deps.api.ec2('CreateNetworkInterface', {
      SubnetId: subnetId,
      PrivateIpAddress: opts.ip,
      SecurityGroupId: opts.securityGroups.length ? opts.securityGroups : undefined,
      Description: WORKLOAD_DESCRIPTION,
      TagSpecification: [{ ResourceType: 'network-interface', Tag: [{ Key: WORKLOAD_TAG, Value: commandTagValue(opts.command) }] }],
    });
    const eni = created.networkInterface;
    eniId = eni && typeof eni === 'object' && !Array.isArray(eni) ? str(eni.networkInterfaceId) : '';
    if (!eniId) throw new Error('CreateNetworkInterface answered no networkInterfaceId');
    checkInterrupted();

    const workload = await waitForWorkload(eniId, deps, sleep, pollMs, checkInterrupted);
    checkInterrupted();
    if (workload.namespace === '') {
      deps.log(`underpass exec: loopback network, NOT isolated: the command runs on this host; its VPC address ${workload.vpcIp ?? '?'} is ${workload.ip} here (bind to $UNDERPASS_IP to be seen as this workload)`);
    } else if (!deps.isRoot) {
      throw new Error('underpass exec runs the command in a network namespace (ip netns exec), which needs root');
    }

    const running = deps.spawn(workload.namespace, opts.command, workloadEnv(deps.env, workload));
    child = running;
    return await new Promise<number>((resolve, reject) => {
      running.once('error', (e) => reject(new Error(`cannot run ip netns exec: ${e.message}`)));
      running.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
    });
  } catch (e) {
    if (e instanceof Interrupted) return exitStatus(null, e.signal);
    throw e;
  } finally {
    cleaning = true;
    if (eniId) await removeEni(eniId, deps, sleep, pollMs);
    for (const [sig, h] of handlers) deps.signals.off(sig, h);
  }
}

async function waitForWorkload(eniId: string, deps: ExecDeps, sleep: (ms: number) => Promise<void>, pollMs: number, checkInterrupted: () => void): Promise<WorkloadInfo> {
  const timeoutMs = deps.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, json } = await deps.workload(eniId);
    if (status === 200) return parseWorkload(json);
    const error = typeof json.error === 'string' ? json.error : '';
    if (status === 409) throw new Error(`the server cannot run workloads: ${error || 'it has no namespace network backend'}`);
    if (status === 404 && /no admin route/.test(error)) {
      throw new Error(`this Underpass has no workload API (${error}): it is older than underpass exec`);
    }
    if (status !== 404) throw new Error(`the server answered ${status} for workload ${eniId}: ${error || JSON.stringify(json)}`);
    if (Date.now() >= deadline) {
      throw new Error(`the data plane made no namespace for ${eniId} within ${timeoutMs / 1000} s (is Underpass running with the netns network? see 'underpass up --network')`);
    }
    checkInterrupted();
    await sleep(pollMs);
  }
}

async function removeEni(eniId: string, deps: ExecDeps, sleep: (ms: number) => Promise<void>, pollMs: number): Promise<void> {
  try {
    await deps.api.ec2('DeleteNetworkInterface', { NetworkInterfaceId: eniId });
  } catch (e) {
    if (e instanceof AwsApiError && e.code === 'InvalidNetworkInterfaceID.NotFound') return;
    deps.log(`underpass exec: could not delete ${eniId}: ${(e as Error).message} (delete it with ec2 delete-network-interface)`);
    return;
  }
  // Wait a little for the server to drop the namespace, so that the next exec may reuse the address.
  const deadline = Date.now() + (deps.goneTimeoutMs ?? 3000);
  while (Date.now() < deadline) {
    try {
      if ((await deps.workload(eniId)).status !== 200) return;
    } catch {
      return;
    }
    await sleep(pollMs);
  }
}

/** The real `ip netns exec` child, stdio inherited. */
export function spawnInNamespace(namespace: string, command: string[], env: NodeJS.ProcessEnv): ChildProcess {
  if (namespace === '') return spawn(command[0]!, command.slice(1), { stdio: 'inherit', env }); // loopback network: on the host
  return spawn(findIp(), ['netns', 'exec', namespace, ...command], { stdio: 'inherit', env });
}
