/** `underpass dns`: the admin API's `/dns` answer (where the resolvers listen, the rules in force) as lines for people. */

export interface DnsStatus {
  host?: string;
  resolvers: Array<{ vpcId: string; address: string; enableDnsSupport: boolean }>;
  inboundEndpoints: Array<{ id: string; vpcId: string; addresses: string[]; host?: string }>;
  forwardingRules: Array<{ vpcId: string; domain: string; targets: string[]; ruleId: string }>;
}

export function formatDns(s: DnsStatus): string[] {
  const lines = [`host: ${s.host ? `${s.host} (public endpoint names; the rest forwarded to the public DNS)` : 'no listener (--dns-port)'}`];
  for (const r of s.resolvers) lines.push(`${r.vpcId}: resolver ${r.address}${r.enableDnsSupport ? '' : ' (silent: enableDnsSupport is off)'}`);
  for (const e of s.inboundEndpoints) {
    lines.push(`${e.id} (inbound, ${e.vpcId} view): ${e.addresses.join(', ')} in the VPC${e.host ? `; ${e.host} from this host` : ''}`);
  }
  for (const r of s.forwardingRules) lines.push(`${r.vpcId}: ${r.domain} → ${r.targets.join(', ')} (${r.ruleId})`);
  return lines;
}
