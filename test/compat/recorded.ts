/**
 * The real-AWS DescribeVpcEndpoints responses recorded in ../shared/reference/aws-recorded/
 * (LocalStack snapshots taken against AWS), with their placeholders (<vpc-id:1>, <region>,
 * timestamp, …) replaced by well-formed values.
 */
import { readFileSync } from 'node:fs';

const RECORDED = new URL('../../../shared/reference/aws-recorded/', import.meta.url);

interface Recording { file: string; pick: (content: any) => Record<string, any> }

const RECORDINGS: Recording[] = [
  { file: 'ec2_test_vpc_endpoint_dns_names.json', pick: (c) => c['available-endpoint'] },
  { file: 'apigateway_test_create_execute_api_vpc_endpoint.json', pick: (c) => c['endpoint-details'] },
  { file: 'cfn_test_deploy_vpc_endpoint.json', pick: (c) => c.endpoint.VpcEndpoints[0] },
];

/** Replaces the recordings' placeholders (<vpc-id:1>, <region>, timestamp, …) with well-formed values. */
function fillPlaceholders(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === 'timestamp' || v === '<datetime>') return '2025-07-29T23:29:35.123Z';
    return v.replace(/<([a-z-]+)(?::(\d+))?>/g, (_m, kind: string, n?: string) => {
      const i = Number(n ?? 0);
      const hex17 = (seed: number) => (`0${seed.toString(16)}`.padEnd(17, 'a')).slice(0, 17);
      switch (kind) {
        case 'region': return 'us-east-1';
        case 'partition': return 'aws';
        case 'host': return 'amazonaws.com';
        case 'vpc-endpoint-id': return `vpce-${hex17(i)}`;
        case 'vpc-id': return `vpc-${hex17(i + 16)}`;
        case 'subnet-id': return `subnet-${hex17(i + 32)}`;
        case 'group-id': return `sg-${hex17(i + 48)}`;
        case 'network-interface-id': return `eni-${hex17(i + 64)}`;
        case 'hosted-zone-id': return `Z7HUB22UULQX${i}`;
        case 'dns-suffix': return 'g5hws96k';
        case 'dns-name': return `name-${i}.example.com`;
        case 'group-name': return `group-${i}`;
        case 'stack-name': return `stack-${i}`;
        default: throw new Error(`unknown placeholder <${kind}>`);
      }
    });
  }
  if (Array.isArray(v)) return v.map(fillPlaceholders);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillPlaceholders(x)]));
  return v;
}

/** Each recorded endpoint, placeholders filled. */
export function recordedEndpoints(): Array<{ file: string; endpoint: Record<string, any> }> {
  return RECORDINGS.map((r) => {
    const json = JSON.parse(readFileSync(new URL(r.file, RECORDED), 'utf8'));
    return { file: r.file, endpoint: fillPlaceholders(r.pick(json['recorded-content'])) as Record<string, any> };
  });
}

