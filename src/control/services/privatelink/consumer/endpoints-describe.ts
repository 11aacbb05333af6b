/**
 * DescribeVpcEndpoints: the caller's endpoints (deleted ones stay visible as `deleted` until the
 * tick purges them), by id and by the model's filters, paginated.
 */
import { ApiError } from '../../../../core/errors.js';
import type { Handler } from '../../../api/context.js';
import { applyFilters, type Filter, type FilterFields } from '../../../api/filters.js';
import { paginate } from '../../../api/paginate.js';
import type { EndpointDoc } from '../../../resources.js';
import { checkIdFormat } from '../../shared.js';
import { presentEndpoint } from './present.js';

export const ENDPOINT_FILTERS: FilterFields<EndpointDoc> = {
  'ip-address-type': (e) => e.ipAddressType,
  'service-name': (e) => e.serviceName,
  'service-region': (e) => e.region,
  'vpc-id': (e) => e.vpcId,
  'vpc-endpoint-id': (e) => e.id,
  'vpc-endpoint-state': (e) => e.state,
  'vpc-endpoint-type': (e) => e.type,
};

interface DescribeInput { VpcEndpointIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }

export const describeVpcEndpoints: Handler = async (ctx, raw) => {
  const input = raw as DescribeInput;
  let items: EndpointDoc[];
  if (input.VpcEndpointIds && input.VpcEndpointIds.length > 0) {
    // By id: read just those (a describe of one endpoint must not cost a listing of all of them).
    for (const id of input.VpcEndpointIds) checkIdFormat('endpoint', id);
    const wanted = [...new Set(input.VpcEndpointIds)];
    const found: EndpointDoc[] = [];
    for (const id of wanted) {
      const e = await ctx.tx.get('endpoint', id);
      if (e && e.account === ctx.account) found.push(e);
    }
    const have = new Set(found.map((e) => e.id));
    const missing = wanted.filter((id) => !have.has(id));
    if (missing.length > 0) {
      throw new ApiError('InvalidVpcEndpointId.NotFound', missing.length === 1
        ? `The VpcEndPoint ID '${missing[0]}' does not exist`
        : `The VpcEndPoint IDs '${missing.join(', ')}' do not exist`);
    }
    items = found.sort((a, b) => a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);
  } else {
    items = await ctx.tx.list('endpoint', ctx.account);
  }
  items = applyFilters(items, input.Filters, ENDPOINT_FILTERS, (e) => e.tags);
  const page = paginate(items, { scope: 'DescribeVpcEndpoints', maxResults: input.MaxResults, token: input.NextToken, max: 1000 });
  const out = [];
  for (const e of page.items) out.push(await presentEndpoint(ctx.tx, e));
  return { VpcEndpoints: out, NextToken: page.next };
};
