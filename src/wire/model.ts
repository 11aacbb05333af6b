/** The trimmed botocore service models (EC2, ELBv2, Route 53 Resolver) that drive request decoding and response encoding. */
import { readFileSync } from 'node:fs';

export interface MemberRef {
  shape: string;
  locationName?: string;
  queryName?: string;
  flattened?: boolean;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'double' | 'float' | 'blob';
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
  flattened?: boolean;
  locationName?: string;
  /** An error shape (JSON protocol). */
  exception?: boolean;
}

export interface OperationModel {
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
  /** JSON protocol: the error shapes the operation may answer. */
  errors?: string[];
}

export interface ServiceModel {
  metadata: {
    apiVersion: string;
    protocol: 'ec2' | 'query' | 'json';
    /** Query protocols; '' for the JSON protocol. */
    xmlNamespace: string;
    /** JSON protocol: `X-Amz-Target` is `<targetPrefix>.<Operation>`, the content type `application/x-amz-json-<jsonVersion>`. */
    jsonVersion?: string;
    targetPrefix?: string;
  };
  operations: Record<string, OperationModel>;
  /** Every operation name of the full API (Underpass serves the ones in `operations`). */
  allOperations: string[];
  shapes: Record<string, Shape>;
}

function load(name: string): ServiceModel {
  const url = new URL(`./models/${name}.json`, import.meta.url);
  const model = JSON.parse(readFileSync(url, 'utf8')) as ServiceModel;
  model.metadata.xmlNamespace ??= '';
  return model;
}

export const EC2_MODEL: ServiceModel = load('ec2');
export const ELBV2_MODEL: ServiceModel = load('elbv2');
export const ROUTE53RESOLVER_MODEL: ServiceModel = load('route53resolver');

export function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}
