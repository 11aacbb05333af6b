/**
 * Security groups as AWS evaluates them: allow-only and stateful. A connection is admitted when
 * ANY rule of ANY group attached to the ENI matches its protocol, port and peer (CIDR, prefix list,
 * or a referenced group the peer is a member of); replies of an admitted connection need no rule,
 * so callers evaluate connection starts only. Groups are compiled once (`compileGroups`): CIDRs
 * become integer ranges, prefix lists are resolved, and each rule's allow verdict is built ahead,
 * so evaluating an IPv4 connection reads the peer address with one character loop (nothing at
 * all when given as an integer) and allocates nothing on the allow path; only refusals and IPv6
 * peers build strings or arrays.
 */
import type { SecurityGroupRuleMatch } from '../core/security-group-rule.js';
import { ipv4Of, ipv6ToWords, net6Contains, parseCidr4, parseCidr6, type Net6 } from './addresses.js';

/** A stored rule; structurally the control plane's `SecurityGroupRule`. */
export type RuleInput = SecurityGroupRuleMatch;

/** A stored group; structurally the control plane's `SecurityGroupDoc`. */
export interface GroupInput {
  id: string;
  ingress: readonly RuleInput[];
  egress: readonly RuleInput[];
}

export interface CompileContext {
  /** The CIDRs of a prefix list, undefined when unknown. Resolved at compile time: recompile when lists change. */
  prefixLists: (id: string) => readonly string[] | undefined;
}

export interface RuleRef { groupId: string; ruleId: string }

export type SgVerdict =
  | { readonly allow: true; readonly rule: RuleRef; readonly reason: string }
  | { readonly allow: false; readonly reason: string };

/** One rule, precompiled for the per-connection path. */
export interface CompiledRule {
  readonly ref: RuleRef;
  /** IP protocol number; -1 for all. */
  readonly proto: number;
  /** Inclusive destination port range (TCP/UDP only; 0–65535 otherwise). */
  readonly portLo: number;
  readonly portHi: number;
  /** ICMP type and code; -1 for any. */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** IPv4 peers as flat inclusive [lo, hi, lo, hi, …] pairs. */
  readonly v4: readonly number[];
  readonly v6: readonly Net6[];
  /** The referenced group the peer must be a member of. */
  readonly group: string | undefined;
  /** What could not be compiled (unknown prefix list or protocol, malformed CIDR): those parts never match. */
  readonly problem: string | undefined;
  /** The verdict returned when this rule admits a connection, built once. */
  readonly verdict: SgVerdict & { allow: true };
}

export interface SecurityGroupView {
  readonly id: string;
  readonly ingress: readonly CompiledRule[];
  readonly egress: readonly CompiledRule[];
}

/** 'tcp' | 'udp' | 'icmp' | 'icmpv6' or an IP protocol number. */
export type Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | number;

interface ConnBase {
  protocol: Protocol;
  /** Destination port for TCP and UDP. */
  destinationPort: number;
  /** For ICMP connections: the message type and code rules with ICMP types match against. */
  icmpType?: number;
  icmpCode?: number;
}

export interface IngressConn extends ConnBase {
  /** The source address: dotted-quad IPv4, IPv4-mapped IPv6, IPv6, or IPv4 as an unsigned integer. */
  sourceIp: string | number;
  /** The groups the source workload or ENI is a member of (for rules referencing a group). */
  sourceGroupIds: readonly string[];
}

export interface EgressConn extends ConnBase {
  destinationIp: string | number;
  destinationGroupIds: readonly string[];
}

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;

const NAMES: Record<number, string> = { [TCP]: 'tcp', [UDP]: 'udp', [ICMP]: 'icmp', [ICMPV6]: 'icmpv6' };

function protocolNumber(p: Protocol | string): number | undefined {
  if (typeof p === 'number') return Number.isInteger(p) && p >= 0 && p <= 255 ? p : undefined;
  switch (p) { // the stored, lower-case spellings first: no allocation on the per-connection path
    case 'tcp': return TCP;
    case 'udp': return UDP;
    case 'icmp': return ICMP;
    case 'icmpv6': return ICMPV6;
    case '-1': return -1;
  }
  switch (p.toLowerCase()) {
    case 'all': return -1;
    case 'tcp': return TCP;
    case 'udp': return UDP;
    case 'icmp': return ICMP;
    case 'icmpv6': return ICMPV6;
    default: return /^\d{1,3}$/.test(p) && Number(p) <= 255 ? Number(p) : undefined;
  }
}

