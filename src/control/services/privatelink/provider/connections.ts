/**
 * Accept/RejectVpcEndpointConnections and DescribeVpcEndpointConnections: the consumer endpoints
 * of the caller's services, from every account. Accept moves pendingAcceptance → pending (the
 * consumer's tick then makes it available); Reject moves pendingAcceptance, pending or available
 * → rejected (the ENIs stay until the consumer deletes the endpoint).
 */
import { isWellFormedId } from '../../../../core/ids.js';
import type { Handler, RequestContext } from '../../../api/context.js';
import { applyFilters, type Filter } from '../../../api/filters.js';
import { paginate } from '../../../api/paginate.js';
import type { EndpointDoc, EndpointState } from '../../../resources.js';
import { ID_KINDS, requireOwned } from '../../shared.js';
import { dnsEntriesFor } from '../consumer/dns.js';
import { presentConnection } from './present.js';

interface ConnectionInput { ServiceId: string; VpcEndpointIds: string[] }

function unsuccessful(id: string, code: string, message: string): Record<string, unknown> {
  return { ResourceId: id, Error: { Code: code, Message: message } };
}

async function transition(ctx: RequestContext, input: ConnectionInput, verb: 'accepted' | 'rejected',
  from: ReadonlySet<EndpointState>, to: EndpointState): Promise<Record<string, unknown>> {
  const service = await requireOwned(ctx, 'endpoint-service', input.ServiceId);
  const failures: Record<string, unknown>[] = [];
  for (const id of [...new Set(input.VpcEndpointIds)]) {
    if (!isWellFormedId(id, ID_KINDS.endpoint.prefix)) {
      failures.push(unsuccessful(id, ID_KINDS.endpoint.malformed, `Invalid id: "${id}" (expecting "vpce-...")`));
      continue;
    }
    const endpoint = await ctx.tx.get('endpoint', id);
    if (!endpoint || endpoint.serviceId !== service.id) {
      failures.push(unsuccessful(id, ID_KINDS.endpoint.notFound, `The VpcEndpoint ID '${id}' does not exist or is not connected to the service ${service.id}`));
      continue;
    }
    if (!from.has(endpoint.state)) {
      failures.push(unsuccessful(id, 'InvalidState',
        `Endpoint ${id} is in state ${endpoint.state} and cannot be ${verb}; only endpoints in state ${[...from].join(' or ')} can be`));
      continue;
    }
    const next: EndpointDoc = { ...structuredClone(endpoint), state: to, stateChangedAt: ctx.now.toISOString() };
    await ctx.tx.put(next);
  }
  return { Unsuccessful: failures };
}

const ACCEPTABLE: ReadonlySet<EndpointState> = new Set(['pendingAcceptance']);
const REJECTABLE: ReadonlySet<EndpointState> = new Set(['pendingAcceptance', 'pending', 'available']);

export const acceptVpcEndpointConnections: Handler = (ctx, input: ConnectionInput) => transition(ctx, input, 'accepted', ACCEPTABLE, 'pending');
export const rejectVpcEndpointConnections: Handler = (ctx, input: ConnectionInput) => transition(ctx, input, 'rejected', REJECTABLE, 'rejected');

interface DescribeInput { Filters?: Filter[]; MaxResults?: number; NextToken?: string }

export const describeVpcEndpointConnections: Handler = async (ctx, input: DescribeInput) => {
  const services = new Map((await ctx.tx.list('endpoint-service', ctx.account)).map((s) => [s.id, s]));
  const connections = (await ctx.tx.list('endpoint'))
    .filter((e) => e.serviceId !== undefined && services.has(e.serviceId))
    .map((e) => ({ endpoint: e, service: services.get(e.serviceId!)! }));
  const filtered = applyFilters(connections, input.Filters, {
    'service-id': (c) => c.service.id,
    'vpc-endpoint-owner': (c) => c.endpoint.account,
    'vpc-endpoint-state': (c) => c.endpoint.state,
    'vpc-endpoint-id': (c) => c.endpoint.id,
    'ip-address-type': (c) => c.endpoint.ipAddressType,
    'vpc-endpoint-region': (c) => c.endpoint.region,
  });
  const page = paginate(filtered, {
    scope: 'DescribeVpcEndpointConnections', maxResults: input.MaxResults, token: input.NextToken, min: 5, max: 1000,
  });
  return {
    VpcEndpointConnections: page.items.map((c) => presentConnection(c.endpoint, c.service, dnsEntriesFor)),
    NextToken: page.next,
  };
};
