/** Provider side of PrivateLink: endpoint service configurations, permissions, connections. */
import type { Handlers } from '../../../api/context.js';
import { elapsed, type Tick } from '../../tick.js';
import { acceptVpcEndpointConnections, describeVpcEndpointConnections, rejectVpcEndpointConnections } from './connections.js';
import { describeVpcEndpointServicePermissions, modifyVpcEndpointServicePermissions } from './permissions.js';
import { startVpcEndpointServicePrivateDnsVerification } from './private-dns-verification.js';
import { describeVpcEndpointServices } from './service-details.js';
import {
  createVpcEndpointServiceConfiguration, deleteVpcEndpointServiceConfigurations, describeVpcEndpointServiceConfigurations,
  modifyVpcEndpointServiceConfiguration, modifyVpcEndpointServicePayerResponsibility,
} from './service-configurations.js';

export { findUsableService, type UsableService } from './lookup.js';
export { startPrivateDnsVerifier, type PrivateDnsVerifier, type VerifierOptions } from './verifier.js';

export const providerHandlers: Handlers = {
  CreateVpcEndpointServiceConfiguration: createVpcEndpointServiceConfiguration,
  ModifyVpcEndpointServiceConfiguration: modifyVpcEndpointServiceConfiguration,
  DescribeVpcEndpointServiceConfigurations: describeVpcEndpointServiceConfigurations,
  DeleteVpcEndpointServiceConfigurations: deleteVpcEndpointServiceConfigurations,
  ModifyVpcEndpointServicePayerResponsibility: modifyVpcEndpointServicePayerResponsibility,
  ModifyVpcEndpointServicePermissions: modifyVpcEndpointServicePermissions,
  DescribeVpcEndpointServicePermissions: describeVpcEndpointServicePermissions,
  AcceptVpcEndpointConnections: acceptVpcEndpointConnections,
  RejectVpcEndpointConnections: rejectVpcEndpointConnections,
  DescribeVpcEndpointConnections: describeVpcEndpointConnections,
  DescribeVpcEndpointServices: describeVpcEndpointServices,
  StartVpcEndpointServicePrivateDnsVerification: startVpcEndpointServicePrivateDnsVerification,
};

/** Load balancer states an Available service needs from every load balancer behind it. */
const LB_READY = new Set(['active', 'active_impaired']);

/**
 * Endpoint services: Pending → Available once the delay has passed and every load balancer is
 * active; Deleting → Deleted after the delay; Deleted services are purged after the retention.
 */
export const providerTick: Tick = async (tx, now, config) => {
  let waiting = false;
  const timed = [];
  for (const state of ['Pending', 'Deleting', 'Deleted'] as const) timed.push(...await tx.listWhere('endpoint-service', undefined, 'state', state));
  for (const s of timed) {
    waiting = true;
    if (s.state === 'Pending' && elapsed(s.stateChangedAt, now, config.stateDelayMs)) {
      let ready = true;
      for (const arn of [...s.networkLoadBalancerArns, ...s.gatewayLoadBalancerArns]) {
        const lb = await tx.get('load-balancer', arn);
        if (!lb || !LB_READY.has(lb.state)) ready = false;
      }
      if (ready) await tx.put({ ...structuredClone(s), state: 'Available', stateChangedAt: now.toISOString() });
    } else if (s.state === 'Deleting' && elapsed(s.stateChangedAt, now, config.stateDelayMs)) {
      await tx.put({ ...structuredClone(s), state: 'Deleted', stateChangedAt: now.toISOString() });
    } else if (s.state === 'Deleted' && elapsed(s.stateChangedAt, now, config.deletedRetentionMs)) {
      await tx.delete(s.id);
    }
  }
  return waiting;
};
