/**
 * A timed transition pass: advances states that AWS moves asynchronously (pending → available, …).
 * It answers whether anything of its family is still in a timed state afterwards (pending,
 * draining, deleted-but-retained, …): when no family has anything left and the store has not
 * changed since, the control plane stops running passes until the next change.
 */
import type { ControlConfig } from '../api/context.js';
import type { Tx } from '../store/store.js';

export type Tick = (tx: Tx, now: Date, config: ControlConfig) => Promise<boolean>;

/** True when a state entered at `since` has lasted at least the configured delay. */
export function elapsed(since: string, now: Date, ms: number): boolean {
  return now.getTime() - new Date(since).getTime() >= ms;
}
