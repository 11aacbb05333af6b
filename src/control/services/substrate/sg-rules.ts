/**
 * Security group rules: turning the API's `IpPermissions` (and the legacy flat form) into stored
 * rules — protocol names and numbers, port ranges, CIDRs, descriptions — and back into AWS's
 * grouped `IpPermissions` and per-rule `SecurityGroupRule` shapes. Pure, except for the group
 * resolver the caller passes in.
 */
import ipaddr from 'ipaddr.js';
import { ApiError } from '../../../core/errors.js';
import { parseCidr } from '../../../core/cidr.js';
import type { SecurityGroupRule } from '../../resources.js';

export interface IpRangeInput { CidrIp?: string; Description?: string }
export interface Ipv6RangeInput { CidrIpv6?: string; Description?: string }
export interface PrefixListInput { PrefixListId?: string; Description?: string }
export interface GroupPairInput {
  GroupId?: string; GroupName?: string; UserId?: string; Description?: string; VpcId?: string; VpcPeeringConnectionId?: string; PeeringStatus?: string;
}
export interface IpPermissionInput {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: IpRangeInput[];
  Ipv6Ranges?: Ipv6RangeInput[];
  PrefixListIds?: PrefixListInput[];
  UserIdGroupPairs?: GroupPairInput[];
}

/** A rule before it has an id. */
export type RuleSpec = Omit<SecurityGroupRule, 'ruleId'>;

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/** 'tcp', 'udp', 'icmp', 'icmpv6', '-1' (all) or a protocol number 0–255 as a string. */
export function normalizeProtocol(p: string | undefined): string {
  if (p === undefined || p === '') throw new ApiError('MissingParameter', 'The request must contain the parameter ipProtocol');
  const lower = p.trim().toLowerCase();
  if (lower === '-1' || lower === 'all') return '-1';
  if (lower === 'tcp' || lower === 'udp' || lower === 'icmp' || lower === 'icmpv6') return lower;
  if (/^\d{1,3}$/.test(lower)) {
    const n = Number(lower);
    if (n <= 255) return PROTOCOL_NUMBERS[String(n)] ?? String(n);
  }
  throw new ApiError('InvalidParameterValue', `Invalid value '${p}' for IP protocol. Unknown protocol.`);
}

/** The stored ports of a rule: TCP/UDP port ranges, ICMP type/code, none for other protocols. */
export function normalizePorts(protocol: string, from: number | undefined, to: number | undefined): { fromPort?: number; toPort?: number } {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined) throw new ApiError('MissingParameter', `The request must contain the parameter fromPort for protocol ${protocol}`);
    if (to === undefined) throw new ApiError('MissingParameter', `The request must contain the parameter toPort for protocol ${protocol}`);
    if (!Number.isInteger(from) || from < 0 || from > 65535) {
      throw new ApiError('InvalidParameterValue', `Invalid value '${from}' for fromPort. Ports must be between 0 and 65535 for ${protocol}.`);
    }
    if (!Number.isInteger(to) || to < 0 || to > 65535) {
      throw new ApiError('InvalidParameterValue', `Invalid value '${to}' for toPort. Ports must be between 0 and 65535 for ${protocol}.`);
    }
    if (from > to) throw new ApiError('InvalidParameterValue', `Invalid ${protocol.toUpperCase()} port range: fromPort ${from} is greater than toPort ${to}.`);
    return { fromPort: from, toPort: to };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    const type = from ?? -1;
    const code = to ?? -1;
    if (!Number.isInteger(type) || type < -1 || type > 255) throw new ApiError('InvalidParameterValue', `Invalid ICMP type '${type}': expecting -1 (all) or 0–255.`);
    if (!Number.isInteger(code) || code < -1 || code > 255) throw new ApiError('InvalidParameterValue', `Invalid ICMP code '${code}': expecting -1 (all) or 0–255.`);
    if (type === -1 && code !== -1) throw new ApiError('InvalidParameterValue', `Invalid ICMP code '${code}': a specific code requires a specific ICMP type.`);
    return { fromPort: type, toPort: code };
  }
  return {};
}

const DESCRIPTION_CHARS = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

