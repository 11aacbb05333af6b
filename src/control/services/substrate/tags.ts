/** CreateTags, DeleteTags, DescribeTags over every taggable EC2 resource of the store (and security group rules). */
import { ApiError } from '../../../core/errors.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { Filter } from '../../api/filters.js';
import { mergeTags, removeTags, validateTags } from '../../api/tags.js';
import type { SecurityGroupDoc, StoredResource, Tag } from '../../resources.js';
import { requireOwned, type IdKindName } from '../shared.js';
import { copy, describe } from './common.js';

/** Id prefixes of the taggable kinds, most specific first. */
const PREFIXES: Array<[string, IdKindName]> = [
  ['vpce-svc-', 'endpoint-service'],
  ['vpce-', 'endpoint'],
  ['vpc-', 'vpc'],
  ['subnet-', 'subnet'],
  ['sg-', 'security-group'],
  ['rtb-', 'route-table'],
  ['eni-', 'network-interface'],
];

/** AWS's resource-type names (DescribeTags, TagSpecification) of the stored kinds. */
export const RESOURCE_TYPES: Record<IdKindName, string> = {
  vpc: 'vpc',
  subnet: 'subnet',
  'security-group': 'security-group',
  'route-table': 'route-table',
  'network-interface': 'network-interface',
  endpoint: 'vpc-endpoint',
  'endpoint-service': 'vpc-endpoint-service',
};

type Target =
  | { type: 'doc'; doc: StoredResource & { tags: Tag[] } }
  | { type: 'rule'; group: SecurityGroupDoc; ruleId: string };

/** Resolves every id first (all or nothing): the caller's own resources only. */
async function resolveTargets(ctx: RequestContext, ids: string[]): Promise<Target[]> {
  const out: Target[] = [];
  for (const id of ids) {
    if (id.startsWith('sgr-')) {
      const group = (await ctx.tx.list('security-group', ctx.account)).find((g) => [...g.ingress, ...g.egress].some((r) => r.ruleId === id));
      if (!group) throw new ApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      out.push({ type: 'rule', group, ruleId: id });
      continue;
    }
    const match = PREFIXES.find(([prefix]) => id.startsWith(prefix));
    if (!match) throw new ApiError('InvalidID', `The ID '${id}' is not valid: Underpass tags vpc-, subnet-, sg-, sgr-, rtb-, eni-, vpce- and vpce-svc- resources`);
    const doc = await requireOwned(ctx, match[1], id);
    out.push({ type: 'doc', doc });
  }
  return out;
}

/** Applies `change` to the tags of every target, writing each document once. */
async function retag(ctx: RequestContext, targets: Target[], change: (tags: Tag[]) => Tag[]): Promise<void> {
  const docs = new Map<string, StoredResource>();
  const working = (d: StoredResource) => {
    let w = docs.get(d.id);
    if (!w) {
      w = copy(d);
      docs.set(d.id, w);
    }
    return w;
  };
  for (const t of targets) {
    if (t.type === 'doc') {
      const w = working(t.doc);
      w.tags = change(w.tags);
    } else {
      const g = working(t.group) as SecurityGroupDoc;
      const rule = [...g.ingress, ...g.egress].find((r) => r.ruleId === t.ruleId)!;
      rule.tags = change(rule.tags ?? []);
    }
  }
  for (const d of docs.values()) await ctx.tx.put(d);
}

/** A resource's tags in key order (the order DescribeTags lists them in). */
function byKey(tags: Tag[]): Tag[] {
  return [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

interface TagRow { ResourceId: string; ResourceType: string; Key: string; Value: string }

async function allTagRows(ctx: RequestContext): Promise<TagRow[]> {
  const rows: TagRow[] = [];
  for (const kind of Object.keys(RESOURCE_TYPES) as IdKindName[]) {
    for (const doc of await ctx.tx.list(kind, ctx.account)) {
      if (doc.kind === 'endpoint' && doc.state === 'deleted') continue;
      for (const t of byKey(doc.tags)) rows.push({ ResourceId: doc.id, ResourceType: RESOURCE_TYPES[kind], Key: t.Key, Value: t.Value });
      if (doc.kind === 'security-group') {
        for (const r of [...doc.ingress, ...doc.egress]) {
          for (const t of byKey(r.tags ?? [])) rows.push({ ResourceId: r.ruleId, ResourceType: 'security-group-rule', Key: t.Key, Value: t.Value });
        }
      }
    }
  }
  return rows;
}

export const tagHandlers: Handlers = {
  async CreateTags(ctx, input: { Resources: string[]; Tags: Array<{ Key?: string; Value?: string }> }) {
    const tags = validateTags(input.Tags);
    const targets = await resolveTargets(ctx, input.Resources);
    await retag(ctx, targets, (current) => mergeTags(current, tags));
    return {};
  },

  async DeleteTags(ctx, input: { Resources: string[]; Tags?: Array<{ Key?: string; Value?: string }> }) {
    for (const t of input.Tags ?? []) {
      if (t.Key === undefined || t.Key === '') throw new ApiError('InvalidParameterValue', 'Tag keys must not be empty');
      if (t.Key.toLowerCase().startsWith('aws:')) throw new ApiError('InvalidParameterValue', `Tag key '${t.Key}' is reserved: keys starting with 'aws:' cannot be deleted`);
    }
    const targets = await resolveTargets(ctx, input.Resources);
    const remove = input.Tags;
    await retag(ctx, targets, (current) => (remove && remove.length > 0 ? removeTags(current, remove) : []));
    return {};
  },

  async DescribeTags(ctx, input: { Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    const page = describe({
      operation: 'DescribeTags', items: await allTagRows(ctx), filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken, min: 5,
      fields: {
        key: (r) => r.Key,
        value: (r) => r.Value,
        'resource-id': (r) => r.ResourceId,
        'resource-type': (r) => r.ResourceType,
      },
    });
    return { Tags: page.items, NextToken: page.nextToken };
  },
};
