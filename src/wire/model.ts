/** The trimmed botocore service models (EC2, ELBv2) that drive request decoding and XML encoding. */
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
}

export interface OperationModel {
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
}

export interface ServiceModel {
  metadata: { apiVersion: string; protocol: 'ec2' | 'query'; xmlNamespace: string };
  operations: Record<string, OperationModel>;
  /** Every operation name of the full API (Underpass serves the ones in `operations`). */
  allOperations: string[];
  shapes: Record<string, Shape>;
}

function load(name: string): ServiceModel {
  const url = new URL(`./models/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as ServiceModel;
}

export const EC2_MODEL: ServiceModel = load('ec2');
export const ELBV2_MODEL: ServiceModel = load('elbv2');

export function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}
