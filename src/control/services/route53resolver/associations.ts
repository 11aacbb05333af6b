/**
 * Rule associations: AssociateResolverRule (CREATING → COMPLETE in the tick), Disassociate
 * (DELETING → gone), Get, List. A VPC holds at most one rule per domain name, and a rule is
 * associated with a VPC once.
 */
import { ApiError } from '../../../core/errors.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { ResolverRuleAssociationDoc } from '../../resources.js';
import { applyResolverFilters, checkName, newAssociationId, ownAssociation, ownRule, page, type ResolverFilter } from './common.js';
import { presentAssociation } from './present.js';

async function associateResolverRule(ctx: RequestContext, input: { ResolverRuleId: string; VPCId: string; Name?: string }): Promise<Record<string, unknown>> {
  checkName(input.Name);
  const rule = await ownRule(ctx, input.ResolverRuleId);
  const vpc = await ctx.tx.get('vpc', input.VPCId);
  if (!vpc || vpc.account !== ctx.account) throw new ApiError('ResourceNotFoundException', `VPC with ID '${input.VPCId}' does not exist.`);
  const inVpc = (await ctx.tx.list('resolver-rule-association', ctx.account)).filter((a) => a.vpcId === vpc.id && a.status !== 'DELETING');
  if (inVpc.some((a) => a.resolverRuleId === rule.id)) {
    throw new ApiError('ResourceExistsException', `Resolver rule ${rule.id} is already associated with ${vpc.id}`);
  }
  for (const a of inVpc) {
    const other = await ctx.tx.get('resolver-rule', a.resolverRuleId);
    if (other && other.domainName.toLowerCase() === rule.domainName.toLowerCase()) {
      throw new ApiError('ResourceExistsException', `Cannot associate rules with same domain name with same VPC: ${other.id} for ${other.domainName} is associated with ${vpc.id}`);
    }
  }
  const now = ctx.now.toISOString();
  const doc: ResolverRuleAssociationDoc = {
    kind: 'resolver-rule-association', id: newAssociationId(ctx), account: ctx.account, region: ctx.region, createdAt: now, tags: [],
    resolverRuleId: rule.id, vpcId: vpc.id, ...(input.Name !== undefined && { name: input.Name }),
    status: 'CREATING', statusMessage: '[Trace id: underpass] Creating the association.', stateChangedAt: now,
  };
  await ctx.tx.put(doc);
  return { ResolverRuleAssociation: presentAssociation(doc) };
}

async function disassociateResolverRule(ctx: RequestContext, input: { VPCId: string; ResolverRuleId: string }): Promise<Record<string, unknown>> {
  const rule = await ownRule(ctx, input.ResolverRuleId);
  const assoc = (await ctx.tx.list('resolver-rule-association', ctx.account)).find((a) => a.resolverRuleId === rule.id && a.vpcId === input.VPCId);
  if (!assoc) throw new ApiError('ResourceNotFoundException', `Resolver rule ${rule.id} is not associated with VPC '${input.VPCId}'.`);
  if (assoc.status === 'DELETING') return { ResolverRuleAssociation: presentAssociation(assoc) };
  const next: ResolverRuleAssociationDoc = { ...assoc, status: 'DELETING', statusMessage: '[Trace id: underpass] Deleting the association.', stateChangedAt: ctx.now.toISOString() };
  await ctx.tx.put(next);
  return { ResolverRuleAssociation: presentAssociation(next) };
}

async function getResolverRuleAssociation(ctx: RequestContext, input: { ResolverRuleAssociationId: string }): Promise<Record<string, unknown>> {
  return { ResolverRuleAssociation: presentAssociation(await ownAssociation(ctx, input.ResolverRuleAssociationId)) };
}

async function listResolverRuleAssociations(ctx: RequestContext, input: { MaxResults?: number; NextToken?: string; Filters?: ResolverFilter[] }): Promise<Record<string, unknown>> {
  const all = await ctx.tx.list('resolver-rule-association', ctx.account);
  const kept = applyResolverFilters('ListResolverRuleAssociations', all, input.Filters, {
    Name: (a) => a.name,
    ResolverRuleId: (a) => a.resolverRuleId,
    Status: (a) => a.status,
    VPCId: (a) => a.vpcId,
  });
  const p = page('ListResolverRuleAssociations', kept, input);
  return {
    ...(p.NextToken !== undefined && { NextToken: p.NextToken }), ...(p.MaxResults !== undefined && { MaxResults: p.MaxResults }),
    ResolverRuleAssociations: p.items.map(presentAssociation),
  };
}

export const associationHandlers: Handlers = {
  AssociateResolverRule: associateResolverRule,
  DisassociateResolverRule: disassociateResolverRule,
  GetResolverRuleAssociation: getResolverRuleAssociation,
  ListResolverRuleAssociations: listResolverRuleAssociations,
};