function ruleTraffic(r: Pick<CompiledRule, 'proto' | 'portLo' | 'portHi' | 'icmpType' | 'icmpCode'>): string {
  if (r.proto === -1) return 'all traffic';
  const name = NAMES[r.proto] ?? `protocol ${r.proto}`;
  if (r.proto === TCP || r.proto === UDP) {
    if (r.portLo === 0 && r.portHi === 65535) return `${name} all ports`;
    return r.portLo === r.portHi ? `${name} ${r.portLo}` : `${name} ${r.portLo}-${r.portHi}`;
  }
  if (r.proto === ICMP || r.proto === ICMPV6) {
    if (r.icmpType === -1) return `${name} all types`;
    return r.icmpCode === -1 ? `${name} type ${r.icmpType}` : `${name} type ${r.icmpType} code ${r.icmpCode}`;
  }
  return name;
}

function compileRule(groupId: string, rule: RuleInput, outbound: boolean, ctx: CompileContext): CompiledRule {
  const problems: string[] = [];
  const proto = protocolNumber(rule.ipProtocol);
  if (proto === undefined) problems.push(`unknown protocol '${rule.ipProtocol}'`);
  const p = proto ?? -2; // never equals a connection's protocol
  const ported = p === TCP || p === UDP;
  const icmp = p === ICMP || p === ICMPV6;
  const from = rule.fromPort === undefined || rule.fromPort < 0 ? undefined : rule.fromPort;
  const to = rule.toPort === undefined || rule.toPort < 0 ? undefined : rule.toPort;
  const v4: number[] = [];
  const v6: Net6[] = [];
  const addCidr = (c: string, where: string): void => {
    if (c.includes(':')) {
      const n = parseCidr6(c);
      if (n) v6.push(n); else problems.push(`malformed CIDR ${c}${where}`);
    } else {
      const r = parseCidr4(c);
      if (r) v4.push(r.lo, r.hi); else problems.push(`malformed CIDR ${c}${where}`);
    }
  };
  let peer: string;
  if (rule.cidrIpv4 !== undefined) { addCidr(rule.cidrIpv4, ''); peer = rule.cidrIpv4; }
  else if (rule.cidrIpv6 !== undefined) { addCidr(rule.cidrIpv6, ''); peer = rule.cidrIpv6; }
  else if (rule.prefixListId !== undefined) {
    const cidrs = ctx.prefixLists(rule.prefixListId);
    if (cidrs === undefined) problems.push(`prefix list ${rule.prefixListId} is unknown`);
    else for (const c of cidrs) addCidr(c, ` in prefix list ${rule.prefixListId}`);
    peer = `prefix list ${rule.prefixListId}`;
  } else if (rule.referencedGroupId !== undefined) {
    peer = rule.referencedGroupId === groupId ? `members of ${groupId} (itself)` : `members of ${rule.referencedGroupId}`;
  } else {
    problems.push('no peer (CIDR, prefix list or group)');
    peer = 'nothing';
  }
  const ref: RuleRef = Object.freeze({ groupId, ruleId: rule.ruleId });
  const compiled = {
    ref,
    proto: p,
    portLo: ported ? from ?? 0 : 0,
    portHi: ported ? to ?? 65535 : 65535,
    icmpType: icmp ? from ?? -1 : -1,
    icmpCode: icmp && from !== undefined ? to ?? -1 : -1, // all types: any code
    v4,
    v6,
    group: rule.referencedGroupId,
    problem: problems.length ? problems.join('; ') : undefined,
  };
  const traffic = ruleTraffic(compiled);
  const reason = `${rule.ruleId} of ${groupId} allows ${traffic} ${outbound ? 'to' : 'from'} ${peer}`;
  // Only the verdict (handed to callers) is frozen: frozen arrays and rule objects make V8's
  // per-connection loop several times slower; `readonly` types guard the rest.
  return { ...compiled, verdict: Object.freeze({ allow: true as const, rule: ref, reason }) };
}

/** Compiles stored groups (e.g. `SecurityGroupDoc`s) once; evaluate against the views of one ENI's groups. */
export function compileGroups(groups: readonly GroupInput[], ctx: CompileContext): SecurityGroupView[] {
  return groups.map((g) => ({
    id: g.id,
    ingress: g.ingress.map((r) => compileRule(g.id, r, false, ctx)),
    egress: g.egress.map((r) => compileRule(g.id, r, true, ctx)),
  }));
}

