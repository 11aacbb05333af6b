/** Tags: validation, tag-on-create (`TagSpecification.N`) and the AWS `Tag` shape. */
import { ApiError } from '../../core/errors.js';
import type { Tag } from '../resources.js';

export interface TagSpecification { ResourceType?: string; Tags?: Array<{ Key?: string; Value?: string }> }

export const MAX_TAGS = 50;

export function validateTags(tags: Array<{ Key?: string; Value?: string }>): Tag[] {
  const out: Tag[] = [];
  for (const t of tags) {
    if (t.Key === undefined || t.Key === '') throw new ApiError('InvalidParameterValue', 'Tag keys must not be empty');
    if (t.Key.length > 128) throw new ApiError('InvalidParameterValue', `Tag key '${t.Key.slice(0, 20)}…' is longer than 128 characters`);
    if (t.Key.toLowerCase().startsWith('aws:')) throw new ApiError('InvalidParameterValue', `Tag key '${t.Key}' is reserved: keys starting with 'aws:' are for AWS use`);
    if ((t.Value ?? '').length > 256) throw new ApiError('InvalidParameterValue', `Tag value for key '${t.Key}' is longer than 256 characters`);
    const existing = out.findIndex((o) => o.Key === t.Key);
    if (existing >= 0) throw new ApiError('InvalidParameterValue', `Duplicate tag key '${t.Key}' in the request`);
    out.push({ Key: t.Key, Value: t.Value ?? '' });
  }
  if (out.length > MAX_TAGS) throw new ApiError('TagLimitExceeded', `The maximum number of tags for a resource is ${MAX_TAGS}`);
  return out;
}

/** The tags for a resource of `resourceType` from the request's TagSpecifications. */
export function tagsForCreate(specs: TagSpecification[] | undefined, resourceType: string): Tag[] {
  if (!specs) return [];
  let tags: Tag[] = [];
  for (const spec of specs) {
    if (spec.ResourceType !== resourceType) {
      throw new ApiError('InvalidParameterValue', `'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`);
    }
    tags = tags.concat(validateTags(spec.Tags ?? []));
  }
  return validateTags(tags);
}

/** Merges `add` into `tags` (same key: value replaced). */
export function mergeTags(tags: Tag[], add: Tag[]): Tag[] {
  const out = tags.filter((t) => !add.some((a) => a.Key === t.Key));
  const merged = out.concat(add);
  if (merged.length > MAX_TAGS) throw new ApiError('TagLimitExceeded', `The maximum number of tags for a resource is ${MAX_TAGS}`);
  return merged;
}

/** Removes tags by key, or by key and value when a value is given. */
export function removeTags(tags: Tag[], remove: Array<{ Key?: string; Value?: string }>): Tag[] {
  return tags.filter((t) => !remove.some((r) => r.Key === t.Key && (r.Value === undefined || r.Value === t.Value)));
}
