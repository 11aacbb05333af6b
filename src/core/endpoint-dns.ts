/**
 * The DNS names of an interface endpoint in AWS's formats, shared by the API (`DnsEntries`) and
 * the resolver (which answers them):
 *
 *   regional  <vpce-id>-<suffix8>.<vpce-svc-id>.<region>.vpce.amazonaws.com
 *   zonal     <vpce-id>-<suffix8>-<consumer AZ name>.<vpce-svc-id>.<region>.vpce.amazonaws.com
 */

export interface EndpointNameInput {
  endpointId: string;
  /** The 8-character suffix minted at creation. */
  dnsSuffix: string;
  serviceId: string;
  region: string;
}

export function regionalEndpointName(e: EndpointNameInput): string {
  return `${e.endpointId}-${e.dnsSuffix}.${e.serviceId}.${e.region}.vpce.amazonaws.com`;
}

/** `zoneName` is the consumer's AZ name (us-east-1a). */
export function zonalEndpointName(e: EndpointNameInput, zoneName: string): string {
  return `${e.endpointId}-${e.dnsSuffix}-${zoneName}.${e.serviceId}.${e.region}.vpce.amazonaws.com`;
}
