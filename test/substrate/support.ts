/** EC2 clients and error assertions for the substrate tests. */
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import { devCredentials, type TestServer } from '../support/harness.js';

export const ACCOUNT_A = '111111111111';
export const ACCOUNT_B = '222222222222';

export function ec2(server: TestServer, account = ACCOUNT_A): EC2Client {
  return new EC2Client({ endpoint: server.endpoint, region: server.region, credentials: devCredentials(account), maxAttempts: 1 });
}

/** Awaits `p`, expecting it to fail with the AWS error `code` (and a message matching `message`, when given). */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(err.name, code, `expected ${code}, got ${err.name}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected the call to fail with ${code}, but it succeeded`);
}

import { after, before, describe } from 'node:test';
import { DIALECTS, startTestServer, type Dialect } from '../support/harness.js';
import type { NetworkInterfaceDoc } from '../../src/control/resources.js';

/** Starts one server for the enclosing `describe` (stopped after it); returns a getter. */
export function suiteServer(dialect: Dialect): () => TestServer {
  let server: TestServer | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    // Ticks every 100 ms: the substrate only needs them for pending → available.
    server = await startTestServer({ after: (fn: () => Promise<void>) => { cleanups.push(fn); } }, { dialect, tickMs: 100 });
  });
  after(async () => {
    // In registration order, as node:test runs `t.after` hooks (the harness relies on it).
    for (const fn of cleanups) await fn();
  });
  return () => {
    if (!server) throw new Error('server not started');
    return server;
  };
}

let eniCounter = 0;

/** Puts a requester-managed ENI into the store directly, as the endpoint and load balancer families do. */
export async function putEni(server: TestServer, fields: {
  account: string; vpcId: string; subnetId: string; ip: string; groupIds?: string[]; interfaceType?: NetworkInterfaceDoc['interfaceType'];
  description?: string; tags?: Array<{ Key: string; Value: string }>;
}): Promise<string> {
  const n = (eniCounter++).toString(16).padStart(17, '0');
  const id = `eni-${n}`;
  const doc: NetworkInterfaceDoc = {
    kind: 'network-interface', id, account: fields.account, region: server.region, createdAt: new Date().toISOString(),
    tags: fields.tags ?? [], vpcId: fields.vpcId, subnetId: fields.subnetId, availabilityZone: 'us-east-1a', availabilityZoneId: 'use1-az1',
    privateIpAddress: fields.ip, interfaceType: fields.interfaceType ?? 'vpc_endpoint', description: fields.description ?? `VPC Endpoint Interface vpce-${n}`,
    requesterId: '727271725112', requesterManaged: true, groupIds: fields.groupIds ?? [], status: 'in-use', ownerResourceId: `vpce-${n}`,
    macAddress: '02:00:00:00:00:01',
  };
  await server.store.transaction(true, (tx) => tx.put(doc));
  return id;
}

/**
 * One suite per store back-end this run can test (`DIALECTS`), the back-ends side by side (each
 * with its own server), the tests inside one back-end in order.
 */
export function forEachDialect(title: string, body: (dialect: Dialect) => void): void {
  describe(title, { concurrency: true }, () => {
    for (const dialect of DIALECTS) describe(`${title} (${dialect})`, { concurrency: false }, () => body(dialect));
  });
}
