/**
 * Encodes an operation's output object (SDK member names) as the XML the EC2 or Query protocol
 * answers with, element names and list wrappers taken from the service model; and the two error
 * envelopes.
 */
import type { MemberRef, ServiceModel, Shape } from './model.js';
import { shapeOf } from './model.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const NEEDS_ESCAPE = /[&<>'"]/;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };

/** Text or attribute value with the five XML entities escaped (what fast-xml-parser's builder did). */
export function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>'"]/g, (c) => ESCAPES[c]!) : text;
}

/** `<name>inner</name>`, or `<name/>` when inner is empty. */
function element(name: string, inner: string): string {
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/**
 * Written straight to a string (no intermediate object tree): the describe answers with a
 * thousand endpoints spent most of their encoding time in the generic builder.
 */
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
    const body = op.output ? this.#struct(shapeOf(this.#model, op.output.shape), output) : '';
    const open = `<${operation}Response xmlns="${escapeXml(this.namespace)}">`;
    const close = `</${operation}Response>`;
    if (this.#ec2) {
      // EC2 operations without an output shape (DeleteVpc, CreateTags, …) answer <return>true</return>.
      const rid = element('requestId', escapeXml(requestId));
      return DECLARATION + open + rid + (op.output ? body : '<return>true</return>') + close;
    }
    const wrapper = op.output?.resultWrapper ?? `${operation}Result`;
    return DECLARATION + open + element(wrapper, body) + `<ResponseMetadata>${element('RequestId', escapeXml(requestId))}</ResponseMetadata>` + close;
  }

  /** The error envelope of this protocol. */
  encodeError(code: string, message: string, requestId: string, status: number): string {
    const error = element('Code', escapeXml(code)) + element('Message', escapeXml(message));
    if (this.#ec2) {
      return `${DECLARATION}<Response><Errors><Error>${error}</Error></Errors>${element('RequestID', escapeXml(requestId))}</Response>`;
    }
    return `${DECLARATION}<ErrorResponse xmlns="${escapeXml(this.namespace)}"><Error>${element('Type', status >= 500 ? 'Receiver' : 'Sender')}${error}</Error>`
      + `${element('RequestId', escapeXml(requestId))}</ErrorResponse>`;
  }

  #name(member: string, ref: MemberRef): string {
    return ref.locationName ?? member;
  }

  #struct(shape: Shape, value: Record<string, unknown>): string {
    let out = '';
    const members = shape.members ?? {};
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined && !members[key]) throw new Error(`output member ${key} is not in the model`);
    }
    for (const member in members) {
      const ref = members[member]!;
      const v = value[member];
      if (v === undefined || v === null) continue;
      const memberShape = shapeOf(this.#model, ref.shape);
      const name = this.#name(member, ref);
      if (memberShape.type === 'list' && !this.#ec2 && (memberShape.flattened || ref.flattened)) {
        for (const item of v as unknown[]) out += element(name, this.#value(memberShape.member!, item));
        continue;
      }
      out += element(name, this.#value(ref, v));
    }
    return out;
  }

  #value(ref: MemberRef, v: unknown): string {
    const shape = shapeOf(this.#model, ref.shape);
    switch (shape.type) {
      case 'structure':
        return this.#struct(shape, v as Record<string, unknown>);
      case 'list': {
        const items = v as unknown[];
        if (items.length === 0) return '';
        const itemName = shape.member!.locationName ?? (this.#ec2 ? 'item' : 'member');
        let out = '';
        for (const item of items) out += element(itemName, this.#value(shape.member!, item));
        return out;
      }
      case 'map': {
        const entries = Object.entries(v as Record<string, unknown>);
        if (entries.length === 0) return '';
        const k = shape.key!.locationName ?? 'key';
        const val = shape.value!.locationName ?? 'value';
        let out = '';
        for (const [ek, ev] of entries) out += `<entry>${element(k, escapeXml(ek))}${element(val, this.#value(shape.value!, ev))}</entry>`;
        return out;
      }
      case 'timestamp':
        return (v instanceof Date ? v : new Date(v as string)).toISOString();
      case 'boolean':
        return v ? 'true' : 'false';
      default:
        return escapeXml(String(v));
    }
  }
}