export function validateRuleDescription(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  if (d.length > 255 || !DESCRIPTION_CHARS.test(d)) {
    throw new ApiError('InvalidParameterValue',
      'Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*');
  }
  return d === '' ? undefined : d;
}

export function normalizeCidrIpv4(cidr: string | undefined): string {
  if (cidr === undefined || cidr === '') throw new ApiError('MissingParameter', 'The request must contain the parameter cidrIp');
  if (!parseCidr(cidr)) throw new ApiError('InvalidParameterValue', `CIDR block ${cidr} is malformed`);
  return cidr;
}

export function normalizeCidrIpv6(cidr: string | undefined): string {
  if (cidr === undefined || cidr === '') throw new ApiError('MissingParameter', 'The request must contain the parameter cidrIpv6');
  if (!ipaddr.IPv6.isValidCIDR(cidr)) throw new ApiError('InvalidParameterValue', `CIDR block ${cidr} is malformed`);
  const [addr, len] = ipaddr.IPv6.parseCIDR(cidr);
  const network = ipaddr.IPv6.networkAddressFromCIDR(cidr);
  if (network.toString() !== addr.toString()) throw new ApiError('InvalidParameterValue', `CIDR block ${cidr} is malformed: host bits are set`);
  return `${addr.toString()}/${len}`;
}

/** Resolves a group reference (GroupId, or GroupName in the caller's VPC) to the group's id and owner. */
export type GroupResolver = (pair: GroupPairInput) => Promise<{ groupId: string; account: string }>;
/** Checks a prefix list id; throws InvalidPrefixListId.NotFound when unknown. */
export type PrefixListCheck = (id: string) => void;

/** Expands permissions into one rule spec per source, validated. */
export async function expandPermissions(perms: IpPermissionInput[], resolveGroup: GroupResolver, checkPrefixList: PrefixListCheck): Promise<RuleSpec[]> {
  const out: RuleSpec[] = [];
  for (const perm of perms) {
    const ipProtocol = normalizeProtocol(perm.IpProtocol);
    const ports = normalizePorts(ipProtocol, perm.FromPort, perm.ToPort);
    const base = { ipProtocol, ...ports };
    const before = out.length;
    for (const r of perm.IpRanges ?? []) {
      out.push(clean({ ...base, cidrIpv4: normalizeCidrIpv4(r.CidrIp), description: validateRuleDescription(r.Description) }));
    }
    for (const r of perm.Ipv6Ranges ?? []) {
      out.push(clean({ ...base, cidrIpv6: normalizeCidrIpv6(r.CidrIpv6), description: validateRuleDescription(r.Description) }));
    }
    for (const r of perm.PrefixListIds ?? []) {
      if (!r.PrefixListId) throw new ApiError('MissingParameter', 'The request must contain the parameter prefixListId');
      checkPrefixList(r.PrefixListId);
      out.push(clean({ ...base, prefixListId: r.PrefixListId, description: validateRuleDescription(r.Description) }));
    }
    for (const pair of perm.UserIdGroupPairs ?? []) {
      if (!pair.GroupId && !pair.GroupName) {
        throw new ApiError('MissingParameter', 'Each UserIdGroupPair must name a GroupId (or a GroupName in the same VPC)');
      }
      if (pair.VpcPeeringConnectionId) {
        throw new ApiError('InvalidParameterValue', 'Underpass has no VPC peering: VpcPeeringConnectionId is not supported in security group rules');
      }
      const g = await resolveGroup(pair);
      out.push(clean({ ...base, referencedGroupId: g.groupId, referencedGroupAccount: g.account, description: validateRuleDescription(pair.Description) }));
    }
    if (out.length === before) {
      throw new ApiError('InvalidParameterValue',
        `The permission for protocol ${perm.IpProtocol} names no source or destination: give IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs`);
    }
  }
  return out;
}

function clean(spec: RuleSpec): RuleSpec {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (v !== undefined) out[k] = v;
  return out as unknown as RuleSpec;
}

