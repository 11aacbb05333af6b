/**
 * What the Route 53 Resolver operations share: ids and ARNs, owned lookups that answer
 * ResourceNotFoundException (another account's resource answers the same as a missing one), list
 * filters and pagination in Resolver's style, tags.
 */
import { ApiError } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import type { RequestContext } from '../../api/context.js';
import { paginate } from '../../api/paginate.js';
import type { ResolverEndpointDoc, ResolverRuleAssociationDoc, ResolverRuleDoc, Tag } from '../../resources.js';

export const newEndpointId = (ctx: RequestContext, direction: 'INBOUND' | 'OUTBOUND'): string =>
  newId(direction === 'INBOUND' ? 'rslvr-in' : 'rslvr-out', ctx.random);
export const newRuleId = (ctx: RequestContext): string => newId('rslvr-rr', ctx.random);
export const newAssociationId = (ctx: RequestContext): string => newId('rslvr-rrassoc', ctx.random);
export const newIpId = (ctx: RequestContext): string => newId('rni', ctx.random);

export function resolverArn(ctx: RequestContext, resource: 'resolver-endpoint' | 'resolver-rule', id: string): string {
  return `arn:aws:route53resolver:${ctx.region}:${ctx.account}:${resource}/${id}`;
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError('ResourceNotFoundException', `${what} with ID '${id}' does not exist.`);
}

export async function ownEndpoint(ctx: RequestContext, id: string): Promise<ResolverEndpointDoc> {
  const doc = await ctx.tx.get('resolver-endpoint', id);
  if (!doc || doc.account !== ctx.account) throw notFound('Resolver endpoint', id);
  return doc;
}

export async function ownRule(ctx: RequestContext, id: string): Promise<ResolverRuleDoc> {
  const doc = await ctx.tx.get('resolver-rule', id);
  if (!doc || doc.account !== ctx.account) throw notFound('Resolver rule', id);
  return doc;
}

export async function ownAssociation(ctx: RequestContext, id: string): Promise<ResolverRuleAssociationDoc> {
  const doc = await ctx.tx.get('resolver-rule-association', id);
  if (!doc || doc.account !== ctx.account) throw notFound('Resolver rule association', id);
  return doc;
}

/** The Name pattern of the model: letters, digits, `-`, `_`, spaces; not only digits. */
export function checkName(name: string | undefined): void {
  if (name === undefined) return;
  if (!/^[a-zA-Z0-9\-_ ]*$/.test(name) || /^[0-9]+$/.test(name)) {
    throw new ApiError('ValidationException', `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+)`);
  }
}

export function checkTags(tags: Array<{ Key: string; Value: string }> | undefined): Tag[] {
  const out: Tag[] = [];
  for (const t of tags ?? []) {
    if (t.Key.toLowerCase().startsWith('aws:')) throw new ApiError('InvalidParameterException', `Tag key '${t.Key}' is reserved: keys starting with 'aws:' are for AWS use`);
    if (out.some((o) => o.Key === t.Key)) throw new ApiError('InvalidParameterException', `Duplicate tag key '${t.Key}' in the request`);
    out.push({ Key: t.Key, Value: t.Value });
  }
  return out;
}

export interface ResolverFilter { Name?: string; Values?: string[] }

/** `CreatorRequestId` and `CREATOR_REQUEST_ID` (Resolver's early spelling, still accepted) are one name. */
function filterKey(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/**
 * Resolver's Filters: filters AND together, the values of one filter OR together, values match
 * exactly. `fields` is keyed by the documented (CamelCase) names.
 */
export function applyResolverFilters<T>(operation: string, items: T[], filters: ResolverFilter[] | undefined, fields: Record<string, (item: T) => string | number | string[] | undefined>): T[] {
  if (!filters?.length) return items;
  const byKey = new Map(Object.entries(fields).map(([name, f]) => [filterKey(name), f]));
  const compiled = filters.map((f) => {
    const field = f.Name === undefined ? undefined : byKey.get(filterKey(f.Name));
    if (!field) {
      throw new ApiError('InvalidParameterException', `The filter '${f.Name ?? ''}' is not valid for ${operation}; use one of ${Object.keys(fields).join(', ')}`);
    }
    const values = new Set(f.Values ?? []);
    return (item: T) => {
      const v = field(item);
      return (Array.isArray(v) ? v : [v]).some((x) => x !== undefined && values.has(String(x)));
    };
  });
  return items.filter((item) => compiled.every((m) => m(item)));
}

/** MaxResults (1–100, default 100) and NextToken; a token from another listing answers InvalidNextTokenException. */
export function page<T>(operation: string, items: T[], input: { MaxResults?: number; NextToken?: string }): { items: T[]; NextToken?: string; MaxResults?: number } {
  const p = paginate(items, {
    scope: operation, maxResults: input.MaxResults ?? 100, ...(input.NextToken !== undefined && { token: input.NextToken }), max: 100,
  });
  return { items: p.items, ...(p.next !== undefined && { NextToken: p.next }), ...(input.MaxResults !== undefined && { MaxResults: input.MaxResults }) };
}
