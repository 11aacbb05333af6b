/**
 * The AWS-managed prefix lists of a region (the targets of gateway endpoints): S3 and DynamoDB.
 * Pure: the PrivateLink family uses it for gateway endpoint routes. us-east-1 carries AWS's real
 * ids; other regions get deterministic ids from a hash of the list's name.
 */

export interface AwsPrefixList {
  /** pl-xxxxxxxx */
  id: string;
  /** com.amazonaws.<region>.<service> */
  name: string;
  /** The service the list stands for: s3 or dynamodb. */
  service: 's3' | 'dynamodb';
  cidrs: string[];
}

/** AWS's published ids and (a subset of the) ranges for us-east-1. */
const US_EAST_1: Record<'s3' | 'dynamodb', { id: string; cidrs: string[] }> = {
  s3: { id: 'pl-63a5400a', cidrs: ['54.231.0.0/16', '52.216.0.0/15', '3.5.0.0/19', '18.34.0.0/19', '16.182.0.0/16'] },
  dynamodb: { id: 'pl-02cd2c6b', cidrs: ['3.218.182.0/24', '3.218.180.0/23', '52.94.0.0/22', '52.119.224.0/20'] },
};

/** 32-bit FNV-1a of a string, as 8 lowercase hex characters. */
export function fnv1aHex(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Plausible, deterministic public ranges for a region without a table: two /16s and a /19 inside 52.x / 3.x. */
function derivedCidrs(name: string): string[] {
  const h = parseInt(fnv1aHex(`${name}#cidr`), 16);
  const a = 64 + (h & 0x7f); // 52.64–52.191
  const b = (h >>> 8) & 0xff;
  const c = ((h >>> 16) & 0x07) * 32; // multiples of 32 for a /19
  return [`52.${a}.0.0/16`, `52.${(a + 1) & 0xff}.0.0/16`, `3.${b}.${c}.0/19`];
}

/** The AWS-managed prefix lists of `region`, in a stable order (s3, dynamodb). */
export function awsPrefixLists(region: string): AwsPrefixList[] {
  return (['s3', 'dynamodb'] as const).map((service) => {
    const name = `com.amazonaws.${region}.${service}`;
    if (region === 'us-east-1') return { id: US_EAST_1[service].id, name, service, cidrs: [...US_EAST_1[service].cidrs] };
    return { id: `pl-${fnv1aHex(name)}`, name, service, cidrs: derivedCidrs(name) };
  });
}

/** The managed prefix list with this id in `region`, if any. */
export function findAwsPrefixList(region: string, id: string): AwsPrefixList | undefined {
  return awsPrefixLists(region).find((p) => p.id === id);
}
