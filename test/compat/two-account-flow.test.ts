/**
 * THE acceptance test of the control plane: the two-account PrivateLink flow (flow.ts) driven by
 * three real clients — @aws-sdk v3 (with every re-reading check), boto3 and Debian's AWS CLI v2 (the
 * essential calls) — on each store back-end.
 */
import { describe, it } from 'node:test';
import { DIALECTS, startTestServer } from '../support/harness.js';
import { boto3Factory, cliFactory, lifo, sdkFactory, type ClientFactory } from '../support/clients.js';
import { twoAccountFlow } from './flow.js';

const SPAWNED_CLI_OPS = new Set(['CreateVpcEndpointServiceConfiguration', 'DescribeVpcEndpointServices', 'CreateVpcEndpoint', 'AcceptVpcEndpointConnections', 'RejectVpcEndpointConnections']);

const CLIENTS: Array<{ name: 'sdk' | 'boto3' | 'cli'; full: boolean; stateDelayMs: number; make: (endpoint: string, t: { after: (fn: () => void | Promise<void>) => void }) => ClientFactory }> = [
  // The state delay is long enough for each client to observe the transitional states (deleting, pending).
  { name: 'sdk', full: true, stateDelayMs: 400, make: (e) => sdkFactory(e) },
  { name: 'boto3', full: false, stateDelayMs: 600, make: (e, t) => boto3Factory(e, t) },
  // Debian's AWS CLI v2: the calls that matter most spawn /usr/bin/aws itself; the rest run the same
  // CLI code in one long-lived python (a spawned CLI costs ~1 s of CPU per call).
  { name: 'cli', full: false, stateDelayMs: 3000, make: (e, t) => cliFactory(e, { t, spawnOps: SPAWNED_CLI_OPS }) },
];

describe('two-account PrivateLink flow with real clients', { concurrency: 3 }, () => {
  for (const dialect of DIALECTS) {
    for (const client of CLIENTS) {
      it(`${client.name} on ${dialect}`, { timeout: 180_000 }, async (tc) => {
        const t = lifo(tc);
        const server = await startTestServer(t, { dialect, stateDelayMs: client.stateDelayMs, tickMs: 20 });
        await twoAccountFlow(client.make(server.endpoint, t), { full: client.full });
      });
    }
  }
});