/** Identity of a rule for duplicates and revocation: protocol, ports and peer (description ignored). */
export function ruleKey(r: RuleSpec): string {
  const peer = r.cidrIpv4 ? `4:${r.cidrIpv4}` : r.cidrIpv6 ? `6:${r.cidrIpv6}` : r.prefixListId ? `pl:${r.prefixListId}` : `sg:${r.referencedGroupId}`;
  return `${r.ipProtocol}|${r.fromPort ?? ''}|${r.toPort ?? ''}|${peer}`;
}

/** AWS's wording of a rule in InvalidPermission.Duplicate messages. */
export function describeRule(r: RuleSpec): string {
  const peer = r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId ?? r.referencedGroupId;
  const proto = r.ipProtocol === '-1' ? 'ALL' : r.ipProtocol.toUpperCase();
  const ports = r.fromPort !== undefined ? `, from port: ${r.fromPort}, to port: ${r.toPort}` : '';
  return `peer: ${peer}, ${proto}${ports}, ALLOW`;
}

/** Does an existing stored rule match a revoke request's rule spec? */
export function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  return ruleKey(a) === ruleKey(b);
}

export interface ApiIpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges: Array<{ CidrIp: string; Description?: string }>;
  Ipv6Ranges: Array<{ CidrIpv6: string; Description?: string }>;
  PrefixListIds: Array<{ PrefixListId: string; Description?: string }>;
  UserIdGroupPairs: Array<{ UserId?: string; GroupId: string; Description?: string }>;
}

/** Groups stored rules into AWS's IpPermissions: one entry per protocol and port range. */
export function toIpPermissions(rules: SecurityGroupRule[]): ApiIpPermission[] {
  const byKey = new Map<string, ApiIpPermission>();
  for (const r of rules) {
    const key = `${r.ipProtocol}|${r.fromPort ?? ''}|${r.toPort ?? ''}`;
    let perm = byKey.get(key);
    if (!perm) {
      perm = { IpProtocol: r.ipProtocol, FromPort: r.fromPort, ToPort: r.toPort, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
      byKey.set(key, perm);
    }
    if (r.cidrIpv4) perm.IpRanges.push({ CidrIp: r.cidrIpv4, Description: r.description });
    else if (r.cidrIpv6) perm.Ipv6Ranges.push({ CidrIpv6: r.cidrIpv6, Description: r.description });
    else if (r.prefixListId) perm.PrefixListIds.push({ PrefixListId: r.prefixListId, Description: r.description });
    else if (r.referencedGroupId) perm.UserIdGroupPairs.push({ UserId: r.referencedGroupAccount, GroupId: r.referencedGroupId, Description: r.description });
  }
  return [...byKey.values()];
}

/** Converts the legacy flat ingress parameters (IpProtocol, FromPort, ToPort, CidrIp, SourceSecurityGroup*) into one permission. */
export function flatPermission(input: {
  IpProtocol?: string; FromPort?: number; ToPort?: number; CidrIp?: string; SourceSecurityGroupName?: string; SourceSecurityGroupOwnerId?: string;
}): IpPermissionInput | undefined {
  const any = input.IpProtocol !== undefined || input.FromPort !== undefined || input.ToPort !== undefined || input.CidrIp !== undefined
    || input.SourceSecurityGroupName !== undefined || input.SourceSecurityGroupOwnerId !== undefined;
  if (!any) return undefined;
  if (input.SourceSecurityGroupName !== undefined) {
    if (input.CidrIp !== undefined) {
      throw new ApiError('InvalidParameterCombination', 'The parameter cidrIp cannot be used with the parameter sourceSecurityGroupName');
    }
    // A source group means every protocol and port unless the caller names them.
    return {
      IpProtocol: input.IpProtocol ?? '-1', FromPort: input.FromPort, ToPort: input.ToPort,
      UserIdGroupPairs: [{ GroupName: input.SourceSecurityGroupName, UserId: input.SourceSecurityGroupOwnerId }],
    };
  }
  if (input.CidrIp === undefined) {
    throw new ApiError('MissingParameter', 'The request must contain the parameter cidrIp or sourceSecurityGroupName (or use IpPermissions)');
  }
  return { IpProtocol: input.IpProtocol, FromPort: input.FromPort, ToPort: input.ToPort, IpRanges: [{ CidrIp: input.CidrIp }] };
}
