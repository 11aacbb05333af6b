/**
 * Security groups and their rules: Create/Describe/DeleteSecurityGroup,
 * Authorize/RevokeSecurityGroupIngress/Egress, DescribeSecurityGroupRules. Each VPC has a
 * `default` group (all traffic from itself in, everything out) that cannot be deleted.
 */
import { ApiError } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { Filter } from '../../api/filters.js';
import { tagsForCreate, type TagSpecification } from '../../api/tags.js';
import type { SecurityGroupDoc, SecurityGroupRule, Tag } from '../../resources.js';
import { checkIdFormat, requireOwned } from '../shared.js';
import { apiTags, copy, describe, ownedByIds, resourceArn } from './common.js';
import { findAwsPrefixList } from './prefix-lists.js';
import {
  describeRule, expandPermissions, flatPermission, sameRule, toIpPermissions,
  type GroupPairInput, type IpPermissionInput, type RuleSpec,
} from './sg-rules.js';

/** AWS's per-group quota of rules in each direction. */
export const MAX_RULES_PER_DIRECTION = 60;

export function newSecurityGroup(
  ctx: RequestContext,
  opts: { vpcId: string; groupName: string; description: string; isDefault: boolean; tags: Tag[] },
): SecurityGroupDoc {
  const id = newId('sg', ctx.random);
  return {
    kind: 'security-group',
    id,
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags: opts.tags,
    vpcId: opts.vpcId,
    groupName: opts.groupName,
    description: opts.description,
    ingress: opts.isDefault
      ? [{ ruleId: newId('sgr', ctx.random), ipProtocol: '-1', referencedGroupId: id, referencedGroupAccount: ctx.account }]
      : [],
    egress: [{ ruleId: newId('sgr', ctx.random), ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }],
  };
}

/** True for the `default` group of a VPC. */
async function isDefaultGroup(ctx: RequestContext, g: SecurityGroupDoc): Promise<boolean> {
  const vpc = await ctx.tx.get('vpc', g.vpcId);
  return vpc?.defaultSecurityGroupId === g.id;
}

const NAME_CHARS = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

function checkGroupText(param: 'GroupName' | 'GroupDescription', value: string): void {
  if (value.length === 0) throw new ApiError('InvalidParameterValue', `Value () for parameter ${param} is invalid. It must not be empty.`);
  if (value.length > 255) throw new ApiError('InvalidParameterValue', `Value for parameter ${param} is invalid: it is longer than 255 characters.`);
  if (!NAME_CHARS.test(value)) {
    throw new ApiError('InvalidParameterValue',
      `Value (${value}) for parameter ${param} is invalid. Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*`);
  }
}

/** The shape of a rule in DescribeSecurityGroupRules and the Authorize* results. */
export function presentRule(ctx: { region: string }, g: SecurityGroupDoc, r: SecurityGroupRule, isEgress: boolean): Record<string, unknown> {
  return {
    SecurityGroupRuleId: r.ruleId,
    GroupId: g.id,
    GroupOwnerId: g.account,
    IsEgress: isEgress,
    IpProtocol: r.ipProtocol,
    FromPort: r.fromPort ?? -1,
    ToPort: r.toPort ?? -1,
    CidrIpv4: r.cidrIpv4,
    CidrIpv6: r.cidrIpv6,
    PrefixListId: r.prefixListId,
    ReferencedGroupInfo: r.referencedGroupId ? { GroupId: r.referencedGroupId, UserId: r.referencedGroupAccount } : undefined,
    Description: r.description,
    Tags: apiTags(r.tags),
    SecurityGroupRuleArn: resourceArn(ctx, g.account, 'security-group-rule', r.ruleId),
  };
}

function presentRevoked(g: SecurityGroupDoc, r: SecurityGroupRule, isEgress: boolean): Record<string, unknown> {
  return {
    SecurityGroupRuleId: r.ruleId, GroupId: g.id, IsEgress: isEgress, IpProtocol: r.ipProtocol,
    FromPort: r.fromPort ?? -1, ToPort: r.toPort ?? -1, CidrIpv4: r.cidrIpv4, CidrIpv6: r.cidrIpv6,
    PrefixListId: r.prefixListId, ReferencedGroupId: r.referencedGroupId, Description: r.description,
  };
}

