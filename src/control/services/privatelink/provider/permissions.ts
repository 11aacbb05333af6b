/**
 * Modify/DescribeVpcEndpointServicePermissions: the principals allowed to find and connect to a
 * service. Removing a principal does not cut the connections it already made (as in AWS).
 */
import { ApiError } from '../../../../core/errors.js';
import { newId } from '../../../../core/ids.js';
import type { Handler } from '../../../api/context.js';
import { applyFilters, type Filter } from '../../../api/filters.js';
import { paginate } from '../../../api/paginate.js';
import type { EndpointServiceDoc } from '../../../resources.js';
import { requireOwned } from '../../shared.js';
import { presentPermission } from './present.js';
import { checkModifiable, principalTypeOf } from './validate.js';

interface ModifyInput { ServiceId: string; AddAllowedPrincipals?: string[]; RemoveAllowedPrincipals?: string[] }

export const modifyVpcEndpointServicePermissions: Handler = async (ctx, input: ModifyInput) => {
  const current = await requireOwned(ctx, 'endpoint-service', input.ServiceId);
  checkModifiable(current);
  const add = [...new Set(input.AddAllowedPrincipals ?? [])];
  const remove = [...new Set(input.RemoveAllowedPrincipals ?? [])];
  // Validate everything before changing anything.
  const addTypes = add.map((p) => principalTypeOf(p));
  for (const p of remove) principalTypeOf(p);
  const both = add.find((p) => remove.includes(p));
  if (both) throw new ApiError('InvalidParameter', `The principal '${both}' cannot be both added and removed in one request`);

  const doc: EndpointServiceDoc = structuredClone(current);
  // Removing a principal that is not allowed is a no-op, so that repeated clean-ups succeed.
  doc.permissions = doc.permissions.filter((p) => !remove.includes(p.principal));
  const added = [];
  for (const [i, principal] of add.entries()) {
    let entry = doc.permissions.find((p) => p.principal === principal);
    if (!entry) {
      entry = { id: newId('vpce-svc-perm', ctx.random), principal, principalType: addTypes[i]! };
      doc.permissions.push(entry);
    }
    added.push({ PrincipalType: entry.principalType, Principal: entry.principal, ServicePermissionId: entry.id, ServiceId: doc.id });
  }
  await ctx.tx.put(doc);
  return { AddedPrincipals: added.length > 0 ? added : undefined, ReturnValue: true };
};

interface DescribeInput { ServiceId: string; Filters?: Filter[]; MaxResults?: number; NextToken?: string }

export const describeVpcEndpointServicePermissions: Handler = async (ctx, input: DescribeInput) => {
  const service = await requireOwned(ctx, 'endpoint-service', input.ServiceId);
  const filtered = applyFilters(service.permissions, input.Filters, {
    principal: (p) => p.principal,
    'principal-type': (p) => p.principalType,
  });
  const page = paginate(filtered, {
    scope: `DescribeVpcEndpointServicePermissions:${service.id}`, maxResults: input.MaxResults, token: input.NextToken, min: 5, max: 1000,
  });
  return { AllowedPrincipals: page.items.map((p) => presentPermission(service, p)), NextToken: page.next };
};
