/**
 * The netns backend's primitives against the real kernel (root and `ip` needed; skipped with a
 * message otherwise, failed under CI). Every namespace and link carries a prefix unique to this
 * test process and is removed by each test's t.after and by a final sweep.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { IpError, IpRunner, type ExecFn } from '../../src/net/ip.js';
import {
  DEFAULT_PREFIX, eniLabel, isValidPrefix, namespaceKind, resolverLabel, routerVeth, subnetBridge, vpcNamespace, workloadNamespace,
} from '../../src/net/names.js';
import { NetnsBackend } from '../../src/net/netns.js';
import { cannotRun, connectFrom, OTHER_PREFIX, runIn, startServer, SWEEP_PREFIX, TEST_PREFIX, twoVpcs } from './topologies.js';

const why = cannotRun();
if (why && process.env.CI) throw new Error(`netns tests cannot run under CI: ${why}`);
const kernel = why ? { skip: `${why}: skipped (set CI to make this a failure)` } : {};

function ipNames(args: string[]): string[] {
  const out = execFileSync('ip', ['-j', ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
  return out ? (JSON.parse(out) as Array<{ name?: string; ifname?: string }>).map((x) => x.name ?? x.ifname ?? '') : [];
}

after(async () => {
  if (why) return;
  for (const p of [TEST_PREFIX, OTHER_PREFIX, SWEEP_PREFIX]) await new NetnsBackend({ prefix: p }).sweep();
  for (const p of [TEST_PREFIX, OTHER_PREFIX, SWEEP_PREFIX]) {
    assert.deepEqual(ipNames(['netns', 'list']).filter((n) => n.startsWith(p)), [], `namespaces with ${p} left behind`);
  }
});

describe('names (pure)', () => {
  it('are at most 15 characters, carry the prefix and are stable', () => {
    for (const p of ['up-', 'a-', 'upt999-', 'abcdef-']) {
      for (const id of ['vpc-0123456789abcdef0', 'subnet-1', 'x', 'a much longer workload name than any interface allows']) {
        for (const n of [vpcNamespace(p, id), workloadNamespace(p, id), subnetBridge(p, id), routerVeth(p, id), eniLabel(p), resolverLabel(p)]) {
          assert.ok(n.length <= 15, `${n} is longer than 15`);
          assert.ok(n.startsWith(p) || n.startsWith(`lo:${p}`), `${n} lacks ${p}`);
          assert.match(n, /^[a-z0-9:-]+$/);
        }
      }
    }
    // Stable across calls and releases: pinned values (sha256 of the id, cut to fit).
    assert.equal(vpcNamespace('up-', 'vpc-1'), vpcNamespace('up-', 'vpc-1'));
    assert.equal(vpcNamespace('up-', 'vpc-1'), 'up-v8ca061c9922');
    assert.equal(workloadNamespace('up-', 'wl-a'), 'up-wb38974f2760');
    assert.equal(subnetBridge('upt999-', 'subnet-1'), 'upt999-b92332cf');
    assert.notEqual(vpcNamespace('up-', 'vpc-1'), vpcNamespace('up-', 'vpc-2'));
    assert.notEqual(vpcNamespace('up-', 'vpc-1'), workloadNamespace('up-', 'vpc-1'));
    assert.equal(namespaceKind('up-', vpcNamespace('up-', 'vpc-1')), 'vpc');
    assert.equal(namespaceKind('up-', workloadNamespace('up-', 'w')), 'workload');
    assert.equal(namespaceKind('up-', 'up-other'), 'other');
    assert.equal(DEFAULT_PREFIX, 'up-');
  });

  it('accepts only prefixes that cannot match another prefix\'s names', () => {
    for (const ok of ['up-', 'a-', 'upt123-', 'abcdef-']) assert.ok(isValidPrefix(ok), ok);
    for (const bad of ['', 'up', 'Up-', 'u-p-', '1up-', 'abcdefg-', 'up_', 'up--']) assert.ok(!isValidPrefix(bad), bad);
    assert.throws(() => vpcNamespace('up', 'vpc-1'), /invalid network name prefix/);
    assert.throws(() => new NetnsBackend({ prefix: 'toolong12-' }), /invalid network name prefix/);
  });
});

describe('ip runner (injected exec)', () => {
  it('passes argv without a shell, batches through stdin and reports command and stderr on failure', async () => {
    const calls: Array<{ file: string; args: readonly string[]; input?: string }> = [];
    const exec: ExecFn = async (file, args, opts) => {
      calls.push({ file, args, input: opts.input });
      if (args.includes('bad')) throw Object.assign(new Error('exit 1'), { code: 1, stderr: 'Error: either "dev" is duplicate\n' });
      return { stdout: args.includes('-j') ? '[{"name":"x"}]' : '', stderr: '' };
    };
    const ip = new IpRunner({ exec, ipPath: '/sbin/ip' });
    assert.deepEqual(await ip.json(['netns', 'list']), [{ name: 'x' }]);
    await ip.batch([['link', 'set', 'lo', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'b']], { netns: 'ns1' });
    assert.deepEqual(calls[1], { file: '/sbin/ip', args: ['-n', 'ns1', '-batch', '-'], input: 'link set lo up\naddr add 10.0.0.1/24 dev b\n' });
    await assert.rejects(ip.run(['link', 'add', 'bad'], { netns: 'n' }), (e: unknown) => {
      assert.ok(e instanceof IpError);
      assert.equal(e.command, '/sbin/ip -n n link add bad');
      assert.match(e.stderr, /duplicate/);
      assert.equal(e.exitCode, 1);
      return true;
    });
    await assert.rejects(ip.batch([['link', 'set', 'dev', 'a b']]), /needs quoting/);
  });
});

describe('netns backend', kernel, () => {
  const backend = new NetnsBackend({ prefix: TEST_PREFIX });

  it('two VPCs with the same CIDR: each workload reaches its own router, never the other VPC nor the host', async (t) => {
    const { a, b } = await twoVpcs(t, backend);
    assert.equal(a.workload.ip, '10.0.1.4');
    assert.equal(b.workload.ip, '10.0.1.4');
    await startServer(t, backend, a.vpc.namespace, '0.0.0.0', 7000, 'A');
    await startServer(t, backend, b.vpc.namespace, '0.0.0.0', 7000, 'B');

    // Own VPC: the gateway, the ENI address and the resolver address, all answered by its own router.
    for (const addr of ['10.0.1.1', '10.0.1.10', '10.0.0.2']) {
      assert.deepEqual(await connectFrom(backend, a.workload.namespace, addr, 7000), { ok: true, data: `A ${addr} from 10.0.1.4` });
      assert.deepEqual(await connectFrom(backend, b.workload.namespace, addr, 7000), { ok: true, data: `B ${addr} from 10.0.1.4` });
    }
    // B's other subnet is reachable from B's workload through the router.
    assert.deepEqual(await connectFrom(backend, b.workload.namespace, '10.0.2.1', 7000), { ok: true, data: 'B 10.0.2.1 from 10.0.1.4' });

    // Addresses only B holds: A's workload cannot reach them (no ARP answer / no route), within the bound.
    const t0 = Date.now();
    const toB1 = await connectFrom(backend, a.workload.namespace, '10.0.1.20', 7000, 1500);
    const toB2 = await connectFrom(backend, a.workload.namespace, '10.0.2.1', 7000, 1500);
    assert.equal(toB1.ok, false, `A reached B's 10.0.1.20: ${JSON.stringify(toB1)}`);
    assert.equal(toB2.ok, false, `A reached B's 10.0.2.1: ${JSON.stringify(toB2)}`);
    assert.match(toB1.ok ? '' : toB1.error, /^(timeout|EHOSTUNREACH)$/);
    assert.match(toB2.ok ? '' : toB2.error, /^(timeout|EHOSTUNREACH|ENETUNREACH)$/);
    assert.ok(Date.now() - t0 < 12_000);
    // B's 10.0.1.20 is real: B's own workload reaches it.
    assert.deepEqual(await connectFrom(backend, b.workload.namespace, '10.0.1.20', 7000), { ok: true, data: 'B 10.0.1.20 from 10.0.1.4' });

    // Nothing leads to the host: a server on the host's loopback is not the workload's loopback.
    const host = createServer((s) => s.end('host\n'));
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    t.after(() => { host.close(); });
    const port = (host.address() as { port: number }).port;
    const toHost = await connectFrom(backend, a.workload.namespace, '127.0.0.1', port, 1500);
    assert.deepEqual(toHost, { ok: false, error: 'ECONNREFUSED' });
    // Routing tables: the workload knows its subnet and the router; the router only its subnets.
    const wRoutes = await backend.runner.json<Array<{ dst: string; gateway?: string }>>(['route', 'show'], { netns: a.workload.namespace });
    assert.deepEqual(wRoutes.map((r) => `${r.dst} ${r.gateway ?? ''}`).sort(), ['10.0.1.0/24 ', 'default 10.0.1.1']);
    const rRoutes = await backend.runner.json<Array<{ dst: string }>>(['route', 'show'], { netns: b.vpc.namespace });
    assert.deepEqual(rRoutes.map((r) => r.dst).sort(), ['10.0.1.0/24', '10.0.2.0/24']);
    // Large MTU on the workload's link.
    const [eth0] = await backend.runner.json<Array<{ mtu: number }>>(['link', 'show', 'dev', 'eth0'], { netns: a.workload.namespace });
    assert.equal(eth0?.mtu, 65535);
  });

  it('within a VPC, workloads of other subnets and the router (from an ENI address) reach a workload', async (t) => {
    await backend.ensureVpc({
      vpcId: 'vpc-intra001', cidr: '10.5.0.0/16',
      subnets: [{ subnetId: 'subnet-x1', cidr: '10.5.1.0/24' }, { subnetId: 'subnet-x2', cidr: '10.5.2.0/24' }],
    });
    t.after(() => backend.removeVpc('vpc-intra001'));
    await backend.addAddress('vpc-intra001', '10.5.1.10');
    const target = await backend.createWorkload({ vpcId: 'vpc-intra001', subnetId: 'subnet-x1', name: 'target' });
    t.after(() => backend.removeWorkload('target'));
    const client = await backend.createWorkload({ vpcId: 'vpc-intra001', subnetId: 'subnet-x2', name: 'client' });
    t.after(() => backend.removeWorkload('client'));
    await startServer(t, backend, target.namespace, '0.0.0.0', 7003, 'T');
    assert.deepEqual(await connectFrom(backend, client.namespace, target.ip, 7003), { ok: true, data: 'T 10.5.1.4 from 10.5.2.4' });
    const router = backend.routerNamespace('vpc-intra001');
    assert.deepEqual(await connectFrom(backend, router, target.ip, 7003, 1500, '10.5.1.10'), { ok: true, data: 'T 10.5.1.4 from 10.5.1.10' });
    // Once removed, the workload's address is gone from the VPC.
    await backend.removeWorkload('target');
    const gone = await connectFrom(backend, client.namespace, '10.5.1.4', 7003, 1000);
    assert.equal(gone.ok, false);
    assert.deepEqual((await backend.listOwned()).namespaces.filter((n) => n === target.namespace), []);
  });

  it('writes the workload resolv.conf naming the VPC resolver (base + 2), seen as /etc/resolv.conf inside', async (t) => {
    const vpc = await backend.ensureVpc({ vpcId: 'vpc-dns00001', cidr: '172.31.0.0/16', subnets: [{ subnetId: 'subnet-d1', cidr: '172.31.16.0/20' }] });
    t.after(() => backend.removeVpc('vpc-dns00001'));
    assert.equal(vpc.resolver, '172.31.0.2');
    const w = await backend.createWorkload({ vpcId: 'vpc-dns00001', subnetId: 'subnet-d1' });
    t.after(() => backend.removeWorkload(w.namespace));
    assert.equal(w.ip, '172.31.16.4');
    const file = readFileSync(`/etc/netns/${w.namespace}/resolv.conf`, 'utf8');
    assert.match(file, /^nameserver 172\.31\.0\.2$/m);
    const inside = await runIn(backend, w.namespace, ['cat', '/etc/resolv.conf']);
    assert.equal(inside, file);
    await backend.removeWorkload(w.namespace);
    assert.equal(existsSync(`/etc/netns/${w.namespace}`), false);
  });

  it('allocates the next free address, honours a chosen one and refuses reserved or taken ones', async (t) => {
    await backend.ensureVpc({ vpcId: 'vpc-alloc001', cidr: '10.9.0.0/16', subnets: [{ subnetId: 'subnet-s', cidr: '10.9.0.0/28' }] });
    t.after(() => backend.removeVpc('vpc-alloc001'));
    await backend.addAddress('vpc-alloc001', '10.9.0.5'); // an ENI: the allocator must skip it
    const w1 = await backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', name: 'one' });
    t.after(() => backend.removeWorkload('one'));
    const w2 = await backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', name: 'two', avoid: ['10.9.0.6'] });
    t.after(() => backend.removeWorkload('two'));
    const w3 = await backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', name: 'three', ip: '10.9.0.14' });
    t.after(() => backend.removeWorkload('three'));
    assert.deepEqual([w1.ip, w2.ip, w3.ip], ['10.9.0.4', '10.9.0.7', '10.9.0.14']);
    await assert.rejects(backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', ip: '10.9.0.15' }), /reserved/);
    await assert.rejects(backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', ip: '10.9.0.3' }), /reserved/);
    await assert.rejects(backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', ip: '10.9.0.4' }), /in use/);
    await assert.rejects(backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', ip: '10.9.1.4' }), /not an address of subnet/);
    await assert.rejects(backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', name: 'one' }), /exists/);
    await assert.rejects(backend.addAddress('vpc-alloc001', '10.9.0.7'), /held by a workload/);
    await assert.rejects(backend.addAddress('vpc-alloc001', '192.168.0.1'), /outside VPC/);
    // Fill the /28 (usable .4–.14): .6 (avoided only by w2) and .8–.13 remain, then it is full.
    for (const n of [6, 8, 9, 10, 11, 12, 13]) {
      const w = await backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', name: `fill${n}` });
      t.after(() => backend.removeWorkload(`fill${n}`));
      assert.equal(w.ip, `10.9.0.${n}`);
    }
    await assert.rejects(backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s' }), /no free address/);
    // Removing a workload frees its address; removing the ENI frees its address.
    await backend.removeWorkload('two');
    await backend.removeAddress('vpc-alloc001', '10.9.0.5');
    await backend.removeAddress('vpc-alloc001', '10.9.0.5'); // idempotent
    const again = await backend.createWorkload({ vpcId: 'vpc-alloc001', subnetId: 'subnet-s', name: 'again' });
    t.after(() => backend.removeWorkload('again'));
    assert.equal(again.ip, '10.9.0.5');
    assert.ok(!(await backend.routerAddresses('vpc-alloc001')).includes('10.9.0.5'));
  });

  it('ensureVpc is idempotent and follows subnet changes', async (t) => {
    const spec = { vpcId: 'vpc-idem0001', cidr: '10.1.0.0/16', subnets: [{ subnetId: 'subnet-i1', cidr: '10.1.1.0/24' }] };
    const first = await backend.ensureVpc(spec);
    t.after(() => backend.removeVpc('vpc-idem0001'));
    await backend.addAddress('vpc-idem0001', '10.1.1.50');
    const state = async () => {
      const addrs = await backend.runner.json<Array<{ ifname: string; addr_info: Array<{ local: string; prefixlen: number }> }>>(['addr', 'show'], { netns: first.namespace });
      return addrs.map((a) => `${a.ifname}:${a.addr_info.map((i) => `${i.local}/${i.prefixlen}`).sort().join(',')}`).sort();
    };
    const before = await state();
    assert.deepEqual(await backend.ensureVpc(spec), first);
    assert.deepEqual(await backend.ensureVpc(spec), first);
    assert.deepEqual(await state(), before);
    assert.equal(ipNames(['netns', 'list']).filter((n) => n === first.namespace).length, 1);
    // A fresh backend object (e.g. after a restart without sweep) adopts the existing namespace.
    assert.deepEqual(await new NetnsBackend({ prefix: TEST_PREFIX }).ensureVpc(spec), first);
    assert.deepEqual(await state(), before);
    // Add a subnet, then drop the first one: bridges follow.
    const two = await backend.ensureVpc({ ...spec, subnets: [...spec.subnets, { subnetId: 'subnet-i2', cidr: '10.1.2.0/24' }] });
    assert.equal(two.subnets.length, 2);
    const one = await backend.ensureVpc({ ...spec, subnets: [{ subnetId: 'subnet-i2', cidr: '10.1.2.0/24' }] });
    const links = await backend.runner.json<Array<{ ifname: string }>>(['link', 'show', 'type', 'bridge'], { netns: first.namespace });
    assert.deepEqual(links.map((l) => l.ifname), [one.subnets[0]!.bridge]);
    assert.ok((await backend.routerAddresses('vpc-idem0001')).includes('10.1.1.50'), 'ENI addresses survive subnet changes');
    await assert.rejects(backend.ensureVpc({ ...spec, cidr: '10.2.0.0/16' }), /cannot change/);
    await assert.rejects(backend.createWorkload({ vpcId: 'vpc-nope', subnetId: 'subnet-x' }), /ensureVpc first/);
  });

  it('sweep removes every namespace, link and /etc/netns dir with the prefix and leaves others alone', async (t) => {
    const swept = new NetnsBackend({ prefix: SWEEP_PREFIX });
    const other = new NetnsBackend({ prefix: OTHER_PREFIX });
    t.after(() => swept.sweep());
    t.after(() => other.sweep());
    await swept.ensureVpc({ vpcId: 'vpc-sw1', cidr: '10.0.0.0/16', subnets: [{ subnetId: 'subnet-sw1', cidr: '10.0.0.0/24' }] });
    await swept.ensureVpc({ vpcId: 'vpc-sw2', cidr: '10.0.0.0/16', subnets: [{ subnetId: 'subnet-sw2', cidr: '10.0.0.0/24' }] });
    const w = await swept.createWorkload({ vpcId: 'vpc-sw1', subnetId: 'subnet-sw1' });
    await startServer(t, swept, w.namespace, '0.0.0.0', 7001, 'W'); // a process that sweep must end
    // Leftovers of a crash mid-creation: a host link and a config dir with the prefix.
    execFileSync('ip', ['link', 'add', `${SWEEP_PREFIX}stray`, 'type', 'veth', 'peer', 'name', `${SWEEP_PREFIX}strayp`], { timeout: 10_000 });
    mkdirSync(`/etc/netns/${SWEEP_PREFIX}gone`, { recursive: true });
    await other.ensureVpc({ vpcId: 'vpc-keep', cidr: '10.0.0.0/16', subnets: [{ subnetId: 'subnet-k', cidr: '10.0.0.0/24' }] });
    const keep = await other.createWorkload({ vpcId: 'vpc-keep', subnetId: 'subnet-k' });

    const owned = await swept.listOwned();
    assert.equal(owned.namespaces.length, 3);
    assert.deepEqual(owned.links.sort(), [`${SWEEP_PREFIX}stray`, `${SWEEP_PREFIX}strayp`]);
    assert.deepEqual(owned.configDirs.sort(), [`${SWEEP_PREFIX}gone`, w.namespace].sort());

    const removed = await swept.sweep();
    assert.equal(removed.namespaces.length, 3);
    assert.deepEqual(await swept.listOwned(), { namespaces: [], links: [], configDirs: [] });
    assert.deepEqual(ipNames(['netns', 'list']).filter((n) => n.startsWith(SWEEP_PREFIX)), []);
    assert.deepEqual(ipNames(['link', 'show']).filter((n) => n.startsWith(SWEEP_PREFIX)), []);
    assert.equal(existsSync(`/etc/netns/${SWEEP_PREFIX}gone`), false);
    // The other prefix's VPC and workload are untouched and still work.
    const left = ipNames(['netns', 'list']);
    assert.ok(left.includes(other.routerNamespace('vpc-keep')) && left.includes(keep.namespace));
    await startServer(t, other, other.routerNamespace('vpc-keep'), '10.0.0.1', 7002, 'K');
    assert.deepEqual(await connectFrom(other, keep.namespace, '10.0.0.1', 7002), { ok: true, data: 'K 10.0.0.1 from 10.0.0.4' });
    assert.equal((await swept.sweep()).namespaces.length, 0, 'a second sweep finds nothing');
  });

  it('execIn refuses foreign namespaces and bounds a command by its timeout', async (t) => {
    assert.throws(() => backend.execIn('somebody-else', ['true']), /does not belong/);
    await backend.ensureVpc({ vpcId: 'vpc-exec0001', cidr: '10.3.0.0/16', subnets: [] });
    t.after(() => backend.removeVpc('vpc-exec0001'));
    const t0 = Date.now();
    const child = backend.execIn(backend.routerNamespace('vpc-exec0001'), ['sleep', '30'], { timeoutMs: 300 });
    t.after(() => { child.kill('SIGKILL'); });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    assert.equal(signal, 'SIGKILL');
    assert.ok(Date.now() - t0 < 5000);
    // The given env is the command's whole environment (ip itself is found without PATH).
    const env = await runIn(backend, backend.routerNamespace('vpc-exec0001'), [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'], { UNDERPASS_IP: '10.3.0.9' });
    assert.deepEqual(JSON.parse(env), { UNDERPASS_IP: '10.3.0.9' });
  });
});
