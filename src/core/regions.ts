/** The regions Underpass knows and their availability zones (three per region, with zone ids). */

export interface Region {
  name: string;
  /** The short code of zone ids: use1 for us-east-1. */
  code: string;
  optInStatus: 'opt-in-not-required' | 'opted-in' | 'not-opted-in';
}

export interface AvailabilityZone {
  zoneName: string;
  zoneId: string;
  regionName: string;
  groupName: string;
}

const DIRECTIONS: Record<string, string> = {
  north: 'n', south: 's', east: 'e', west: 'w', central: 'c', northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
};

export const REGIONS: readonly Region[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1',
  'ap-southeast-2', 'sa-east-1',
].map((name) => ({ name, code: regionCode(name), optInStatus: 'opt-in-not-required' as const }));


/** us-east-1 → use1, ap-southeast-2 → apse2, eu-central-1 → euc1. */
export function regionCode(region: string): string {
  const [area, direction, n] = region.split('-');
  return `${area}${DIRECTIONS[direction ?? ''] ?? direction}${n}`;
}

export function findRegion(name: string): Region | undefined {
  return REGIONS.find((r) => r.name === name);
}

/**
 * The zones of a region as an account sees them. Underpass maps zone names to zone ids the same
 * way for every account (us-east-1a is use1-az1); PrivateLink matches zones by id throughout.
 */
export function availabilityZones(region: string): AvailabilityZone[] {
  const code = regionCode(region);
  return ['a', 'b', 'c'].map((letter, i) => ({
    zoneName: `${region}${letter}`,
    zoneId: `${code}-az${i + 1}`,
    regionName: region,
    groupName: region,
  }));
}

export function findZone(region: string, nameOrId: string): AvailabilityZone | undefined {
  return availabilityZones(region).find((z) => z.zoneName === nameOrId || z.zoneId === nameOrId);
}