function presentPermissions(rules: SecurityGroupRule[]): Array<Record<string, unknown>> {
  return toIpPermissions(rules).map((p) => ({
    IpProtocol: p.IpProtocol,
    FromPort: p.FromPort,
    ToPort: p.ToPort,
    IpRanges: p.IpRanges,
    Ipv6Ranges: p.Ipv6Ranges,
    PrefixListIds: p.PrefixListIds,
    UserIdGroupPairs: p.UserIdGroupPairs,
  }));
}

export function presentGroup(ctx: { region: string }, g: SecurityGroupDoc): Record<string, unknown> {
  return {
    GroupId: g.id,
    GroupName: g.groupName,
    Description: g.description,
    VpcId: g.vpcId,
    OwnerId: g.account,
    SecurityGroupArn: resourceArn(ctx, g.account, 'security-group', g.id),
    IpPermissions: presentPermissions(g.ingress),
    IpPermissionsEgress: presentPermissions(g.egress),
    Tags: apiTags(g.tags),
  };
}

/** The caller's group named by GroupId, or by GroupName when that name is unique among the caller's groups. */
async function targetGroup(ctx: RequestContext, input: { GroupId?: string; GroupName?: string }): Promise<SecurityGroupDoc> {
  if (input.GroupId !== undefined) return requireOwned(ctx, 'security-group', input.GroupId);
  if (input.GroupName === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter groupId or groupName');
  const named = (await ctx.tx.list('security-group', ctx.account)).filter((g) => g.groupName === input.GroupName);
  if (named.length === 0) throw new ApiError('InvalidGroup.NotFound', `The security group '${input.GroupName}' does not exist`);
  if (named.length > 1) {
    throw new ApiError('InvalidParameterValue',
      `The security group name '${input.GroupName}' exists in several VPCs (${named.map((g) => g.vpcId).join(', ')}): use GroupId`);
  }
  return named[0]!;
}

/** Resolves a UserIdGroupPair against the group the rule goes into (same VPC only: Underpass has no peering). */
function groupResolver(ctx: RequestContext, target: SecurityGroupDoc) {
  return async (pair: GroupPairInput) => {
    let ref: SecurityGroupDoc | undefined;
    if (pair.GroupId !== undefined) {
      checkIdFormat('security-group', pair.GroupId);
      ref = await ctx.tx.get('security-group', pair.GroupId);
      const owner = pair.UserId ?? ctx.account;
      if (!ref || ref.account !== owner) throw new ApiError('InvalidGroup.NotFound', `The security group '${pair.GroupId}' does not exist`);
    } else {
      const owner = pair.UserId ?? ctx.account;
      ref = (await ctx.tx.list('security-group', owner)).find((g) => g.vpcId === target.vpcId && g.groupName === pair.GroupName);
      if (!ref) throw new ApiError('InvalidGroup.NotFound', `The security group '${pair.GroupName}' does not exist in VPC '${target.vpcId}'`);
    }
    if (ref.vpcId !== target.vpcId) {
      throw new ApiError('InvalidGroup.NotFound',
        `You have specified two resources that belong to different networks: ${ref.id} is in ${ref.vpcId}, ${target.id} in ${target.vpcId}.`);
    }
    return { groupId: ref.id, account: ref.account };
  };
}

function prefixListCheck(ctx: RequestContext) {
  return (id: string) => {
    if (!findAwsPrefixList(ctx.region, id)) throw new ApiError('InvalidPrefixListId.NotFound', `The prefix list ID '${id}' does not exist`);
  };
}

interface RuleRequest {
  GroupId?: string;
  GroupName?: string;
  IpPermissions?: IpPermissionInput[];
  IpProtocol?: string; FromPort?: number; ToPort?: number; CidrIp?: string; SourceSecurityGroupName?: string; SourceSecurityGroupOwnerId?: string;
  TagSpecifications?: TagSpecification[];
  SecurityGroupRuleIds?: string[];
}

/** The permissions of an Authorize/Revoke request: IpPermissions, or (ingress) the legacy flat parameters. */
function requestedPermissions(input: RuleRequest, egress: boolean, allowIds: boolean): IpPermissionInput[] {
  const flat = flatPermission(input);
  const perms = input.IpPermissions ?? [];
  if (flat && egress) {
    throw new ApiError('InvalidParameterCombination',
      'The flat parameters (IpProtocol, FromPort, ToPort, CidrIp, SourceSecurityGroup*) are not supported for egress rules: use IpPermissions');
  }
  if (flat && perms.length > 0) {
    throw new ApiError('InvalidParameterCombination', 'The parameter ipPermissions cannot be used together with IpProtocol, FromPort, ToPort, CidrIp or SourceSecurityGroup*');
  }
  const out = flat ? [flat] : perms;
  if (out.length === 0 && !allowIds) throw new ApiError('MissingParameter', 'The request must contain the parameter ipPermissions');
  return out;
}

async function authorize(ctx: RequestContext, input: RuleRequest, egress: boolean) {
  const group = copy(await targetGroup(ctx, input));
  const perms = requestedPermissions(input, egress, false);
  const specs = await expandPermissions(perms, groupResolver(ctx, group), prefixListCheck(ctx));
  const tags = tagsForCreate(input.TagSpecifications, 'security-group-rule');
  const existing = egress ? group.egress : group.ingress;
  const accepted: RuleSpec[] = [];
  for (const spec of specs) {
    if (existing.some((r) => sameRule(r, spec)) || accepted.some((r) => sameRule(r, spec))) {
      throw new ApiError('InvalidPermission.Duplicate', `the specified rule "${describeRule(spec)}" already exists`);
    }
    accepted.push(spec);
  }
  if (existing.length + accepted.length > MAX_RULES_PER_DIRECTION) {
    throw new ApiError('RulesPerSecurityGroupLimitExceeded',
      `The maximum number of rules per security group has been reached: ${group.id} may have at most ${MAX_RULES_PER_DIRECTION} ${egress ? 'outbound' : 'inbound'} rules.`);
  }
  const rules: SecurityGroupRule[] = accepted.map((s) => ({ ruleId: newId('sgr', ctx.random), ...s, ...(tags.length ? { tags } : {}) }));
  existing.push(...rules);
  await ctx.tx.put(group);
  return { Return: true, SecurityGroupRules: rules.map((r) => presentRule(ctx, group, r, egress)) };
}

async function revoke(ctx: RequestContext, input: RuleRequest, egress: boolean) {
  const group = copy(await targetGroup(ctx, input));
  const list = egress ? group.egress : group.ingress;
  const ids = input.SecurityGroupRuleIds ?? [];
  const perms = requestedPermissions(input, egress, ids.length > 0);
  if (ids.length > 0 && perms.length > 0) {
    throw new ApiError('InvalidParameterCombination', 'Give either SecurityGroupRuleIds or IpPermissions, not both');
  }
  const removed: SecurityGroupRule[] = [];
  if (ids.length > 0) {
    for (const id of ids) {
      const rule = list.find((r) => r.ruleId === id);
      if (!rule) {
        throw new ApiError('InvalidSecurityGroupRuleId.NotFound',
          `The security group rule ID '${id}' does not exist in the ${egress ? 'egress' : 'ingress'} rules of ${group.id}`);
      }
      if (!removed.includes(rule)) removed.push(rule);
    }
  } else {
    const specs = await expandPermissions(perms, groupResolver(ctx, group), prefixListCheck(ctx));
    for (const spec of specs) {
      const rule = list.find((r) => sameRule(r, spec) && !removed.includes(r));
      if (!rule) {
        throw new ApiError('InvalidPermission.NotFound',
          `The specified rule does not exist in this security group: "${describeRule(spec)}" is not an ${egress ? 'egress' : 'ingress'} rule of ${group.id}.`);
      }
      removed.push(rule);
    }
  }
  const kept = list.filter((r) => !removed.includes(r));
  if (egress) group.egress = kept;
  else group.ingress = kept;
  await ctx.tx.put(group);
  return { Return: true, RevokedSecurityGroupRules: removed.map((r) => presentRevoked(group, r, egress)) };
}

/** What still uses a group, or undefined. */
async function groupDependents(ctx: RequestContext, g: SecurityGroupDoc): Promise<string | undefined> {
  const enis = (await ctx.tx.list('network-interface')).filter((e) => e.groupIds.includes(g.id));
  if (enis.length) return `network interfaces ${enis.map((e) => e.id).join(', ')} use it`;
  const endpoints = (await ctx.tx.list('endpoint')).filter((e) => e.state !== 'deleted' && e.groupIds.includes(g.id));
  if (endpoints.length) return `VPC endpoints ${endpoints.map((e) => e.id).join(', ')} use it`;
  const lbs = (await ctx.tx.list('load-balancer')).filter((l) => l.securityGroups.includes(g.id));
  if (lbs.length) return `load balancers ${lbs.map((l) => l.name).join(', ')} use it`;
  const referencing = (await ctx.tx.list('security-group'))
    .filter((o) => o.id !== g.id && [...o.ingress, ...o.egress].some((r) => r.referencedGroupId === g.id));
  if (referencing.length) return `rules of security groups ${referencing.map((o) => o.id).join(', ')} reference it`;
  return undefined;
}

/** All rules of the caller's groups, ingress first, as (group, rule, isEgress). */
async function allRules(ctx: RequestContext) {
  const out: Array<{ group: SecurityGroupDoc; rule: SecurityGroupRule; egress: boolean }> = [];
  for (const group of await ctx.tx.list('security-group', ctx.account)) {
    for (const rule of group.ingress) out.push({ group, rule, egress: false });
    for (const rule of group.egress) out.push({ group, rule, egress: true });
  }
  return out;
}

/** The ip-permission.* / egress.ip-permission.* filter fields of one direction. */
function permissionFields(prefix: string, rulesOf: (g: SecurityGroupDoc) => SecurityGroupRule[], names: Map<string, string>) {
  const f = (pick: (r: SecurityGroupRule) => string | number | undefined) => (g: SecurityGroupDoc) => rulesOf(g).map(pick);
  return {
    [`${prefix}.cidr`]: f((r) => r.cidrIpv4),
    [`${prefix}.ipv6-cidr`]: f((r) => r.cidrIpv6),
    [`${prefix}.prefix-list-id`]: f((r) => r.prefixListId),
    [`${prefix}.protocol`]: f((r) => r.ipProtocol),
    [`${prefix}.from-port`]: f((r) => r.fromPort ?? -1),
    [`${prefix}.to-port`]: f((r) => r.toPort ?? -1),
    [`${prefix}.group-id`]: f((r) => r.referencedGroupId),
    [`${prefix}.group-name`]: f((r) => (r.referencedGroupId ? names.get(r.referencedGroupId) : undefined)),
    [`${prefix}.user-id`]: f((r) => r.referencedGroupAccount),
  };
}

export const securityGroupHandlers: Handlers = {
  async CreateSecurityGroup(ctx, input: { GroupName: string; Description: string; VpcId?: string; TagSpecifications?: TagSpecification[] }) {
    checkGroupText('GroupName', input.GroupName);
    checkGroupText('GroupDescription', input.Description);
    if (input.GroupName === 'default') throw new ApiError('InvalidGroup.Reserved', "The security group 'default' is reserved: every VPC has its own default group.");
    if (input.GroupName.toLowerCase().startsWith('sg-')) throw new ApiError('InvalidParameterValue', `Group names may not be in the format sg-*: '${input.GroupName}'`);
    if (input.VpcId === undefined) {
      throw new ApiError('VPCIdNotSpecified', 'No default VPC for this user: Underpass has no default VPC, give the VpcId.');
    }
    const vpc = await requireOwned(ctx, 'vpc', input.VpcId);
    const tags = tagsForCreate(input.TagSpecifications, 'security-group');
    const clash = (await ctx.tx.list('security-group', ctx.account)).find((g) => g.vpcId === vpc.id && g.groupName === input.GroupName);
    if (clash) throw new ApiError('InvalidGroup.Duplicate', `The security group '${input.GroupName}' already exists for VPC '${vpc.id}'`);
    const group = newSecurityGroup(ctx, { vpcId: vpc.id, groupName: input.GroupName, description: input.Description, isDefault: false, tags });
    await ctx.tx.put(group);
    return { GroupId: group.id, Tags: apiTags(group.tags), SecurityGroupArn: resourceArn(ctx, group.account, 'security-group', group.id) };
  },

  async DescribeSecurityGroups(ctx, input: { GroupIds?: string[]; GroupNames?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    let items = input.GroupIds?.length ? await ownedByIds(ctx, 'security-group', input.GroupIds) : await ctx.tx.list('security-group', ctx.account);
    if (input.GroupNames?.length) {
      const missing = input.GroupNames.filter((n) => !items.some((g) => g.groupName === n));
      if (missing.length) throw new ApiError('InvalidGroup.NotFound', `The security group '${missing.join(', ')}' does not exist`);
      items = items.filter((g) => input.GroupNames!.includes(g.groupName));
    }
    const names = new Map((await ctx.tx.list('security-group')).map((g) => [g.id, g.groupName]));
    const page = describe({
      operation: 'DescribeSecurityGroups', items, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken, min: 5,
      tagsOf: (g) => g.tags,
      fields: {
        'group-id': (g) => g.id,
        'group-name': (g) => g.groupName,
        description: (g) => g.description,
        'vpc-id': (g) => g.vpcId,
        'owner-id': (g) => g.account,
        ...permissionFields('ip-permission', (g) => g.ingress, names),
        ...permissionFields('egress.ip-permission', (g) => g.egress, names),
      },
    });
    return { SecurityGroups: page.items.map((g) => presentGroup(ctx, g)), NextToken: page.nextToken };
  },

  async DeleteSecurityGroup(ctx, input: { GroupId?: string; GroupName?: string }) {
    const group = await targetGroup(ctx, input);
    if (await isDefaultGroup(ctx, group)) {
      throw new ApiError('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user: it is the default group of ${group.vpcId}`);
    }
    const why = await groupDependents(ctx, group);
    if (why) throw new ApiError('DependencyViolation', `resource ${group.id} has a dependent object: ${why}.`);
    await ctx.tx.delete(group.id);
    return { Return: true, GroupId: group.id };
  },

  async AuthorizeSecurityGroupIngress(ctx, input: RuleRequest) {
    return authorize(ctx, input, false);
  },
  async AuthorizeSecurityGroupEgress(ctx, input: RuleRequest) {
    return authorize(ctx, input, true);
  },
  async RevokeSecurityGroupIngress(ctx, input: RuleRequest) {
    return revoke(ctx, input, false);
  },
  async RevokeSecurityGroupEgress(ctx, input: RuleRequest) {
    return revoke(ctx, input, true);
  },

  async DescribeSecurityGroupRules(ctx, input: { SecurityGroupRuleIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    let items = await allRules(ctx);
    if (input.SecurityGroupRuleIds?.length) {
      const missing = input.SecurityGroupRuleIds.filter((id) => !items.some((i) => i.rule.ruleId === id));
      if (missing.length) throw new ApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${missing.join(', ')}' does not exist`);
      items = items.filter((i) => input.SecurityGroupRuleIds!.includes(i.rule.ruleId));
    }
    const page = describe({
      operation: 'DescribeSecurityGroupRules', items, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken, min: 5,
      tagsOf: (i) => i.rule.tags ?? [],
      fields: {
        'group-id': (i) => i.group.id,
        'security-group-rule-id': (i) => i.rule.ruleId,
      },
    });
    return { SecurityGroupRules: page.items.map((i) => presentRule(ctx, i.group, i.rule, i.egress)), NextToken: page.nextToken };
  },
};
