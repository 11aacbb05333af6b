/**
 * Resolver rules: Create (FORWARD through an OUTBOUND endpoint to target addresses, or SYSTEM),
 * Get, List, Delete (refused while the rule is associated with a VPC). RECURSIVE is the rule AWS
 * keeps for itself and DELEGATE is not served: both are refused.
 */
import { ApiError } from '../../../core/errors.js';
import { ipToInt } from '../../../core/cidr.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { ResolverRuleDoc, ResolverTargetAddress } from '../../resources.js';
import {
  applyResolverFilters, checkName, checkTags, newRuleId, ownEndpoint, ownRule, page, resolverArn, type ResolverFilter,
} from './common.js';
import { presentRule } from './present.js';

interface CreateInput {
  CreatorRequestId: string;
  Name?: string;
  RuleType: 'FORWARD' | 'SYSTEM' | 'RECURSIVE' | 'DELEGATE';
  DomainName?: string;
  TargetIps?: Array<{ Ip?: string; Port?: number; Ipv6?: string; Protocol?: string; ServerNameIndication?: string }>;
  ResolverEndpointId?: string;
  Tags?: Array<{ Key: string; Value: string }>;
  DelegationRecord?: string;
}

function invalidRequest(message: string): ApiError {
  return new ApiError('InvalidRequestException', message);
}

/**
 * A domain name as AWS stores it: with a trailing dot, letters kept as given. `*` as a whole first
 * label is allowed (Resolver accepts it); a lone `.` is the root (every name).
 */
export function canonicalDomain(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return '.';
  const labels = trimmed.split('.');
  const ok = trimmed.length <= 253 && labels.every((l, i) => (l === '*' && i === 0) || /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
  if (!ok) throw new ApiError('InvalidParameterException', `'${name}' is not a valid domain name`);
  return `${trimmed}.`;
}

function targets(input: CreateInput): ResolverTargetAddress[] {
  return (input.TargetIps ?? []).map((t) => {
    if (t.Ipv6 !== undefined) throw new ApiError('InvalidParameterException', 'IPv6 target addresses are not supported by Underpass');
    if (t.Protocol !== undefined && t.Protocol !== 'Do53') throw new ApiError('InvalidParameterException', `Target protocol ${t.Protocol} is not supported by Underpass: only Do53`);
    if (t.Ip === undefined || ipToInt(t.Ip) === undefined) throw new ApiError('InvalidParameterException', `A target needs an IPv4 address in Ip${t.Ip === undefined ? '' : `; '${t.Ip}' is not one`}`);
    const port = t.Port ?? 53;
    if (port < 1) throw new ApiError('InvalidParameterException', `Target port ${port} is not 1-65535`);
    return { ip: t.Ip, port };
  });
}

async function createResolverRule(ctx: RequestContext, input: CreateInput): Promise<Record<string, unknown>> {
  if (input.RuleType === 'RECURSIVE') throw invalidRequest('RuleType RECURSIVE is the rule Route 53 Resolver keeps for itself: create FORWARD or SYSTEM rules');
  if (input.RuleType === 'DELEGATE') throw invalidRequest('RuleType DELEGATE is not supported by Underpass: create FORWARD or SYSTEM rules');
  checkName(input.Name);
  const tags = checkTags(input.Tags);
  if (input.DomainName === undefined) throw invalidRequest(`A ${input.RuleType} rule needs a DomainName`);
  const domainName = canonicalDomain(input.DomainName);
  let targetIps: ResolverTargetAddress[] = [];
  if (input.RuleType === 'FORWARD') {
    if (!input.TargetIps?.length) throw invalidRequest('A FORWARD rule needs TargetIps');
    if (input.ResolverEndpointId === undefined) throw invalidRequest('A FORWARD rule needs the ResolverEndpointId of an OUTBOUND endpoint');
    targetIps = targets(input);
    const ep = await ownEndpoint(ctx, input.ResolverEndpointId);
    if (ep.direction !== 'OUTBOUND') throw invalidRequest(`Resolver endpoint ${ep.id} is INBOUND: a FORWARD rule needs an OUTBOUND endpoint`);
    if (ep.status === 'DELETING') throw invalidRequest(`Resolver endpoint ${ep.id} is being deleted`);
  } else {
    if (input.TargetIps !== undefined) throw invalidRequest('A SYSTEM rule takes no TargetIps');
    if (input.ResolverEndpointId !== undefined) throw invalidRequest('A SYSTEM rule takes no ResolverEndpointId');
  }
  if (input.DelegationRecord !== undefined) throw invalidRequest('DelegationRecord belongs to DELEGATE rules, which Underpass does not serve');
  const id = newRuleId(ctx);
  const now = ctx.now.toISOString();
  const doc: ResolverRuleDoc = {
    kind: 'resolver-rule', id, account: ctx.account, region: ctx.region, createdAt: now, tags,
    arn: resolverArn(ctx, 'resolver-rule', id),
    ...(input.Name !== undefined && { name: input.Name }),
    creatorRequestId: input.CreatorRequestId, domainName, ruleType: input.RuleType, targetIps,
    ...(input.ResolverEndpointId !== undefined && { resolverEndpointId: input.ResolverEndpointId }),
    status: 'COMPLETE', statusMessage: '[Trace id: underpass] Successfully created Resolver Rule.', modifiedAt: now,
  };
  await ctx.tx.put(doc);
  return { ResolverRule: presentRule(doc) };
}

async function getResolverRule(ctx: RequestContext, input: { ResolverRuleId: string }): Promise<Record<string, unknown>> {
  return { ResolverRule: presentRule(await ownRule(ctx, input.ResolverRuleId)) };
}

async function listResolverRules(ctx: RequestContext, input: { MaxResults?: number; NextToken?: string; Filters?: ResolverFilter[] }): Promise<Record<string, unknown>> {
  const all = await ctx.tx.list('resolver-rule', ctx.account);
  const kept = applyResolverFilters('ListResolverRules', all, input.Filters, {
    CreatorRequestId: (r) => r.creatorRequestId,
    DomainName: (r) => r.domainName,
    Name: (r) => r.name,
    ResolverEndpointId: (r) => r.resolverEndpointId,
    Status: (r) => r.status,
    Type: (r) => r.ruleType,
  });
  const p = page('ListResolverRules', kept, input);
  return { ...(p.NextToken !== undefined && { NextToken: p.NextToken }), ...(p.MaxResults !== undefined && { MaxResults: p.MaxResults }), ResolverRules: p.items.map(presentRule) };
}

async function deleteResolverRule(ctx: RequestContext, input: { ResolverRuleId: string }): Promise<Record<string, unknown>> {
  const rule = await ownRule(ctx, input.ResolverRuleId);
  const assocs = (await ctx.tx.list('resolver-rule-association', ctx.account)).filter((a) => a.resolverRuleId === rule.id);
  if (assocs.length) {
    throw new ApiError('ResourceInUseException', `Resolver rule ${rule.id} is associated with ${assocs.map((a) => a.vpcId).join(', ')}: disassociate it first`);
  }
  await ctx.tx.delete(rule.id);
  return { ResolverRule: presentRule({ ...rule, status: 'DELETING', statusMessage: '[Trace id: underpass] Deleting the Resolver Rule', modifiedAt: ctx.now.toISOString() }) };
}

export const ruleHandlers: Handlers = {
  CreateResolverRule: createResolverRule,
  GetResolverRule: getResolverRule,
  ListResolverRules: listResolverRules,
  DeleteResolverRule: deleteResolverRule,
};
