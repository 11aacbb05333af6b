/**
 * `compileViews`: the desired state's DNS records and networks → an immutable lookup structure,
 * built once per desired-state change, and `lookup` over it. Pure.
 *
 * Views:
 * - **public**: the endpoints' regional and zonal names (exact), answered in every VPC and on the
 *   host. The resolver is authoritative for all of `vpce.amazonaws.com`: a name under it that is no
 *   record is NXDOMAIN, except the apex and names above existing ones (empty non-terminals, e.g.
 *   `vpce-svc-….us-east-1.vpce.amazonaws.com`), which are NODATA — an NXDOMAIN there would deny
 *   every name below it to resolvers that cut on NXDOMAIN (RFC 8020).
 * - **per VPC**: the private DNS names enabled there, each in its own private hosted zone as AWS
 *   creates one per endpoint: an exact name `api.example.com` is the apex of zone
 *   `api.example.com`; a wildcard `*.example.com` is a wildcard record in zone `example.com`.
 *   Route 53 picks the most specific zone whose name is the query name or a parent of it, and then
 *   does not fall back to public DNS: no such name in the zone → NXDOMAIN ("Considerations when
 *   working with a private hosted zone", Route 53 Developer Guide,
 *   awsdocs/amazon-route53-docs doc_source/hosted-zone-private-considerations.md). The zone apex
 *   always exists (it holds SOA and NS), so an apex without an address record is NODATA.
 * - A wildcard `*.example.com` answers `a.example.com`, `a.b.example.com` and deeper, but not
 *   `example.com` itself; an exact name takes precedence (Route 53 Developer Guide, "Using an
 *   asterisk (*) in the names of hosted zones and records", doc_source/DomainNameFormat.md:
 *   "*.example.com … zenith.example.com, acme.zenith.example.com, and
 *   pinnacle.acme.zenith.example.com … there's no example.com record … NXDOMAIN").
 *
 * A private name resolves as a CNAME to the endpoint's regional name, as AWS does for endpoint
 * services ("we create a CNAME record in the private hosted zone that maps the private DNS name of
 * the endpoint service to the regional DNS name of the VPC endpoint", PrivateLink guide, "Manage
 * DNS names for VPC endpoint services"). When the regional record is missing or holds other
 * addresses (two endpoints merged under one private name), the private name answers the addresses
 * itself.
 *
 * Names are compared in lower case (ASCII only, so no Unicode folding can make a name match);
 * records are stored lower case without the trailing dot.
 */
import type { DesiredDnsRecord, DesiredNetwork } from '../reconcile/desired-state.js';

/** The public zone the resolver is authoritative for. */
export const PUBLIC_APEX = 'vpce.amazonaws.com';

export interface NameRecord {
  /** Lower case, no trailing dot; a wildcard keeps its `*.`. */
  readonly name: string;
  readonly kind: DesiredDnsRecord['kind'];
  readonly endpointId: string;
  readonly a: readonly string[];
  readonly aaaa: readonly string[];
  /** Private names: the endpoint's regional name the record is a CNAME to. */
  readonly cname?: string;
}

/** One private hosted zone: its apex record (an exact private name) and/or its wildcard. */
export interface PrivateZone {
  readonly apex: string;
  readonly apexRecord?: NameRecord;
  readonly wildcard?: NameRecord;
}

export interface VpcView {
  readonly vpcId: string;
  readonly resolverIp: string;
  /** Off: the Amazon DNS server does not answer in this VPC at all. */
  readonly enableDnsSupport: boolean;
  /** Needed (with enableDnsSupport) for private names; compile-dns.ts already leaves them out without it. */
  readonly enableDnsHostnames: boolean;
  /** Private zones by apex. */
  readonly zones: ReadonlyMap<string, PrivateZone>;
}

export interface Views {
  /** Public names (regional and zonal), exact. */
  readonly public: ReadonlyMap<string, NameRecord>;
  /** Ancestors of public names below PUBLIC_APEX (empty non-terminals: NODATA, not NXDOMAIN). */
  readonly publicNonTerminals: ReadonlySet<string>;
  readonly vpcs: ReadonlyMap<string, VpcView>;
}

/** What a name is in one view. `zone` is the apex whose SOA goes in a negative answer's authority. */
export type Lookup =
  | { kind: 'record'; record: NameRecord; zone: string; scope: 'private' | 'public'; wildcard: boolean }
  | { kind: 'nodata'; zone: string; scope: 'private' | 'public' }
  | { kind: 'nxdomain'; zone: string; scope: 'private' | 'public' }
  | { kind: 'none' };

/** ASCII-only lower case (DNS names compare case-insensitively in ASCII only, RFC 4343). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The name's proper ancestors, nearest first: `a.b.c` → `b.c`, `c`. */
export function* ancestors(name: string): Generator<string> {
  for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) yield name.slice(i + 1);
}

