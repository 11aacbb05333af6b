/**
 * EC2 `Filter.N` semantics: filters AND together, values of one filter OR together, values may use
 * `*` and `?` wildcards, `tag:<key>` and `tag-key` work on every taggable resource, and an unknown
 * filter name is refused.
 */
import { ApiError } from '../../core/errors.js';
import type { Tag } from '../resources.js';

export interface Filter { Name?: string; Values?: string[] }

/** Filter name → the value(s) of an item for that filter (undefined: the item has none). */
export type FilterFields<T> = Record<string, (item: T) => string | number | boolean | undefined | Array<string | number | boolean | undefined>>;

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function matchesAny(values: Array<string | number | boolean | undefined>, patterns: RegExp[]): boolean {
  return values.some((v) => v !== undefined && patterns.some((p) => p.test(String(v))));
}

/** Keeps the items that pass every filter. `tagsOf` enables `tag:<key>` and `tag-key`. */
export function applyFilters<T>(items: T[], filters: Filter[] | undefined, fields: FilterFields<T>, tagsOf?: (item: T) => Tag[]): T[] {
  if (!filters || filters.length === 0) return items;
  const compiled = filters.map((f) => {
    const name = f.Name;
    if (!name) throw new ApiError('InvalidParameterValue', 'Each filter must have a Name');
    const patterns = (f.Values ?? []).map(globToRegExp);
    if (name.startsWith('tag:') && tagsOf) {
      const key = name.slice(4);
      return (item: T) => tagsOf(item).some((t) => t.Key === key && patterns.some((p) => p.test(t.Value)));
    }
    if (name === 'tag-key' && tagsOf) {
      return (item: T) => tagsOf(item).some((t) => patterns.some((p) => p.test(t.Key)));
    }
    if (name === 'tag-value' && tagsOf) {
      return (item: T) => tagsOf(item).some((t) => patterns.some((p) => p.test(t.Value)));
    }
    const field = fields[name];
    if (!field) throw new ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    return (item: T) => {
      const v = field(item);
      return matchesAny(Array.isArray(v) ? v : [v], patterns);
    };
  });
  return items.filter((item) => compiled.every((match) => match(item)));
}
