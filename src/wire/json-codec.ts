/**
 * The AWS JSON 1.1 protocol (Route 53 Resolver), driven by the service model: `decode` checks a
 * request body against the operation's input shape (JSON types, required members, enums, lengths
 * and ranges) the way AWS's services answer — a body or member of the wrong JSON type is a
 * `SerializationException`, a constraint broken a `ValidationException` ("1 validation error
 * detected: …") — and `encode` writes the output object keeping only modelled members. Unknown
 * members are ignored, as AWS's JSON services do.
 */
import { ApiError } from '../core/errors.js';
import type { ServiceModel, Shape } from './model.js';
import { shapeOf } from './model.js';

/** `creatorRequestId`: AWS names members in validation messages with a lower-case first letter. */
function memberPath(parent: string, name: string): string {
  const lowered = name.charAt(0).toLowerCase() + name.slice(1);
  return parent ? `${parent}.${lowered}` : lowered;
}

function serialization(message: string): ApiError {
  return new ApiError('SerializationException', message);
}

function validation(path: string, value: unknown, constraint: string): ApiError {
  const shown = value === null || value === undefined ? 'null' : typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return new ApiError('ValidationException', `1 validation error detected: Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
}

export class JsonCodec {
  readonly #model: ServiceModel;
  constructor(model: ServiceModel) {
    if (model.metadata.protocol !== 'json') throw new Error('JsonCodec needs a JSON-protocol model');
    this.#model = model;
  }

  /** `application/x-amz-json-1.1` */
  get contentType(): string {
    return `application/x-amz-json-${this.#model.metadata.jsonVersion ?? '1.1'}`;
  }

  /** The operation an `X-Amz-Target` header names, or undefined when it names none of this API. */
  operationOf(target: string): string | undefined {
    const prefix = `${this.#model.metadata.targetPrefix ?? ''}.`;
    return target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
  }

  /** Decodes and checks the body of `operation`. An empty body is `{}`. Throws ApiError. */
  decode(operation: string, body: string): Record<string, unknown> {
    const op = this.#model.operations[operation];
    if (!op) throw new Error(`unknown operation ${operation}`);
    let value: unknown = {};
    if (body.trim() !== '') {
      try {
        value = JSON.parse(body);
      } catch {
        throw serialization('The request body is not valid JSON');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw serialization('The request body must be a JSON object');
    if (!op.input) return {};
    return this.#value(shapeOf(this.#model, op.input.shape), value, '') as Record<string, unknown>;
  }

  #value(shape: Shape, v: unknown, path: string): unknown {
    switch (shape.type) {
      case 'structure': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw serialization(`Expected an object at '${path || 'body'}'`);
        const obj = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const req of shape.required ?? []) {
          if (obj[req] === undefined || obj[req] === null) throw validation(memberPath(path, req), null, 'Member must not be null');
        }
        for (const [name, ref] of Object.entries(shape.members ?? {})) {
          const mv = obj[name];
          if (mv === undefined || mv === null) continue;
          out[name] = this.#value(shapeOf(this.#model, ref.shape), mv, memberPath(path, name));
        }
        return out;
      }
      case 'list': {
        if (!Array.isArray(v)) throw serialization(`Expected a list at '${path}'`);
        if (shape.min !== undefined && v.length < shape.min) throw validation(path, v, `Member must have length greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && v.length > shape.max) throw validation(path, v, `Member must have length less than or equal to ${shape.max}`);
        const member = shapeOf(this.#model, shape.member!.shape);
        return v.map((x, i) => this.#value(member, x, `${path}.${i + 1}.member`));
      }
      case 'map': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw serialization(`Expected an object at '${path}'`);
        const value = shapeOf(this.#model, shape.value!.shape);
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, this.#value(value, x, `${path}.${k}`)]));
      }
      case 'string': {
        if (typeof v !== 'string') throw serialization(`Expected a string at '${path}'`);
        if (shape.min !== undefined && v.length < shape.min) throw validation(path, v, `Member must have length greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && v.length > shape.max) throw validation(path, v, `Member must have length less than or equal to ${shape.max}`);
        if (shape.enum && !shape.enum.includes(v)) throw validation(path, v, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        return v;
      }
      case 'integer':
      case 'long': {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw serialization(`Expected an integer at '${path}'`);
        if (shape.min !== undefined && v < shape.min) throw validation(path, v, `Member must have value greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && v > shape.max) throw validation(path, v, `Member must have value less than or equal to ${shape.max}`);
        return v;
      }
      case 'double':
      case 'float':
        if (typeof v !== 'number') throw serialization(`Expected a number at '${path}'`);
        return v;
      case 'boolean':
        if (typeof v !== 'boolean') throw serialization(`Expected a boolean at '${path}'`);
        return v;
      case 'timestamp':
        if (typeof v !== 'number' && typeof v !== 'string') throw serialization(`Expected a timestamp at '${path}'`);
        return v;
      case 'blob':
        if (typeof v !== 'string') throw serialization(`Expected base64 text at '${path}'`);
        return v;
    }
  }

  /** The response body of `operation`: the output's modelled members, absent ones left out. */
  encode(operation: string, output: Record<string, unknown>): string {
    const op = this.#model.operations[operation];
    if (!op) throw new Error(`unknown operation ${operation}`);
    if (!op.output) return '{}';
    return JSON.stringify(this.#out(shapeOf(this.#model, op.output.shape), output) ?? {});
  }

  #out(shape: Shape, v: unknown): unknown {
    if (v === undefined || v === null) return undefined;
    if (shape.type === 'structure') {
      const obj = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const x = this.#out(shapeOf(this.#model, ref.shape), obj[name]);
        if (x !== undefined) out[name] = x;
      }
      return out;
    }
    if (shape.type === 'list') {
      const member = shapeOf(this.#model, shape.member!.shape);
      return (v as unknown[]).map((x) => this.#out(member, x));
    }
    if (shape.type === 'timestamp' && v instanceof Date) return v.getTime() / 1000;
    return v;
  }

  /** The error body: `{"__type": code, "message": …}` (the SDKs read either `__type` or the `x-amzn-ErrorType` header). */
  encodeError(code: string, message: string): string {
    return JSON.stringify({ __type: code, message });
  }
}
