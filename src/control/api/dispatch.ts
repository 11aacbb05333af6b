/**
 * Runs one Query-protocol (EC2, ELBv2) operation: decode the form by the model, then the shared
 * core (operation.ts: DryRun, ClientToken replay, one transaction), encode the XML. Errors become
 * the protocol's error envelope.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, isApiError } from '../../core/errors.js';
import { cryptoRandom, type RandomSource } from '../../core/ids.js';
import type { ServiceModel } from '../../wire/model.js';
import { QueryDecoder } from '../../wire/query-decode.js';
import { XmlEncoder } from '../../wire/xml-encode.js';
import type { Store } from '../store/store.js';
import type { Caller, ControlConfig, Handlers } from './context.js';
import { runOperation } from './operation.js';
import { ResponseCache } from './response-cache.js';

export interface ApiService {
  /** The SigV4 signing name: ec2 or elasticloadbalancing. */
  signingName: string;
  /** The name users know it by, for messages. */
  displayName: string;
  model: ServiceModel;
  handlers: Handlers;
  /** Operations of the model that are known but not served yet, with the reason. */
  notSupported: Record<string, string>;
  /** Read operations whose answer depends on the store alone: answers are reused while it is unchanged (response-cache.ts). */
  cacheable?: ReadonlySet<string>;
}

/** Stands for the request id in a body kept by the response cache (never a valid request id). */
const PLACEHOLDER = '\u0000underpass-request-id\u0000';

export interface ApiResponse {
  status: number;
  body: string;
  requestId: string;
  /** Default `text/xml;charset=UTF-8`. */
  contentType?: string;
}

/** What `call` gives: the operation's output, or the error code, message and HTTP status the API would answer. */
export type CallOutcome =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; status: number; code: string; message: string };

export class Dispatcher {
  readonly service: ApiService;
  readonly #decoder: QueryDecoder;
  readonly #encoder: XmlEncoder;
  readonly #store: Store;
  readonly #config: ControlConfig;
  readonly #random: RandomSource;
  readonly #clock: () => Date;
  /** Only for a store no other process writes (SQLite). */
  readonly #cache: ResponseCache | undefined;

  constructor(service: ApiService, store: Store, config: ControlConfig, opts: { random?: RandomSource; clock?: () => Date } = {}) {
    this.service = service;
    this.#decoder = new QueryDecoder(service.model);
    this.#encoder = new XmlEncoder(service.model);
    this.#store = store;
    this.#config = config;
    this.#random = opts.random ?? cryptoRandom;
    this.#clock = opts.clock ?? (() => new Date());
    this.#cache = service.cacheable && store.dialect === 'sqlite' ? new ResponseCache() : undefined;
  }

  /** The response cache's counters, when there is one. */
  get cacheStats(): { hits: number; misses: number } | undefined {
    return this.#cache?.stats;
  }

  get apiVersion(): string {
    return this.service.model.metadata.apiVersion;
  }

  errorResponse(err: ApiError, requestId: string = randomUUID()): ApiResponse {
    return { status: err.status, body: this.#encoder.encodeError(err.code, err.message, requestId, err.status), requestId };
  }

  /** Runs the operation named by the form's Action for `caller`. Never throws. */
  async handle(form: URLSearchParams, caller: Caller): Promise<ApiResponse> {
    const requestId = randomUUID();
    try {
      const action = form.get('Action') ?? '';
      const cache = this.#cache;
      if (cache && this.service.cacheable?.has(action) && form.get('DryRun') !== 'true') {
        const key = ResponseCache.key(caller.principalArn, caller.account, action, form);
        const generation = this.#store.generation;
        const hit = cache.get(key, generation, requestId);
        if (hit !== undefined) return { status: 200, body: hit, requestId };
        const output = await this.#run(form, caller, requestId);
        const body = this.#encoder.encode(output.operation, output.result, PLACEHOLDER);
        cache.put(key, generation, body, PLACEHOLDER);
        return { status: 200, body: body.replace(PLACEHOLDER, requestId), requestId };
      }
      const output = await this.#run(form, caller, requestId);
      return { status: 200, body: this.#encoder.encode(output.operation, output.result, requestId), requestId };
    } catch (e) {
      if (isApiError(e)) return this.errorResponse(e, requestId);
      console.error(`underpass: internal error in request ${requestId}:`, e);
      return this.errorResponse(new ApiError('InternalError', 'An internal error has occurred'), requestId);
    }
  }

  /**
   * Runs the operation named by the form's Action for `caller` and gives its output object (SDK
   * member names) or the API error it would answer, for callers that are not HTTP clients of the
   * Query API (the web console). Same path as `handle`; never throws.
   */
  async call(form: URLSearchParams, caller: Caller): Promise<CallOutcome> {
    const requestId = randomUUID();
    try {
      const { result } = await this.#run(form, caller, requestId);
      return { ok: true, result };
    } catch (e) {
      if (isApiError(e)) return { ok: false, status: e.status, code: e.code, message: e.message };
      console.error(`underpass: internal error in request ${requestId}:`, e);
      return { ok: false, status: 500, code: 'InternalError', message: 'An internal error has occurred' };
    }
  }

  async #run(form: URLSearchParams, caller: Caller, requestId: string): Promise<{ operation: string; result: Record<string, unknown> }> {
    const action = form.get('Action');
    if (!action) throw new ApiError('MissingAction', 'The request must contain the parameter Action');
    const version = form.get('Version');
    if (!version) throw new ApiError('MissingParameter', 'The request must contain the parameter Version');
    if (version !== this.apiVersion) {
      throw new ApiError('NoSuchVersion', `The requested version (${version}) of service ${this.service.displayName} does not exist; Underpass serves ${this.apiVersion}`);
    }
    const opModel = this.service.model.operations[action];
    const handler = this.service.handlers[action];
    if (!opModel) {
      if (this.service.model.allOperations.includes(action)) {
        throw new ApiError('UnsupportedOperation', `The action ${action} is not supported by Underpass: it is outside the PrivateLink subset of ${this.service.displayName} that Underpass implements.`);
      }
      throw new ApiError('InvalidAction', `The action ${action} is not valid for this web service (${this.service.displayName} ${this.apiVersion}).`);
    }
    const input = this.#decoder.decode(action, form.entries());
    if (!handler) {
      const why = this.service.notSupported[action] ?? 'it is not implemented yet';
      throw new ApiError('UnsupportedOperation', `The action ${action} is not supported by Underpass: ${why}.`);
    }
    const dryRun = input['DryRun'] === true;
    const token = typeof input['ClientToken'] === 'string' ? (input['ClientToken'] as string) : undefined;
    if (token !== undefined && (token.length > 64 || !/^[\x20-\x7e]*$/.test(token))) {
      throw new ApiError('InvalidParameterValue', 'ClientToken must be at most 64 printable ASCII characters');
    }
    const result = await runOperation(
      { store: this.#store, config: this.#config, random: this.#random, clock: this.#clock },
      { operation: action, input, handler, caller, requestId, dryRun, ...(token !== undefined && { token: { member: 'ClientToken', value: token } }) },
    );
    return { operation: action, result };
  }
}
