/**
 * `underpass exec` against stand-ins for the API and the admin API (no root, no server): subnet
 * choice, the CreateNetworkInterface request, the workload poll (404, 409, timeout), the
 * environment, exit codes, signal forwarding, and the ENI deleted on every way out. The command
 * runs as a plain child process instead of inside a namespace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { AwsApiError, type Params, type XmlObject } from '../../src/cli/api-client.js';
import { commandTagValue, exitStatus, lowestId, runExec, workloadEnv, type ExecDeps, type ExecOptions } from '../../src/cli/exec.js';

const VPC = 'vpc-0aaaaaaaaaaaaaaaa';
const SUBNET_A = 'subnet-0bbbbbbbbbbbbbbb1';
const SUBNET_B = 'subnet-0bbbbbbbbbbbbbbb0';
const ENI = 'eni-0ccccccccccccccc1';

interface Call { action: string; params: Params }

/** A fake EC2 API: the caller owns VPC with SUBNET_A and SUBNET_B. */
function fakeApi(over: Partial<Record<string, (p: Params) => XmlObject>> = {}) {
  const calls: Call[] = [];
  const api = {
    async ec2(action: string, params: Params = {}): Promise<XmlObject> {
      calls.push({ action, params });
      const o = over[action];
      if (o) return o(params);
      switch (action) {
        case 'DescribeVpcs':
          if ((params.VpcId as string[])[0] !== VPC) throw new AwsApiError('InvalidVpcID.NotFound', `The vpc ID '${(params.VpcId as string[])[0]}' does not exist`, 400, action);
          return { vpcSet: [{ vpcId: VPC }] };
        case 'DescribeSubnets':
          if (params.SubnetId) {
            const id = (params.SubnetId as string[])[0];
            if (id === 'subnet-elsewhere') return { subnetSet: [{ subnetId: id, vpcId: 'vpc-other' }] };
            if (id !== SUBNET_A && id !== SUBNET_B) throw new AwsApiError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`, 400, action);
            return { subnetSet: [{ subnetId: id, vpcId: VPC }] };
          }
          return { subnetSet: [{ subnetId: SUBNET_A, vpcId: VPC }, { subnetId: SUBNET_B, vpcId: VPC }] };
        case 'CreateNetworkInterface':
          return { networkInterface: { networkInterfaceId: ENI, privateIpAddress: '10.0.1.4' } };
        case 'DeleteNetworkInterface':
          return { return: 'true' };
        default:
          throw new Error(`unexpected ${action}`);
      }
    },
  };
  return { api, calls };
}

function workloadJson(subnetId = SUBNET_B) {
  return { namespace: 'up-wfake', ip: '10.0.1.4', vpcId: VPC, subnetId, eniId: ENI, resolver: '10.0.0.2' };
}

interface Harness {
  deps: ExecDeps;
  calls: Call[];
  signals: EventEmitter;
  output: () => string;
  logs: string[];
  spawned: Array<{ namespace: string; command: string[] }>;
}

function harness(opts: { answers?: Array<{ status: number; json: Record<string, unknown> }>; api?: ReturnType<typeof fakeApi> } = {}): Harness {
  const { api, calls } = opts.api ?? fakeApi();
  const answers = [...(opts.answers ?? [{ status: 404, json: {} }, { status: 200, json: workloadJson() }])];
  let deleted = false;
  const signals = new EventEmitter();
  const logs: string[] = [];
  const spawned: Array<{ namespace: string; command: string[] }> = [];
  let out = '';
  const deps: ExecDeps = {
    api: {
      async ec2(action, params) {
        if (action === 'DeleteNetworkInterface') deleted = true;
        return api.ec2(action, params);
      },
    },
    async workload() {
      if (deleted) return { status: 404, json: {} };
      return answers.length > 1 ? answers.shift()! : answers[0]!;
    },
    spawn(namespace, command, env) {
      spawned.push({ namespace, command });
      const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      return child;
    },
    signals: signals as unknown as ExecDeps['signals'],
    env: { PATH: process.env.PATH, KEEP: 'me' },
    log: (l) => logs.push(l),
    isRoot: true,
    accessKeyId: '111111111111',
    pollMs: 1,
    readyTimeoutMs: 300,
  };
  return { deps, calls, signals, output: () => out, logs, spawned };
}

const opts = (o: Partial<ExecOptions> = {}): ExecOptions => ({ vpc: VPC, securityGroups: [], command: ['sh', '-c', 'echo "$UNDERPASS_IP $UNDERPASS_ENI_ID $UNDERPASS_VPC_ID $UNDERPASS_SUBNET_ID $KEEP"'], ...o });
const actions = (calls: Call[]) => calls.map((c) => c.action);

describe('exec (pure parts)', () => {
  it('exit statuses follow the shell: the code, or 128 + the signal number', () => {
    assert.equal(exitStatus(0, null), 0);
    assert.equal(exitStatus(7, null), 7);
    assert.equal(exitStatus(null, 'SIGTERM'), 143);
    assert.equal(exitStatus(null, 'SIGINT'), 130);
    assert.equal(exitStatus(null, 'SIGKILL'), 137);
  });

  it('tags the ENI with the command line, quoted and cut to 255 characters', () => {
    assert.equal(commandTagValue(['python3', '-m', 'http.server', '80']), 'python3 -m http.server 80');
    assert.equal(commandTagValue(['sh', '-c', "echo 'hi' $X"]), `sh -c 'echo '\\''hi'\\'' $X'`);
    assert.equal(commandTagValue(['x'.repeat(300)]).length, 255);
  });

  it('picks the lowest id and builds the environment', () => {
    assert.equal(lowestId([SUBNET_A, SUBNET_B]), SUBNET_B);
    assert.equal(lowestId(['subnet-10', 'subnet-9a']), 'subnet-10');
    assert.equal(lowestId([]), undefined);
    assert.deepEqual(workloadEnv({ A: '1' }, workloadJson()), { A: '1', UNDERPASS_IP: '10.0.1.4', UNDERPASS_ENI_ID: ENI, UNDERPASS_VPC_ID: VPC, UNDERPASS_SUBNET_ID: SUBNET_B });
  });
});

describe('exec against stand-ins', () => {
  it('creates the ENI in the lowest subnet, waits for the namespace, runs the command with its address, deletes the ENI', async () => {
    const h = harness();
    const code = await runExec(opts({ command: ['sh', '-c', 'echo "$UNDERPASS_IP $UNDERPASS_ENI_ID $UNDERPASS_VPC_ID $UNDERPASS_SUBNET_ID $KEEP"'] }), h.deps);
    assert.equal(code, 0);
    assert.equal(h.output().trim(), `10.0.1.4 ${ENI} ${VPC} ${SUBNET_B} me`);
    assert.deepEqual(h.spawned[0]?.namespace, 'up-wfake');
    assert.deepEqual(actions(h.calls), ['DescribeVpcs', 'DescribeSubnets', 'CreateNetworkInterface', 'DeleteNetworkInterface']);
    const create = h.calls[2]!.params;
    assert.equal(create.SubnetId, SUBNET_B);
    assert.equal(create.PrivateIpAddress, undefined);
    assert.equal(create.SecurityGroupId, undefined);
    assert.equal(create.Description, 'underpass exec workload');
    assert.deepEqual(create.TagSpecification, [{ ResourceType: 'network-interface', Tag: [{ Key: 'underpass:workload', Value: `sh -c 'echo "$UNDERPASS_IP $UNDERPASS_ENI_ID $UNDERPASS_VPC_ID $UNDERPASS_SUBNET_ID $KEEP"'` }] }]);
    assert.deepEqual(h.calls[3]!.params, { NetworkInterfaceId: ENI });
  });

  it('passes --subnet, --ip and --security-group through, and propagates the exit code', async () => {
    const h = harness();
    const code = await runExec(opts({ subnet: SUBNET_A, ip: '10.0.1.77', securityGroups: ['sg-1', 'sg-2'], command: ['sh', '-c', 'exit 7'] }), h.deps);
    assert.equal(code, 7);
    const create = h.calls.find((c) => c.action === 'CreateNetworkInterface')!.params;
    assert.equal(create.SubnetId, SUBNET_A);
    assert.equal(create.PrivateIpAddress, '10.0.1.77');
    assert.deepEqual(create.SecurityGroupId, ['sg-1', 'sg-2']);
  });

  it('refuses a VPC or subnet that is not the caller\'s with a clear message, creating nothing', async () => {
    let h = harness();
    await assert.rejects(runExec(opts({ vpc: 'vpc-0ffffffffffffffff' }), h.deps),
      /VPC vpc-0ffffffffffffffff does not exist or is not yours: the credentials in use \(access key 111111111111\) must own it \(InvalidVpcID.NotFound: The vpc ID 'vpc-0ffffffffffffffff' does not exist\)/);
    assert.deepEqual(actions(h.calls), ['DescribeVpcs']);
    h = harness();
    await assert.rejects(runExec(opts({ subnet: 'subnet-0nothere' }), h.deps), /subnet subnet-0nothere does not exist or is not yours.*InvalidSubnetID.NotFound/);
    h = harness();
    await assert.rejects(runExec(opts({ subnet: 'subnet-elsewhere' }), h.deps), /subnet subnet-elsewhere is in vpc-other, not in vpc-0a/);
    assert.ok(!actions(h.calls).includes('CreateNetworkInterface'));
  });

  it('says so when the VPC has no subnet', async () => {
    const h = harness({ api: fakeApi({ DescribeSubnets: () => ({ subnetSet: '' }) }) });
    await assert.rejects(runExec(opts(), h.deps), /VPC vpc-0a+ has no subnet/);
  });

  it('reports 409 (no namespace backend) and a missing namespace after the timeout, deleting the ENI', async () => {
    let h = harness({ answers: [{ status: 409, json: { error: 'the network backend is none: workloads need --network netns' } }] });
    await assert.rejects(runExec(opts(), h.deps), /the server cannot run workloads: the network backend is none/);
    assert.equal(actions(h.calls).at(-1), 'DeleteNetworkInterface');
    h = harness({ answers: [{ status: 404, json: {} }] });
    await assert.rejects(runExec(opts(), h.deps), /made no namespace for eni-0c+1 within 0.3 s/);
    assert.equal(actions(h.calls).at(-1), 'DeleteNetworkInterface');
    h = harness({ answers: [{ status: 404, json: { error: 'no admin route GET /workloads/x' } }] });
    await assert.rejects(runExec(opts(), h.deps), /no workload API/);
    assert.equal(actions(h.calls).at(-1), 'DeleteNetworkInterface');
  });

  it('forwards SIGTERM to the command and answers 128 + 15; a signal while waiting deletes the ENI and answers 128 + n', async () => {
    let h = harness();
    const run = runExec(opts({ command: ['sleep', '30'] }), h.deps);
    while (h.spawned.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    h.signals.emit('SIGTERM');
    assert.equal(await run, 143);
    assert.equal(actions(h.calls).at(-1), 'DeleteNetworkInterface');
    assert.equal(h.signals.listenerCount('SIGTERM'), 0, 'handlers removed');

    h = harness({ answers: [{ status: 404, json: {} }] });
    h.deps.readyTimeoutMs = 10_000;
    const waiting = runExec(opts(), h.deps);
    await new Promise((r) => setTimeout(r, 30));
    h.signals.emit('SIGINT');
    assert.equal(await waiting, 130);
    assert.deepEqual(h.spawned, []);
    assert.equal(actions(h.calls).at(-1), 'DeleteNetworkInterface');
  });

  it('needs root for a namespace, and a command', async () => {
    const h = harness();
    h.deps.isRoot = false;
    await assert.rejects(runExec(opts(), h.deps), /needs root/);
    assert.equal(actions(h.calls).at(-1), 'DeleteNetworkInterface', 'the ENI made before is deleted');
    await assert.rejects(runExec(opts({ command: [] }), harness().deps), /no command given/);
  });

  it('warns, but still answers the exit code, when the ENI cannot be deleted', async () => {
    const h = harness({ api: fakeApi({ DeleteNetworkInterface: () => { throw new AwsApiError('InternalError', 'boom', 500, 'DeleteNetworkInterface'); } }) });
    assert.equal(await runExec(opts({ command: ['true'] }), h.deps), 0);
    assert.match(h.logs.join('\n'), /could not delete eni-0c+1: DeleteNetworkInterface: InternalError: boom/);
  });
});
