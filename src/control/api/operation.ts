/**
 * The protocol-neutral core of one API call, shared by the Query dispatcher (dispatch.ts) and the
 * JSON one (json-dispatch.ts): run the handler in one store transaction, replay a request whose
 * idempotency token (EC2 `ClientToken`, Route 53 Resolver `CreatorRequestId`) was seen before, and
 * roll a DryRun back.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../../core/errors.js';
import type { RandomSource } from '../../core/ids.js';
import type { Store } from '../store/store.js';
import { isReadOnly, type Caller, type ControlConfig, type Handler, type RequestContext } from './context.js';

export interface OperationCall {
  operation: string;
  /** The decoded input (SDK member names). */
  input: Record<string, unknown>;
  handler: Handler;
  caller: Caller;
  requestId: string;
  /** The idempotency token and the input member holding it (left out of the parameter fingerprint). */
  token?: { member: string; value: string };
  /** What a token reused with other parameters answers. */
  tokenMismatch?: (token: string) => ApiError;
  /** Run, then roll back and answer DryRunOperation. */
  dryRun?: boolean;
}

export interface OperationEnv {
  store: Store;
  config: ControlConfig;
  random: RandomSource;
  clock: () => Date;
}

/** Thrown inside a transaction to roll a successful DryRun back. */
class DryRunRollback extends Error {}

/** Runs one call in one transaction (a write transaction unless the operation only reads). */
export async function runOperation(env: OperationEnv, call: OperationCall): Promise<Record<string, unknown>> {
  const { operation, input, caller, token, dryRun } = call;
  try {
    return await env.store.transaction(!isReadOnly(operation), async (tx) => {
      const ctx: RequestContext = {
        ...caller, tx, region: env.config.region, requestId: call.requestId, now: env.clock(), random: env.random, config: env.config,
      };
      let fingerprint = '';
      if (token !== undefined && !dryRun) {
        const { [token.member]: _t, DryRun: _d, ...rest } = input;
        fingerprint = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
        const seen = await tx.idempotent(caller.account, operation, token.value);
        if (seen) {
          if (seen.fingerprint !== fingerprint) {
            throw call.tokenMismatch?.(token.value)
              ?? new ApiError('IdempotentParameterMismatch', `The client token '${token.value}' was already used for a ${operation} request with other parameters`);
          }
          return JSON.parse(seen.result) as Record<string, unknown>;
        }
      }
      const out = await call.handler(ctx, input);
      if (dryRun) throw new DryRunRollback();
      if (token !== undefined) await tx.remember(caller.account, operation, token.value, fingerprint, JSON.stringify(out));
      return out;
    });
  } catch (e) {
    if (e instanceof DryRunRollback) throw new ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    throw e;
  }
}
