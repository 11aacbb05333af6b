/**
 * StartVpcEndpointServicePrivateDnsVerification: asks for a check of the service's private DNS
 * name. Like AWS it returns at once: the state goes (or stays) `pendingVerification` and the
 * verifier (verifier.ts) soon records `verified` or `failed`.
 */
import { ApiError } from '../../../../core/errors.js';
import type { Handler } from '../../../api/context.js';
import type { EndpointServiceDoc } from '../../../resources.js';
import { requireOwned } from '../../shared.js';
import { checkModifiable } from './validate.js';
import type { StoredDnsConfiguration } from './verification.js';

export const startVpcEndpointServicePrivateDnsVerification: Handler = async (ctx, input: { ServiceId: string }) => {
  const service = await requireOwned(ctx, 'endpoint-service', input.ServiceId);
  checkModifiable(service);
  const config = service.privateDnsNameConfiguration as StoredDnsConfiguration | undefined;
  if (!service.privateDnsName || !config) {
    throw new ApiError('InvalidParameter', `The endpoint service ${service.id} has no private DNS name to verify; set one with ModifyVpcEndpointServiceConfiguration PrivateDnsName first.`);
  }
  const updated: StoredDnsConfiguration = { ...config, state: 'pendingVerification', requestedAt: ctx.now.toISOString() };
  const doc: EndpointServiceDoc = { ...structuredClone(service), privateDnsNameConfiguration: updated };
  await ctx.tx.put(doc);
  return { ReturnValue: true };
};
