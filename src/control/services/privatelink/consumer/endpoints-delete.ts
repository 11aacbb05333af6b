/**
 * DeleteVpcEndpoints: a batch; each endpoint the caller owns moves to `deleting` (the tick finishes
 * the teardown: ENIs released, gateway routes removed, `deleted`). Per-item failures come back in
 * `Unsuccessful`, never as a request error.
 */
import { ApiError, isApiError } from '../../../../core/errors.js';
import type { Handler, RequestContext } from '../../../api/context.js';
import { requireOwned } from '../../shared.js';

interface UnsuccessfulItem { ResourceId: string; Error: { Code: string; Message: string } }

async function deleteOne(ctx: RequestContext, id: string): Promise<void> {
  const endpoint = await requireOwned(ctx, 'endpoint', id);
  if (endpoint.state === 'deleting' || endpoint.state === 'deleted') return;
  if (endpoint.type === 'GatewayLoadBalancer') {
    for (const rtb of await ctx.tx.list('route-table', ctx.account)) {
      if (rtb.routes.some((r) => r.vpcEndpointId === id || r.gatewayId === id)) {
        throw new ApiError('DependencyViolation',
          `The Gateway Load Balancer endpoint '${id}' is the target of routes in route table ${rtb.id}; delete those routes before the endpoint.`);
      }
    }
  }
  await ctx.tx.put({ ...structuredClone(endpoint), state: 'deleting', stateChangedAt: ctx.now.toISOString() });
}

export const deleteVpcEndpoints: Handler = async (ctx, raw) => {
  const input = raw as { VpcEndpointIds: string[] };
  const unsuccessful: UnsuccessfulItem[] = [];
  for (const id of input.VpcEndpointIds) {
    try {
      await deleteOne(ctx, id);
    } catch (e) {
      if (!isApiError(e)) throw e;
      unsuccessful.push({ ResourceId: id, Error: { Code: e.code, Message: e.message } });
    }
  }
  return { Unsuccessful: unsuccessful };
};
