/** A timed transition pass: advances states that AWS moves asynchronously (pending → available, …). */
import type { ControlConfig } from '../api/context.js';
import type { Tx } from '../store/store.js';

export type Tick = (tx: Tx, now: Date, config: ControlConfig) => Promise<void>;

/** True when a state entered at `since` has lasted at least the configured delay. */
export function elapsed(since: string, now: Date, ms: number): boolean {
  return now.getTime() - new Date(since).getTime() >= ms;
}
