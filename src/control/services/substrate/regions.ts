/** DescribeRegions, DescribeAvailabilityZones and DescribePrefixLists: the fixed catalogues. */
import { ApiError } from '../../../core/errors.js';
import { availabilityZones, REGIONS, type AvailabilityZone, type Region } from '../../../core/regions.js';
import type { Handlers } from '../../api/context.js';
import { applyFilters } from '../../api/filters.js';
import { describe } from './common.js';
import { awsPrefixLists, type AwsPrefixList } from './prefix-lists.js';

function regionEndpoint(name: string): string {
  return `ec2.${name}.amazonaws.com`;
}

export const regionHandlers: Handlers = {
  async DescribeRegions(_ctx, input: { RegionNames?: string[]; AllRegions?: boolean; Filters?: Array<{ Name?: string; Values?: string[] }> }) {
    let regions: Region[] = [...REGIONS];
    if (input.RegionNames && input.RegionNames.length > 0) {
      const unknown = input.RegionNames.filter((n) => !REGIONS.some((r) => r.name === n));
      if (unknown.length > 0) throw new ApiError('InvalidParameterValue', `Invalid region: ${unknown.join(', ')}`);
      regions = regions.filter((r) => input.RegionNames!.includes(r.name));
    }
    // Every region Underpass knows is opt-in-not-required, so AllRegions lists the same set.
    regions = applyFilters(regions, input.Filters, {
      'region-name': (r) => r.name,
      endpoint: (r) => regionEndpoint(r.name),
      'opt-in-status': (r) => r.optInStatus,
    });
    return {
      Regions: regions.map((r) => ({ RegionName: r.name, Endpoint: regionEndpoint(r.name), OptInStatus: r.optInStatus })),
    };
  },

  async DescribeAvailabilityZones(ctx, input: { ZoneNames?: string[]; ZoneIds?: string[]; AllAvailabilityZones?: boolean; Filters?: Array<{ Name?: string; Values?: string[] }> }) {
    let zones: AvailabilityZone[] = availabilityZones(ctx.region);
    const names = input.ZoneNames ?? [];
    const ids = input.ZoneIds ?? [];
    const unknown = [...names.filter((n) => !zones.some((z) => z.zoneName === n)), ...ids.filter((i) => !zones.some((z) => z.zoneId === i))];
    if (unknown.length > 0) {
      throw new ApiError('InvalidParameterValue', `The availability zone '${unknown.join(', ')}' does not exist in region ${ctx.region}; it has ${zones.map((z) => `${z.zoneName} (${z.zoneId})`).join(', ')}`);
    }
    if (names.length > 0 || ids.length > 0) zones = zones.filter((z) => names.includes(z.zoneName) || ids.includes(z.zoneId));
    zones = applyFilters(zones, input.Filters, {
      'zone-name': (z) => z.zoneName,
      'zone-id': (z) => z.zoneId,
      'region-name': (z) => z.regionName,
      'group-name': (z) => z.groupName,
      'network-border-group': (z) => z.groupName,
      'opt-in-status': () => 'opt-in-not-required',
      state: () => 'available',
      'zone-type': () => 'availability-zone',
      message: () => undefined,
      'parent-zone-name': () => undefined,
      'parent-zone-id': () => undefined,
    });
    return {
      AvailabilityZones: zones.map((z) => ({
        State: 'available',
        OptInStatus: 'opt-in-not-required',
        Messages: [],
        RegionName: z.regionName,
        ZoneName: z.zoneName,
        ZoneId: z.zoneId,
        GroupName: z.groupName,
        NetworkBorderGroup: z.groupName,
        ZoneType: 'availability-zone',
      })),
    };
  },

  async DescribePrefixLists(ctx, input: { PrefixListIds?: string[]; Filters?: Array<{ Name?: string; Values?: string[] }>; MaxResults?: number; NextToken?: string }) {
    let lists: AwsPrefixList[] = awsPrefixLists(ctx.region);
    const ids = input.PrefixListIds ?? [];
    if (ids.length > 0) {
      const unknown = ids.filter((id) => !lists.some((p) => p.id === id));
      if (unknown.length > 0) throw new ApiError('InvalidPrefixListId.NotFound', `The prefix list ID '${unknown.join(', ')}' does not exist`);
      lists = lists.filter((p) => ids.includes(p.id));
    }
    const page = describe({
      operation: 'DescribePrefixLists', items: lists, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken,
      min: 5, max: 1000,
      fields: { 'prefix-list-id': (p) => p.id, 'prefix-list-name': (p) => p.name },
    });
    return {
      PrefixLists: page.items.map((p) => ({ PrefixListId: p.id, PrefixListName: p.name, Cidrs: p.cidrs })),
      NextToken: page.nextToken,
    };
  },
};
