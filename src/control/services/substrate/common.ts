/** Helpers the substrate operations share: explicit-id lookups, the Describe pipeline, copies. */
import { ApiError } from '../../../core/errors.js';
import { ec2Arn } from '../../../core/ids.js';
import type { RequestContext } from '../../api/context.js';
import { applyFilters, type Filter, type FilterFields } from '../../api/filters.js';
import { paginate } from '../../api/paginate.js';
import type { ResourceOf, StoredResource, Tag } from '../../resources.js';
import { checkIdFormat, ID_KINDS, type IdKindName } from '../shared.js';

/** A deep copy of a stored document, to mutate and `put` back. */
export function copy<T>(doc: T): T {
  return structuredClone(doc);
}

/** The caller's resources with these ids, in store order; a malformed id answers Malformed, a missing or foreign one NotFound. */
export async function ownedByIds<K extends IdKindName>(ctx: RequestContext, kind: K, ids: string[]): Promise<ResourceOf<K>[]> {
  for (const id of ids) checkIdFormat(kind, id);
  const all = (await ctx.tx.list(kind, ctx.account)) as unknown as StoredResource[];
  const wanted = new Set(ids);
  const found = all.filter((d) => wanted.has(d.id));
  const missing = [...wanted].filter((id) => !found.some((d) => d.id === id));
  if (missing.length > 0) {
    const k = ID_KINDS[kind];
    throw new ApiError(k.notFound, missing.length === 1
      ? `The ${k.label} '${missing[0]}' does not exist`
      : `The ${k.label}s '${missing.join(', ')}' do not exist`);
  }
  return found as unknown as ResourceOf<K>[];
}

export interface DescribeOptions<T> {
  operation: string;
  items: T[];
  filters?: Filter[];
  fields: FilterFields<T>;
  tagsOf?: (item: T) => Tag[];
  maxResults?: number;
  nextToken?: string;
  min?: number;
  max?: number;
}

/** Filters then pages a list; returns the page and the NextToken. */
export function describe<T>(opts: DescribeOptions<T>): { items: T[]; nextToken?: string } {
  const filtered = applyFilters(opts.items, opts.filters, opts.fields, opts.tagsOf);
  const page = paginate(filtered, { scope: opts.operation, maxResults: opts.maxResults, token: opts.nextToken, min: opts.min, max: opts.max });
  return { items: page.items, nextToken: page.next };
}

/** Tags in the API shape, or undefined when there are none (AWS omits an empty tagSet). */
export function apiTags(tags: Tag[] | undefined): Tag[] | undefined {
  return tags && tags.length > 0 ? tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined;
}

export function resourceArn(ctx: { region: string }, account: string, type: string, id: string): string {
  return ec2Arn(ctx.region, account, `${type}/${id}`);
}
