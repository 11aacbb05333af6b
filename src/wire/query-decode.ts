/**
 * Decodes an AWS Query (ELBv2) or EC2 form into the operation's input object, named as the SDKs
 * name it (`SubnetIds`, `Filters[].Values`), driven by the service model. Every parameter must be
 * consumed by the model: leftovers are unknown parameters.
 */
import { ApiError } from '../core/errors.js';
import type { MemberRef, ServiceModel, Shape } from './model.js';
import { shapeOf } from './model.js';

interface Node {
  value?: string;
  children: Map<string, Node>;
}

/** Parameters that belong to the envelope, not to the operation. */
const ENVELOPE = new Set(['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date',
  'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token', 'AWSAccessKeyId',
  'SignatureMethod', 'SignatureVersion', 'Timestamp', 'Signature', 'Expires']);

function buildTree(params: Iterable<[string, string]>): Node {
  const root: Node = { children: new Map() };
  for (const [key, value] of params) {
    if (ENVELOPE.has(key)) continue;
    if (key === '' ) continue;
    let node = root;
    for (const part of key.split('.')) {
      let next = node.children.get(part);
      if (!next) {
        next = { children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    if (node.value !== undefined) throw bad(`The parameter ${key} appears more than once`);
    node.value = value;
  }
  return root;
}

function bad(message: string, code: 'InvalidParameterValue' | 'UnknownParameter' | 'MissingParameter' | 'MalformedQueryString' = 'InvalidParameterValue'): ApiError {
  return new ApiError(code, message);
}

export class QueryDecoder {
  readonly #model: ServiceModel;
  readonly #ec2: boolean;
  constructor(model: ServiceModel) {
    this.#model = model;
    this.#ec2 = model.metadata.protocol === 'ec2';
  }

  /** Decodes `params` (less Action/Version) for `operation`. Throws ApiError on bad input. */
  decode(operation: string, params: Iterable<[string, string]>): Record<string, unknown> {
    const op = this.#model.operations[operation];
    if (!op) throw new Error(`unknown operation ${operation}`);
    const tree = buildTree(params);
    if (!op.input) {
      const first = tree.children.keys().next();
      if (!first.done) throw this.#unknown(first.value);
      return {};
    }
    const out = this.#struct(shapeOf(this.#model, op.input.shape), tree, '');
    return out;
  }

  #unknown(path: string): ApiError {
    if (this.#ec2) return bad(`The parameter ${path} is not recognized`, 'UnknownParameter');
    return new ApiError('ValidationError', `The parameter ${path} is not recognized`);
  }

  #missing(path: string): ApiError {
    if (this.#ec2) return bad(`The request must contain the parameter ${path}`, 'MissingParameter');
    return new ApiError('ValidationError', `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);
  }

  #invalid(path: string, message: string): ApiError {
    if (this.#ec2) return bad(message);
    return new ApiError('ValidationError', message.replace(/^Value/, `1 validation error detected: Value`) + (message.includes(path) ? '' : ` (${path})`));
  }

  #wireName(name: string, ref: MemberRef): string {
    if (this.#ec2) {
      if (ref.queryName) return ref.queryName;
      if (ref.locationName) return ref.locationName[0]!.toUpperCase() + ref.locationName.slice(1);
      return name;
    }
    return ref.locationName ?? name;
  }

  #struct(shape: Shape, node: Node, path: string): Record<string, unknown> {
    if (node.value !== undefined && node.children.size === 0 && path) {
      throw this.#invalid(path, `Value (${node.value}) for parameter ${path} is invalid. Expected a structure`);
    }
    const out: Record<string, unknown> = {};
    const consumed = new Set<string>();
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const wire = this.#wireName(name, ref);
      const child = node.children.get(wire);
      if (!child) continue;
      consumed.add(wire);
      out[name] = this.#value(ref, child, path ? `${path}.${wire}` : wire);
    }
    for (const key of node.children.keys()) {
      if (!consumed.has(key)) throw this.#unknown(path ? `${path}.${key}` : key);
    }
    for (const req of shape.required ?? []) {
      if (out[req] === undefined) {
        const ref = shape.members![req]!;
        const wire = this.#wireName(req, ref);
        throw this.#missing(path ? `${path}.${wire}` : wire);
      }
    }
    return out;
  }

  #value(ref: MemberRef, node: Node, path: string): unknown {
    const shape = shapeOf(this.#model, ref.shape);
    switch (shape.type) {
      case 'structure':
        return this.#struct(shape, node, path);
      case 'list':
        return this.#list(shape, ref, node, path);
      case 'map':
        return this.#map(shape, node, path);
      default:
        if (node.children.size > 0) {
          const k = node.children.keys().next().value as string;
          throw this.#unknown(`${path}.${k}`);
        }
        return this.#scalar(shape, node.value ?? '', path);
    }
  }

  #indexed(node: Node, path: string): Node[] {
    const items: Array<[number, Node]> = [];
    for (const [k, child] of node.children) {
      if (!/^[1-9][0-9]{0,5}$/.test(k)) throw this.#unknown(`${path}.${k}`);
      items.push([Number(k), child]);
    }
    if (node.value !== undefined && node.value !== '') {
      throw this.#invalid(path, `Value (${node.value}) for parameter ${path} is invalid. Expected a list: use ${path}.1, ${path}.2, ...`);
    }
    return items.sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  }

  #list(shape: Shape, ref: MemberRef, node: Node, path: string): unknown[] {
    let itemsNode = node;
    let itemPath = path;
    if (!this.#ec2 && !(shape.flattened || ref.flattened)) {
      // Query protocol: Name.member.N (an empty list is sent as a bare `Name=`).
      if (node.children.size === 0 && (node.value === undefined || node.value === '')) return [];
      const member = shape.member?.locationName ?? 'member';
      const inner = node.children.get(member);
      for (const k of node.children.keys()) if (k !== member) throw this.#unknown(`${path}.${k}`);
      if (!inner) throw this.#invalid(path, `Value (${node.value}) for parameter ${path} is invalid. Expected a list: use ${path}.${member}.1`);
      itemsNode = inner;
      itemPath = `${path}.${member}`;
    }
    const memberRef = shape.member!;
    const items = this.#indexed(itemsNode, itemPath);
    if (shape.max !== undefined && items.length > shape.max) {
      throw this.#invalid(path, `Value for parameter ${path} is invalid: at most ${shape.max} items are allowed, got ${items.length}`);
    }
    return items.map((n, i) => this.#value(memberRef, n, `${itemPath}.${i + 1}`));
  }

  #map(shape: Shape, node: Node, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const entries = this.#ec2 ? node : node.children.get('entry');
    if (!entries) return out;
    for (const [i, entry] of this.#indexed(entries, `${path}.entry`).entries()) {
      const k = entry.children.get(shape.key?.locationName ?? 'key');
      const v = entry.children.get(shape.value?.locationName ?? 'value');
      if (!k || k.value === undefined) throw this.#missing(`${path}.entry.${i + 1}.key`);
      out[k.value] = v ? this.#value(shape.value!, v, `${path}.entry.${i + 1}.value`) : undefined;
    }
    return out;
  }

  #scalar(shape: Shape, raw: string, path: string): unknown {
    switch (shape.type) {
      case 'string': {
        if (shape.enum && !shape.enum.includes(raw)) {
          throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. Valid values: ${shape.enum.join(', ')}`);
        }
        if (shape.min !== undefined && raw.length < shape.min) {
          throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. It must be at least ${shape.min} characters long`);
        }
        if (shape.max !== undefined && raw.length > shape.max) {
          throw this.#invalid(path, `Value for parameter ${path} is invalid. It must be at most ${shape.max} characters long`);
        }
        return raw;
      }
      case 'integer':
      case 'long': {
        if (!/^-?[0-9]{1,15}$/.test(raw)) throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. Expected an integer`);
        const n = Number(raw);
        if (shape.min !== undefined && n < shape.min) throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. Expecting a value greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && n > shape.max) throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. Expecting a value less than or equal to ${shape.max}`);
        return n;
      }
      case 'double':
      case 'float': {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. Expected a number`);
        return n;
      }
      case 'boolean': {
        const v = raw.toLowerCase();
        if (v !== 'true' && v !== 'false') throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. Expected a boolean: true or false`);
        return v === 'true';
      }
      case 'timestamp': {
        const t = /^[0-9]+(\.[0-9]+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
        if (Number.isNaN(t.getTime())) throw this.#invalid(path, `Value (${raw}) for parameter ${path} is invalid. Expected an ISO 8601 timestamp`);
        return t;
      }
      case 'blob':
        return Buffer.from(raw, 'base64');
      default:
        throw new Error(`unexpected scalar type ${shape.type}`);
    }
  }
}
