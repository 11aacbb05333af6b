/** The fields of a security group rule that decide what it matches, shared by the store, the compiler and the matcher. */
export interface SecurityGroupRuleMatch {
  /** sgr-… */
  ruleId: string;
  /** '-1' for all, else 'tcp' | 'udp' | 'icmp' | 'icmpv6' or a protocol number as a string. */
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  prefixListId?: string;
  referencedGroupId?: string;
  referencedGroupAccount?: string;
}
