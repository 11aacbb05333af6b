/**
 * The store's contract on every back-end (SQLite, PostgreSQL): documents in, documents out, in
 * creation order; a failed transaction writes nothing; idempotency rows; and durability — a real
 * `underpass up` killed with SIGKILL right after acknowledging keeps every acknowledged change.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { fieldExpression, INDEXED_FIELDS, INDEXED_KIND_FIELDS } from '../../src/control/store/schema.js';
import { Store } from '../../src/control/store/store.js';
import type { SubnetDoc, VpcDoc } from '../../src/control/resources.js';
import { DIALECTS, devCredentials, freshPostgresDatabase, type Dialect } from '../support/harness.js';
import { lifo, type AfterHost } from '../support/clients.js';

function vpc(id: string, account = '111111111111', cidrBlock = '10.0.0.0/16'): VpcDoc {
  return {
    kind: 'vpc', id, account, region: 'us-east-1', createdAt: new Date().toISOString(), tags: [{ Key: 'Name', Value: `n-${id}` }],
    cidrBlock, cidrAssociationId: `vpc-cidr-assoc-${id.slice(4)}`, state: 'available', instanceTenancy: 'default',
    enableDnsSupport: true, enableDnsHostnames: false, dhcpOptionsId: 'dopt-00000000', mainRouteTableId: 'rtb-00000000',
    defaultSecurityGroupId: 'sg-00000000',
  };
}

function subnet(id: string, vpcId: string, account = '111111111111'): SubnetDoc {
  return {
    kind: 'subnet', id, account, region: 'us-east-1', createdAt: new Date().toISOString(), tags: [],
    vpcId, cidrBlock: '10.0.1.0/24', availabilityZone: 'us-east-1a', availabilityZoneId: 'use1-az1', state: 'available',
  };
}

async function openStore(tc: TestContext, dialect: Dialect): Promise<Store> {
  const t = lifo(tc);
  let store: Store;
  if (dialect === 'postgres') {
    store = await Store.open({ databaseUrl: await freshPostgresDatabase(t) });
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'underpass-store-'));
    store = await Store.open({ dataDir: dir });
    t.after(() => rmSync(dir, { recursive: true, force: true }));
  }
  // Closed before the database is dropped (lifo).
  t.after(() => store.close());
  return store;
}

for (const dialect of DIALECTS) {
  describe(`store on ${dialect}`, () => {
    it('puts, gets, replaces and deletes documents', async (t) => {
      const store = await openStore(t, dialect);
      const a = vpc('vpc-0123456789abcdef0');
      await store.transaction(true, async (tx) => { await tx.put(a); });
      const got = await store.transaction(false, (tx) => tx.get('vpc', a.id));
      assert.deepEqual(got, a);
      // A get with the wrong kind finds nothing, even though the id exists.
      assert.equal(await store.transaction(false, (tx) => tx.get('subnet', a.id)), undefined);
      assert.equal(await store.transaction(false, (tx) => tx.get('vpc', 'vpc-00000000000000000')), undefined);

      const changed: VpcDoc = { ...a, enableDnsHostnames: true, tags: [{ Key: 'env', Value: 'a & <b> "c"' }] };
      await store.transaction(true, async (tx) => { await tx.put(changed); });
      assert.deepEqual(await store.transaction(false, (tx) => tx.get('vpc', a.id)), changed);
      assert.equal((await store.transaction(false, (tx) => tx.list('vpc'))).length, 1, 'a replace does not add a row');

      await store.transaction(true, async (tx) => { await tx.delete(a.id); });
      assert.equal(await store.transaction(false, (tx) => tx.get('vpc', a.id)), undefined);
      assert.deepEqual(await store.transaction(false, (tx) => tx.list('vpc')), []);
    });

    it('reads its own writes inside a transaction', async (t) => {
      const store = await openStore(t, dialect);
      const a = vpc('vpc-1111111111111111a');
      await store.transaction(true, async (tx) => {
        await tx.put(a);
        assert.deepEqual(await tx.get('vpc', a.id), a);
        assert.equal((await tx.list('vpc')).length, 1);
        await tx.delete(a.id);
        assert.equal(await tx.get('vpc', a.id), undefined);
        assert.equal(await tx.kindOf(a.id), undefined);
      });
    });

    it('lists in creation order (not id order), by kind and by account; a replace keeps the position', async (t) => {
      const store = await openStore(t, dialect);
      const ids = ['vpc-0000000000000000f', 'vpc-0000000000000000a', 'vpc-0000000000000000c', 'vpc-00000000000000001'];
      for (const [i, id] of ids.entries()) {
        await store.transaction(true, async (tx) => { await tx.put(vpc(id, i % 2 === 0 ? '111111111111' : '222222222222')); });
      }
      await store.transaction(true, async (tx) => { await tx.put(subnet('subnet-0000000000000000b', ids[0]!)); });
      const all = await store.transaction(false, (tx) => tx.list('vpc'));
      assert.deepEqual(all.map((v) => v.id), ids);
      const mine = await store.transaction(false, (tx) => tx.list('vpc', '222222222222'));
      assert.deepEqual(mine.map((v) => v.id), [ids[1], ids[3]]);
      assert.deepEqual(await store.transaction(false, (tx) => tx.list('vpc', '333333333333')), []);
      assert.deepEqual((await store.transaction(false, (tx) => tx.list('subnet'))).map((s) => s.id), ['subnet-0000000000000000b']);
      // Replacing the first one keeps it first.
      await store.transaction(true, async (tx) => { await tx.put({ ...vpc(ids[0]!), state: 'pending' }); });
      const again = await store.transaction(false, (tx) => tx.list('vpc'));
      assert.deepEqual(again.map((v) => v.id), ids);
      assert.equal(again[0]!.state, 'pending');
      // Deleting and re-creating an id puts it at the end.
      await store.transaction(true, async (tx) => { await tx.delete(ids[0]!); await tx.put(vpc(ids[0]!)); });
      assert.deepEqual((await store.transaction(false, (tx) => tx.list('vpc'))).map((v) => v.id), [...ids.slice(1), ids[0]]);
    });

    it('lists by a document field (the database filters; vpcId and subnetId through their index)', async (tc) => {
      const t = lifo(tc);
      let store: Store;
      /** The plan of a query whose parameters are written in as literals (`'…'`). */
      let explain: (sqlText: string) => Promise<string>;
      if (dialect === 'postgres') {
        const url = await freshPostgresDatabase(t);
        store = await Store.open({ databaseUrl: url });
        explain = async (q) => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          try {
            await c.query('set enable_seqscan = off'); // a few rows: only whether the index can serve the query
            return (await c.query(`explain ${q}`)).rows.map((r: Record<string, string>) => Object.values(r).join(' ')).join('\n');
          } finally { await c.end(); }
        };
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'underpass-store-'));
        t.after(() => rmSync(dir, { recursive: true, force: true }));
        store = await Store.open({ dataDir: dir });
        explain = async (q) => {
          const db = new SQLite(join(dir, 'underpass.db'), { readonly: true });
          try {
            return (db.prepare(`explain query plan ${q}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('\n');
          } finally { db.close(); }
        };
      }
      t.after(() => store.close());
      const later = subnet('subnet-00000000000000001', 'vpc-0aaaaaaaaaaaaaaa1');
      await store.transaction(true, async (tx) => {
        await tx.put(subnet('subnet-0ffffffffffffffff', 'vpc-0aaaaaaaaaaaaaaa1'));
        await tx.put(subnet('subnet-0bbbbbbbbbbbbbbbb', 'vpc-0bbbbbbbbbbbbbbb1'));
        await tx.put(subnet('subnet-0cccccccccccccccc', 'vpc-0aaaaaaaaaaaaaaa1', '222222222222'));
        await tx.put(later);
        await tx.put(vpc('vpc-0aaaaaaaaaaaaaaa1'));
      });
      const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);
      await store.transaction(true, async (tx) => {
        assert.deepEqual(ids(await tx.listWhere('subnet', '111111111111', 'vpcId', 'vpc-0aaaaaaaaaaaaaaa1')), ['subnet-0ffffffffffffffff', later.id], 'creation order, one account');
        assert.deepEqual(ids(await tx.listWhere('subnet', '222222222222', 'vpcId', 'vpc-0aaaaaaaaaaaaaaa1')), ['subnet-0cccccccccccccccc']);
        assert.deepEqual(ids(await tx.listWhere('vpc', '111111111111', 'vpcId', 'vpc-0aaaaaaaaaaaaaaa1')), [], 'one kind');
        assert.deepEqual(ids(await tx.listWhere('subnet', undefined, 'vpcId', 'vpc-0aaaaaaaaaaaaaaa1')), ['subnet-0ffffffffffffffff', 'subnet-0cccccccccccccccc', later.id], 'every account');
        assert.deepEqual(ids(await tx.listWhere('subnet', '111111111111', 'availabilityZone', 'us-east-1a')), ['subnet-0ffffffffffffffff', 'subnet-0bbbbbbbbbbbbbbbb', later.id], 'a field without an index');
        assert.deepEqual(ids(await tx.listWhere('subnet', '111111111111', 'vpcId', "x' or '1'='1")), [], 'the value is a parameter');
        await assert.rejects(async () => tx.listWhere('subnet', '111111111111', "vpcId') or ('1", 'x'), /not a plain member name/);
        // Written in this transaction and not yet committed: seen too.
        await tx.put(subnet('subnet-0eeeeeeeeeeeeeeee', 'vpc-0bbbbbbbbbbbbbbb1'));
        assert.deepEqual(ids(await tx.listWhere('subnet', '111111111111', 'vpcId', 'vpc-0bbbbbbbbbbbbbbb1')), ['subnet-0bbbbbbbbbbbbbbbb', 'subnet-0eeeeeeeeeeeeeeee']);
      });
      for (const field of INDEXED_FIELDS) {
        const q = `select id, doc from resources where kind = 'subnet' and account = '111111111111' and ${fieldExpression(dialect, field)} = 'x' order by seq`;
        assert.match(await explain(q), new RegExp(`resources_kind_account_${field.toLowerCase()}`), `${field}: the query uses its index`);
      }
      for (const field of INDEXED_KIND_FIELDS) {
        const q = `select id, doc from resources where kind = 'subnet' and ${fieldExpression(dialect, field)} = 'x' order by seq`;
        assert.match(await explain(q), new RegExp(`resources_kind_${field.toLowerCase()}`), `${field}: the query uses its index`);
      }
    });

    it('kindOf answers the kind whoever owns the resource', async (t) => {
      const store = await openStore(t, dialect);
      await store.transaction(true, async (tx) => {
        await tx.put(vpc('vpc-0aaaaaaaaaaaaaaaa', '111111111111'));
        await tx.put(subnet('subnet-0bbbbbbbbbbbbbbbb', 'vpc-0aaaaaaaaaaaaaaaa', '222222222222'));
      });
      await store.transaction(false, async (tx) => {
        assert.equal(await tx.kindOf('vpc-0aaaaaaaaaaaaaaaa'), 'vpc');
        assert.equal(await tx.kindOf('subnet-0bbbbbbbbbbbbbbbb'), 'subnet');
        assert.equal(await tx.kindOf('subnet-0cccccccccccccccc'), undefined);
      });
    });

    it('a transaction that throws writes nothing (puts, replaces, deletes and idempotency rows roll back)', async (t) => {
      const store = await openStore(t, dialect);
      const keep = vpc('vpc-0keep00000000000'.replace('keep', '1234'));
      await store.transaction(true, async (tx) => { await tx.put(keep); });
      const boom = new Error('boom');
      await assert.rejects(store.transaction(true, async (tx) => {
        await tx.put(vpc('vpc-0dddddddddddddddd'));
        await tx.put({ ...keep, cidrBlock: '192.168.0.0/16' });
        await tx.delete(keep.id);
        await tx.put(keep);
        await tx.delete(keep.id);
        await tx.remember('111111111111', 'CreateVpc', 'tok', 'fp', '{}');
        throw boom;
      }), (e) => e === boom);
      await store.transaction(false, async (tx) => {
        assert.deepEqual(await tx.get('vpc', keep.id), keep, 'the deleted/replaced document is back as it was');
        assert.equal(await tx.get('vpc', 'vpc-0dddddddddddddddd'), undefined);
        assert.deepEqual((await tx.list('vpc')).map((v) => v.id), [keep.id]);
        assert.equal(await tx.idempotent('111111111111', 'CreateVpc', 'tok'), undefined);
      });
      // The store still works after the rollback, and order continues after the kept row.
      await store.transaction(true, async (tx) => { await tx.put(vpc('vpc-0eeeeeeeeeeeeeeee')); });
      assert.deepEqual((await store.transaction(false, (tx) => tx.list('vpc'))).map((v) => v.id), [keep.id, 'vpc-0eeeeeeeeeeeeeeee']);
    });

    it('remembers idempotency tokens per account and action', async (t) => {
      const store = await openStore(t, dialect);
      await store.transaction(true, (tx) => tx.remember('111111111111', 'CreateVpcEndpoint', 'tok-1', 'fp-1', '{"VpcEndpoint":{"VpcEndpointId":"vpce-1"}}'));
      await store.transaction(false, async (tx) => {
        assert.deepEqual(await tx.idempotent('111111111111', 'CreateVpcEndpoint', 'tok-1'), { fingerprint: 'fp-1', result: '{"VpcEndpoint":{"VpcEndpointId":"vpce-1"}}' });
        assert.equal(await tx.idempotent('222222222222', 'CreateVpcEndpoint', 'tok-1'), undefined, 'another account');
        assert.equal(await tx.idempotent('111111111111', 'CreateRouteTable', 'tok-1'), undefined, 'another action');
        assert.equal(await tx.idempotent('111111111111', 'CreateVpcEndpoint', 'TOK-1'), undefined, 'tokens are case-sensitive');
      });
      // The same token in another account or action is its own row.
      await store.transaction(true, (tx) => tx.remember('222222222222', 'CreateVpcEndpoint', 'tok-1', 'fp-2', '{}'));
      assert.equal((await store.transaction(false, (tx) => tx.idempotent('222222222222', 'CreateVpcEndpoint', 'tok-1')))?.fingerprint, 'fp-2');
      // The same (account, action, token) twice is refused by the store.
      await assert.rejects(store.transaction(true, (tx) => tx.remember('111111111111', 'CreateVpcEndpoint', 'tok-1', 'fp-3', '{}')));
      assert.equal((await store.transaction(false, (tx) => tx.idempotent('111111111111', 'CreateVpcEndpoint', 'tok-1')))?.fingerprint, 'fp-1');
    });

    it('keeps its documents across close and reopen', async (tc) => {
      const t = lifo(tc);
      let databaseUrl: string | undefined;
      let dir: string | undefined;
      if (dialect === 'postgres') databaseUrl = await freshPostgresDatabase(t);
      else {
        dir = mkdtempSync(join(tmpdir(), 'underpass-store-'));
        t.after(() => rmSync(dir!, { recursive: true, force: true }));
      }
      const first = await Store.open({ databaseUrl, dataDir: dir });
      await first.transaction(true, async (tx) => { await tx.put(vpc('vpc-0fffffffffffffff1')); await tx.put(vpc('vpc-0fffffffffffffff0')); });
      await first.close();
      const second = await Store.open({ databaseUrl, dataDir: dir });
      t.after(() => second.close());
      assert.deepEqual((await second.transaction(false, (tx) => tx.list('vpc'))).map((v) => v.id), ['vpc-0fffffffffffffff1', 'vpc-0fffffffffffffff0']);
      // Migrations ran again without harm, and the sequence continues after the existing rows.
      await second.transaction(true, async (tx) => { await tx.put(vpc('vpc-0fffffffffffffff2')); });
      assert.deepEqual((await second.transaction(false, (tx) => tx.list('vpc'))).map((v) => v.id).at(-1), 'vpc-0fffffffffffffff2');
    });

    it('keeps every acknowledged change of `underpass up` killed with SIGKILL', async (tc) => {
      const t = lifo(tc);
      const dataDir = mkdtempSync(join(tmpdir(), 'underpass-durable-'));
      t.after(() => rmSync(dataDir, { recursive: true, force: true }));
      const databaseUrl = dialect === 'postgres' ? await freshPostgresDatabase(t) : undefined;

      const first = await startCli(t, dataDir, databaseUrl);
      const ec2 = new EC2Client({ endpoint: first.endpoint, region: 'us-east-1', credentials: devCredentials('111111111111'), maxAttempts: 1 });
      // Sequential acknowledged creates, then a burst in flight when the process is killed right after the
      // first acknowledgement of the burst: every acknowledged VPC must survive.
      const acked: Array<{ id: string; cidr: string }> = [];
      for (let i = 0; i < 5; i++) {
        const r = await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${i}.0.0/16` }));
        acked.push({ id: r.Vpc!.VpcId!, cidr: `10.${i}.0.0/16` });
      }
      let killed = false;
      const burst = Array.from({ length: 20 }, (_, i) => ec2.send(new CreateVpcCommand({ CidrBlock: `10.${100 + i}.0.0/16` }))
        .then((r) => {
          if (killed) return;
          acked.push({ id: r.Vpc!.VpcId!, cidr: `10.${100 + i}.0.0/16` });
          killed = true;
          first.child.kill('SIGKILL');
        })
        .catch(() => undefined));
      await Promise.all(burst);
      await first.exited;
      assert.equal(first.child.signalCode, 'SIGKILL', 'the server was killed, not stopped');
      ec2.destroy();

      const second = await startCli(t, dataDir, databaseUrl);
      const ec2b = new EC2Client({ endpoint: second.endpoint, region: 'us-east-1', credentials: devCredentials('111111111111'), maxAttempts: 1 });
      t.after(() => ec2b.destroy());
      const vpcs = (await ec2b.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
      for (const a of acked) {
        const found = vpcs.find((v) => v.VpcId === a.id);
        assert.ok(found, `acknowledged ${a.id} survived the SIGKILL`);
        assert.equal(found.CidrBlock, a.cidr);
      }
      assert.ok(acked.length >= 6, 'the burst acknowledged at least one create before the kill');
      // The restarted server accepts writes.
      const after = await ec2b.send(new CreateVpcCommand({ CidrBlock: '10.200.0.0/16' }));
      assert.match(after.Vpc!.VpcId!, /^vpc-[0-9a-f]{17}$/);
    });
  });
}

const BIN = fileURLToPath(new URL('../../bin/underpass.js', import.meta.url));

interface CliServer { child: ChildProcess; endpoint: string; exited: Promise<void> }

/** Starts `node bin/underpass.js up --port 0` on `dataDir`; killed (SIGKILL) after the test whatever happens. */
async function startCli(t: AfterHost, dataDir: string, databaseUrl?: string): Promise<CliServer> {
  const env: Record<string, string> = { ...process.env as Record<string, string> };
  delete env.DATABASE_URL;
  delete env.UNDERPASS_PORT;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir, '--auth', 'dev', '--network', 'none'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`underpass up did not start within 20 s: ${out}${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /APIs on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`underpass up exited (${code}): ${out}${err}`)); });
  });
  return { child, endpoint, exited };
}