function matches(r: CompiledRule, proto: number, port: number, icmpType: number, icmpCode: number,
  ip4: number, ip6: readonly number[] | undefined, peerGroups: readonly string[]): boolean {
  if (r.proto !== -1) {
    if (r.proto !== proto) return false;
    if (proto === TCP || proto === UDP) {
      if (port < r.portLo || port > r.portHi) return false;
    } else if (proto === ICMP || proto === ICMPV6) {
      if (r.icmpType !== -1 && r.icmpType !== icmpType) return false;
      if (r.icmpCode !== -1 && r.icmpCode !== icmpCode) return false;
    }
  }
  if (r.group !== undefined) return peerGroups.includes(r.group);
  if (ip4 >= 0) {
    const v4 = r.v4;
    for (let i = 0; i < v4.length; i += 2) if (ip4 >= v4[i]! && ip4 <= v4[i + 1]!) return true;
    return false;
  }
  if (ip6 !== undefined) {
    for (let i = 0; i < r.v6.length; i++) if (net6Contains(r.v6[i]!, ip6)) return true;
  }
  return false;
}

function connTraffic(proto: number, port: number, icmpType: number, icmpCode: number): string {
  const name = NAMES[proto] ?? `protocol ${proto}`;
  if (proto === TCP || proto === UDP) return `${name}/${port}`;
  if (proto === ICMP || proto === ICMPV6) return `${name} type ${icmpType} code ${icmpCode}`;
  return name;
}

function evaluate(groups: readonly SecurityGroupView[], outbound: boolean, conn: ConnBase,
  peerIp: string | number, peerGroups: readonly string[]): SgVerdict {
  const direction = outbound ? 'outbound' : 'inbound';
  const peerRole = outbound ? 'destination' : 'source';
  if (groups.length === 0) return { allow: false, reason: `no security group attached: all ${direction} traffic is denied` };
  const proto = protocolNumber(conn.protocol);
  if (proto === undefined || proto === -1) return { allow: false, reason: `${peerRole} protocol ${String(conn.protocol)} is not a single IP protocol` };
  let ip4 = -1;
  let ip6: readonly number[] | undefined;
  if (typeof peerIp === 'number') {
    ip4 = Number.isInteger(peerIp) && peerIp >= 0 && peerIp <= 0xffffffff ? peerIp : -1;
  } else {
    ip4 = ipv4Of(peerIp);
    if (ip4 < 0) ip6 = ipv6ToWords(peerIp);
  }
  if (ip4 < 0 && ip6 === undefined) return { allow: false, reason: `${peerRole} address ${String(peerIp)} is not an IP address` };
  const port = conn.destinationPort;
  const icmpType = conn.icmpType ?? -1;
  const icmpCode = conn.icmpCode ?? -1;
  for (let g = 0; g < groups.length; g++) {
    const rules = outbound ? groups[g]!.egress : groups[g]!.ingress;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (matches(r, proto, port, icmpType, icmpCode, ip4, ip6, peerGroups)) return r.verdict;
    }
  }
  const ids = groups.map((g) => g.id).join(', ');
  const member = peerGroups.length ? `${peerRole} groups ${peerGroups.join(', ')}` : `${peerRole} in no security group`;
  const broken = groups.flatMap((g) => (outbound ? g.egress : g.ingress).filter((r) => r.problem !== undefined)
    .map((r) => `; ${r.ref.ruleId} of ${g.id}: ${r.problem}`)).join('');
  return {
    allow: false,
    reason: `no ${direction} rule of ${ids} allows ${connTraffic(proto, port, icmpType, icmpCode)} ${outbound ? 'to' : 'from'} ${String(peerIp)} (${member})${broken}`,
  };
}

/** Whether the groups attached to an ENI admit a connection arriving at it. */
export function evaluateIngress(groups: readonly SecurityGroupView[], conn: IngressConn): SgVerdict {
  return evaluate(groups, false, conn, conn.sourceIp, conn.sourceGroupIds);
}

/** Whether the groups attached to an ENI (or workload) let it open a connection to the destination. */
export function evaluateEgress(groups: readonly SecurityGroupView[], conn: EgressConn): SgVerdict {
  return evaluate(groups, true, conn, conn.destinationIp, conn.destinationGroupIds);
}
