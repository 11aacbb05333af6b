/**
 * Which endpoint service a service name designates for a caller: a customer service (its owner's,
 * or one whose permissions admit the caller, and only while Available) or an AWS gateway service
 * (S3, DynamoDB). Anything else — unknown, not permitted, not available — is undefined, so callers
 * answer `InvalidServiceName` the same way for a name that does not exist and for one they may not use.
 */
import type { EndpointServiceDoc } from '../../../resources.js';
import type { Tx } from '../../../store/store.js';
import { canUseService, type Principal } from '../access.js';

/** The AWS services Underpass offers endpoints to (gateway endpoints only, until a later issue). */
export const AWS_GATEWAY_SERVICES = ['dynamodb', 's3'] as const;

export type UsableService =
  | { kind: 'customer'; service: EndpointServiceDoc }
  | { kind: 'aws'; name: string; type: 'Gateway'; prefixListName: string };

/** `com.amazonaws.vpce.<region>.vpce-svc-…` → the service id, when the name has that form for `region`. */
export function serviceIdFromName(serviceName: string, region: string): string | undefined {
  const prefix = `com.amazonaws.vpce.${region}.`;
  if (!serviceName.startsWith(prefix)) return undefined;
  const id = serviceName.slice(prefix.length);
  return /^vpce-svc-[0-9a-f]{17}$/.test(id) ? id : undefined;
}

/** The AWS gateway service called `serviceName` in `region`, if any. */
export function awsGatewayService(serviceName: string, region: string): { name: string; type: 'Gateway'; prefixListName: string } | undefined {
  for (const svc of AWS_GATEWAY_SERVICES) {
    const name = `com.amazonaws.${region}.${svc}`;
    if (serviceName === name) return { name, type: 'Gateway', prefixListName: name };
  }
  return undefined;
}

/** The service `caller` may create an endpoint to under `serviceName`, or undefined. */
export async function findUsableService(tx: Tx, caller: Principal, serviceName: string, region: string): Promise<UsableService | undefined> {
  const aws = awsGatewayService(serviceName, region);
  if (aws) return { kind: 'aws', ...aws };
  const id = serviceIdFromName(serviceName, region);
  if (!id) return undefined;
  const service = await tx.get('endpoint-service', id);
  if (!service || service.region !== region || service.state !== 'Available') return undefined;
  if (!canUseService(service, caller)) return undefined;
  return { kind: 'customer', service };
}
