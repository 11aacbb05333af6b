/**
 * Encodes an operation's output object (SDK member names) as the XML the EC2 or Query protocol
 * answers with, element names and list wrappers taken from the service model; and the two error
 * envelopes.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { MemberRef, ServiceModel, Shape } from './model.js';
import { shapeOf } from './model.js';

type XmlNode = string | XmlObject | XmlNode[];
interface XmlObject { [name: string]: XmlNode }

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  processEntities: true,
  format: false,
});

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export class XmlEncoder {
  readonly #model: ServiceModel;
  readonly #ec2: boolean;
  constructor(model: ServiceModel) {
    this.#model = model;
    this.#ec2 = model.metadata.protocol === 'ec2';
  }

  get namespace(): string {
    const ns = this.#model.metadata.xmlNamespace;
    return ns.endsWith('/') ? ns : `${ns}/`;
  }

  /** The success body for `operation` with `output` (may be empty) and the request id. */
  encode(operation: string, output: Record<string, unknown>, requestId: string): string {
    const op = this.#model.operations[operation];
    if (!op) throw new Error(`unknown operation ${operation}`);
    const body: XmlObject = op.output ? this.#struct(shapeOf(this.#model, op.output.shape), output) : {};
    let root: XmlObject;
    if (this.#ec2) {
      // EC2 operations without an output shape (DeleteVpc, CreateTags, …) answer <return>true</return>.
      root = op.output ? { '@_xmlns': this.namespace, requestId, ...body } : { '@_xmlns': this.namespace, requestId, return: 'true' };
    } else {
      const wrapper = op.output?.resultWrapper ?? `${operation}Result`;
      root = { '@_xmlns': this.namespace, [wrapper]: body, ResponseMetadata: { RequestId: requestId } };
    }
    return DECLARATION + builder.build({ [`${operation}Response`]: root }) as string;
  }

  /** The error envelope of this protocol. */
  encodeError(code: string, message: string, requestId: string, status: number): string {
    if (this.#ec2) {
      return DECLARATION + builder.build({
        Response: { Errors: { Error: { Code: code, Message: message } }, RequestID: requestId },
      }) as string;
    }
    return DECLARATION + builder.build({
      ErrorResponse: {
        '@_xmlns': this.namespace,
        Error: { Type: status >= 500 ? 'Receiver' : 'Sender', Code: code, Message: message },
        RequestId: requestId,
      },
    }) as string;
  }

  #name(member: string, ref: MemberRef): string {
    return ref.locationName ?? member;
  }

  #struct(shape: Shape, value: Record<string, unknown>): XmlObject {
    const out: XmlObject = {};
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      const v = value[member];
      if (v === undefined || v === null) continue;
      const memberShape = shapeOf(this.#model, ref.shape);
      const name = this.#name(member, ref);
      if (memberShape.type === 'list' && !this.#ec2 && (memberShape.flattened || ref.flattened)) {
        out[name] = (v as unknown[]).map((item) => this.#value(memberShape.member!, item));
        continue;
      }
      out[name] = this.#value(ref, v);
    }
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined && !(shape.members ?? {})[key]) {
        throw new Error(`output member ${key} is not in the model`);
      }
    }
    return out;
  }

  #value(ref: MemberRef, v: unknown): XmlNode {
    const shape = shapeOf(this.#model, ref.shape);
    switch (shape.type) {
      case 'structure':
        return this.#struct(shape, v as Record<string, unknown>);
      case 'list': {
        const items = v as unknown[];
        if (items.length === 0) return '';
        const itemName = shape.member!.locationName ?? (this.#ec2 ? 'item' : 'member');
        return { [itemName]: items.map((item) => this.#value(shape.member!, item)) };
      }
      case 'map': {
        const entries = Object.entries(v as Record<string, unknown>);
        if (entries.length === 0) return '';
        const k = shape.key!.locationName ?? 'key';
        const val = shape.value!.locationName ?? 'value';
        return { entry: entries.map(([ek, ev]) => ({ [k]: ek, [val]: this.#value(shape.value!, ev) })) };
      }
      case 'timestamp':
        return (v instanceof Date ? v : new Date(v as string)).toISOString();
      case 'boolean':
        return v ? 'true' : 'false';
      default:
        return String(v);
    }
  }
}
