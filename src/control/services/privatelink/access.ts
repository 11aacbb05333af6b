/**
 * Who may use an endpoint service: its owner, and the principals it allows (`*`, an account's
 * root ARN — every principal of that account —, or an exact user/role ARN). Pure.
 */
import type { EndpointServiceDoc, ServicePermission } from '../../resources.js';

export interface Principal {
  account: string;
  /** arn:aws:iam::<account>:root, or the user/role ARN of the caller. */
  principalArn: string;
}

/** The allowed-principal entry that admits `caller`, if any. */
export function matchingPermission(permissions: ServicePermission[], caller: Principal): ServicePermission | undefined {
  return permissions.find((p) => {
    if (p.principal === '*') return true;
    if (p.principal === `arn:aws:iam::${caller.account}:root`) return true;
    return p.principal === caller.principalArn;
  });
}

/** True when `caller` may see and connect to `service`. */
export function canUseService(service: EndpointServiceDoc, caller: Principal): boolean {
  if (service.account === caller.account) return true;
  return matchingPermission(service.permissions, caller) !== undefined;
}

/** com.amazonaws.vpce.<region>.<vpce-svc-id> */
export function serviceNameFor(region: string, serviceId: string): string {
  return `com.amazonaws.vpce.${region}.${serviceId}`;
}