function isUnder(name: string, apex: string): boolean {
  return name === apex || name.endsWith(`.${apex}`);
}

function freeze<T extends object>(x: T): T {
  return Object.freeze(x);
}

function sameSet(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export function compileViews(dnsRecords: readonly DesiredDnsRecord[], networks: readonly DesiredNetwork[]): Views {
  const pub = new Map<string, NameRecord>();
  const regionalOf = new Map<string, NameRecord>();
  const nonTerminals = new Set<string>();
  const record = (r: DesiredDnsRecord, cname?: string): NameRecord => freeze({
    name: asciiLower(r.name).replace(/\.$/, ''), kind: r.kind, endpointId: r.endpointId,
    a: freeze([...r.a]), aaaa: freeze([...r.aaaa]), ...(cname ? { cname } : {}),
  });
  for (const r of dnsRecords) {
    if (r.scope !== 'public') continue;
    const rec = record(r);
    pub.set(rec.name, rec);
    if (r.kind === 'regional') regionalOf.set(r.endpointId, rec);
    for (const up of ancestors(rec.name)) {
      if (!isUnder(up, PUBLIC_APEX) || up === PUBLIC_APEX) break;
      nonTerminals.add(up);
    }
  }
  const zonesByVpc = new Map<string, Map<string, { apex: string; apexRecord?: NameRecord; wildcard?: NameRecord }>>();
  for (const r of dnsRecords) {
    if (r.scope === 'public') continue;
    const regional = regionalOf.get(r.endpointId);
    const cname = regional && sameSet(regional.a, r.a) && sameSet(regional.aaaa, r.aaaa) ? regional.name : undefined;
    const rec = record(r, cname);
    const wildcard = rec.name.startsWith('*.');
    const apex = wildcard ? rec.name.slice(2) : rec.name;
    const zones = zonesByVpc.get(r.scope) ?? new Map();
    zonesByVpc.set(r.scope, zones);
    const zone = zones.get(apex) ?? { apex };
    zones.set(apex, wildcard ? { ...zone, wildcard: rec } : { ...zone, apexRecord: rec });
  }
  const vpcs = new Map<string, VpcView>();
  for (const n of networks) {
    const zones = new Map([...(zonesByVpc.get(n.vpcId) ?? new Map()).entries()].map(([k, z]) => [k, freeze(z) as PrivateZone]));
    vpcs.set(n.vpcId, freeze({
      vpcId: n.vpcId, resolverIp: n.resolverIp, enableDnsSupport: n.enableDnsSupport, enableDnsHostnames: n.enableDnsHostnames, zones,
    }));
  }
  return freeze({ public: pub, publicNonTerminals: nonTerminals, vpcs });
}

/** The most specific private zone of `vpc` holding `name` (lower case, no trailing dot). */
function privateLookup(vpc: VpcView, name: string): Lookup {
  let zone = vpc.zones.get(name);
  if (!zone) {
    for (const up of ancestors(name)) {
      zone = vpc.zones.get(up);
      if (zone) break;
    }
  }
  if (!zone) return { kind: 'none' };
  if (name === zone.apex) {
    return zone.apexRecord
      ? { kind: 'record', record: zone.apexRecord, zone: zone.apex, scope: 'private', wildcard: false }
      : { kind: 'nodata', zone: zone.apex, scope: 'private' };
  }
  return zone.wildcard
    ? { kind: 'record', record: zone.wildcard, zone: zone.apex, scope: 'private', wildcard: true }
    : { kind: 'nxdomain', zone: zone.apex, scope: 'private' };
}

function publicLookup(views: Views, name: string): Lookup {
  const rec = views.public.get(name);
  if (rec) return { kind: 'record', record: rec, zone: isUnder(name, PUBLIC_APEX) ? PUBLIC_APEX : name, scope: 'public', wildcard: false };
  if (!isUnder(name, PUBLIC_APEX)) return { kind: 'none' };
  if (name === PUBLIC_APEX || views.publicNonTerminals.has(name)) return { kind: 'nodata', zone: PUBLIC_APEX, scope: 'public' };
  return { kind: 'nxdomain', zone: PUBLIC_APEX, scope: 'public' };
}

/**
 * What `name` (lower case, no trailing dot) is as seen from `vpc` (undefined: from the host, which
 * sees public names only): the VPC's private zones first (they override public DNS inside the
 * VPC), then the public names.
 */
export function lookup(views: Views, vpc: VpcView | undefined, name: string): Lookup {
  if (vpc) {
    const p = privateLookup(vpc, name);
    if (p.kind !== 'none') return p;
  }
  return publicLookup(views, name);
}

/** The records of the public view, for a CNAME target. */
export function publicRecord(views: Views, name: string): NameRecord | undefined {
  return views.public.get(name);
}
