/**
 * Runs one AWS JSON 1.1 operation (Route 53 Resolver): the operation from `X-Amz-Target`, the body
 * decoded and checked by the model (wire/json-codec.ts), then the shared core (operation.ts:
 * `CreatorRequestId` replay, one transaction), the output as JSON. Errors are
 * `{"__type": code, "message": …}` with the code's HTTP status.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, isApiError } from '../../core/errors.js';
import { cryptoRandom, type RandomSource } from '../../core/ids.js';
import { JsonCodec } from '../../wire/json-codec.js';
import type { ServiceModel } from '../../wire/model.js';
import type { Store } from '../store/store.js';
import type { Caller, ControlConfig, Handlers } from './context.js';
import type { ApiResponse, CallOutcome } from './dispatch.js';
import { runOperation } from './operation.js';

export interface JsonApiService {
  /** The SigV4 signing name (route53resolver). */
  signingName: string;
  /** The name users know it by, for messages. */
  displayName: string;
  model: ServiceModel;
  handlers: Handlers;
  /** The input member that makes a create idempotent (AWS: CreatorRequestId); absent: none. */
  idempotencyMember?: string;
}

/**
 * The JSON services name the Query protocols' authentication errors differently (the Query codes
 * are what src/control/auth throws).
 */
const JSON_CODES: Partial<Record<string, ApiError['code']>> = {
  InvalidClientTokenId: 'UnrecognizedClientException',
  AuthFailure: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  RequestExpired: 'InvalidSignatureException',
  IncompleteSignature: 'IncompleteSignatureException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  InternalError: 'InternalServiceErrorException',
  RequestEntityTooLarge: 'SerializationException',
  InvalidHttpRequest: 'SerializationException',
  InvalidNextToken: 'InvalidNextTokenException',
};

export class JsonDispatcher {
  readonly protocol = 'json';
  readonly service: JsonApiService;
  readonly codec: JsonCodec;
  readonly #store: Store;
  readonly #config: ControlConfig;
  readonly #random: RandomSource;
  readonly #clock: () => Date;

  constructor(service: JsonApiService, store: Store, config: ControlConfig, opts: { random?: RandomSource; clock?: () => Date } = {}) {
    this.service = service;
    this.codec = new JsonCodec(service.model);
    this.#store = store;
    this.#config = config;
    this.#random = opts.random ?? cryptoRandom;
    this.#clock = opts.clock ?? (() => new Date());
  }

  /** The `X-Amz-Target` prefix (Route53Resolver). */
  get targetPrefix(): string {
    return this.service.model.metadata.targetPrefix ?? '';
  }

  errorResponse(err: ApiError, requestId: string = randomUUID()): ApiResponse {
    const code = JSON_CODES[err.code];
    const e = code ? new ApiError(code, err.message) : err;
    return { status: e.status, body: this.codec.encodeError(e.code, e.message), requestId, contentType: this.codec.contentType };
  }

  /** Runs the operation `target` names with the JSON `body` for `caller`. Never throws. */
  async handle(target: string, body: string, caller: Caller): Promise<ApiResponse> {
    const requestId = randomUUID();
    try {
      const { operation, result } = await this.#run(target, body, caller, requestId);
      return { status: 200, body: this.codec.encode(operation, result), requestId, contentType: this.codec.contentType };
    } catch (e) {
      if (isApiError(e)) return this.errorResponse(e, requestId);
      console.error(`underpass: internal error in request ${requestId}:`, e);
      return this.errorResponse(new ApiError('InternalError', 'An internal error has occurred'), requestId);
    }
  }

  /**
   * Runs `operation` (e.g. ListResolverRules) with the JSON input object `input` for `caller`, for
   * callers that are not HTTP clients of the API (the web console): the output object, or the
   * error code (as the JSON protocol names it), message and HTTP status. Never throws.
   */
  async call(operation: string, input: unknown, caller: Caller): Promise<CallOutcome> {
    const requestId = randomUUID();
    try {
      const { result } = await this.#run(`${this.targetPrefix}.${operation}`, JSON.stringify(input ?? {}), caller, requestId);
      return { ok: true, result };
    } catch (e) {
      const err = isApiError(e) ? e : new ApiError('InternalError', 'An internal error has occurred');
      if (!isApiError(e)) console.error(`underpass: internal error in request ${requestId}:`, e);
      const code = JSON_CODES[err.code];
      const named = code ? new ApiError(code, err.message) : err;
      return { ok: false, status: named.status, code: named.code, message: named.message };
    }
  }

  async #run(target: string, body: string, caller: Caller, requestId: string): Promise<{ operation: string; result: Record<string, unknown> }> {
    const operation = this.#operation(target);
    const input = this.codec.decode(operation, body);
    const handler = this.service.handlers[operation];
    if (!handler) throw new ApiError('UnsupportedOperation', `The operation ${operation} is not supported by Underpass`);
    const member = this.service.idempotencyMember;
    const token = member !== undefined && typeof input[member] === 'string' ? (input[member] as string) : undefined;
    const result = await runOperation(
      { store: this.#store, config: this.#config, random: this.#random, clock: this.#clock },
      {
        operation, input, handler, caller, requestId,
        ...(token !== undefined && member !== undefined && { token: { member, value: token } }),
        tokenMismatch: (t) => new ApiError('ResourceExistsException',
          `A ${operation} request with CreatorRequestId '${t}' was already made with other parameters: use a new CreatorRequestId`),
      },
    );
    return { operation, result };
  }

  #operation(target: string): string {
    const op = this.codec.operationOf(target);
    if (op === undefined || !this.service.model.allOperations.includes(op)) {
      throw new ApiError('UnknownOperationException', `X-Amz-Target '${target}' names no operation of ${this.service.displayName} (${this.targetPrefix}.<Operation>)`);
    }
    if (!this.service.model.operations[op]) {
      throw new ApiError('UnsupportedOperation', `The operation ${op} is not supported by Underpass: it is outside the resolver endpoints, rules and rule associations of ${this.service.displayName} that Underpass implements.`);
    }
    return op;
  }
}
