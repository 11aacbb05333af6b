/**
 * `compileDnsRecords`: the names the per-VPC resolvers answer, from a store snapshot. Pure.
 *
 * - Regional and zonal names of every interface endpoint of a customer service that has network
 *   interfaces and is `pendingAcceptance`, `pending` or `available` (AWS creates the records with
 *   the endpoint; they go with it): public, answered in every VPC. Regional → every ENI's
 *   address; zonal → that zone's ENI. A records unless DnsRecordIpType is `ipv6` (ENIs are IPv4
 *   only, so such an endpoint has no A records).
 * - The service's private DNS name, scoped to the endpoint's VPC, when the endpoint is `available`
 *   with private DNS enabled, the VPC has `enableDnsSupport` and `enableDnsHostnames`, and the
 *   name is `verified`. A name that stops verifying stops resolving here (issue 4's acceptance:
 *   "only while verified"), while established connections carry on.
 */
import { regionalEndpointName, zonalEndpointName } from '../core/endpoint-dns.js';
import type { DesiredDnsRecord } from './desired-state.js';
import type { Snapshot } from './snapshot.js';

const PUBLIC_STATES = new Set(['pendingAcceptance', 'pending', 'available']);

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compileDnsRecords(s: Snapshot): DesiredDnsRecord[] {
  const services = new Map(s.endpointServices.map((x) => [x.id, x]));
  const vpcs = new Map(s.vpcs.map((v) => [v.id, v]));
  const out = new Map<string, DesiredDnsRecord>();
  const add = (r: Omit<DesiredDnsRecord, 'id'>) => {
    const id = `${r.scope} ${r.name}`;
    const prev = out.get(id);
    // Two endpoints cannot share a regional/zonal name; a private name enabled by two endpoints in one VPC merges (AWS refuses that; be total).
    if (prev) prev.a = [...new Set([...prev.a, ...r.a])].sort(cmp);
    else out.set(id, { id, ...r, a: [...r.a].sort(cmp), aaaa: [...r.aaaa].sort(cmp) });
  };
  for (const e of s.endpoints) {
    if (e.type !== 'Interface' || !e.serviceId || !PUBLIC_STATES.has(e.state)) continue;
    const svc = services.get(e.serviceId);
    const vpc = vpcs.get(e.vpcId);
    const ifs = e.interfaces ?? [];
    if (!vpc || ifs.length === 0) continue;
    const v4 = e.dnsRecordIpType !== 'ipv6';
    const names = { endpointId: e.id, dnsSuffix: e.dnsSuffix, serviceId: e.serviceId, region: vpc.region };
    const all = v4 ? ifs.map((i) => i.privateIpAddress) : [];
    add({ scope: 'public', name: regionalEndpointName(names).toLowerCase(), kind: 'regional', endpointId: e.id, a: all, aaaa: [] });
    for (const zone of [...new Set(ifs.map((i) => i.availabilityZone))]) {
      const a = v4 ? ifs.filter((i) => i.availabilityZone === zone).map((i) => i.privateIpAddress) : [];
      add({ scope: 'public', name: zonalEndpointName(names, zone).toLowerCase(), kind: 'zonal', endpointId: e.id, a, aaaa: [] });
    }
    const privateName = svc?.privateDnsName?.toLowerCase().replace(/\.$/, '');
    if (privateName && e.privateDnsEnabled && e.state === 'available' && vpc.enableDnsSupport && vpc.enableDnsHostnames
      && svc?.privateDnsNameConfiguration?.state === 'verified') {
      add({ scope: e.vpcId, name: privateName, kind: 'private', endpointId: e.id, a: all, aaaa: [] });
    }
  }
  return [...out.values()].sort((x, y) => cmp(x.id, y.id));
}
