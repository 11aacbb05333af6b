/**
 * Console sessions: an in-memory table from a random cookie value to the account it signed in as,
 * with a sliding idle timeout and an absolute lifetime. Pure apart from the random ids; the clock
 * is injected, so tests drive expiry without sleeping.
 */
import { randomBytes } from 'node:crypto';
import type { Caller } from '../api/context.js';

export interface SessionLimits {
  /** A session unused this long expires (each authorised request restarts it). */
  idleMs: number; // default 60 min
  /** A session expires this long after sign-in, used or not. */
  maxMs: number; // default 12 h
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 60 * 60_000, maxMs: 12 * 60 * 60_000 };

/** Sessions held at most; signing in past it drops the oldest. */
export const MAX_SESSIONS = 10_000;
/** At most this many live sessions per account; its next sign-in drops its own oldest. */
export const MAX_SESSIONS_PER_ACCOUNT = 100;

export interface Session {
  caller: Caller;
  createdMs: number;
  lastSeenMs: number;
}

export type SessionLookup =
  | { status: 'ok'; session: Session; expiresMs: number }
  | { status: 'expired' }
  | { status: 'missing' };

/** The cookie value: 32 random bytes as hex. */
export const SESSION_ID = /^[0-9a-f]{64}$/;

export class SessionTable {
  readonly limits: SessionLimits;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #sessions = new Map<string, Session>();

  constructor(limits: SessionLimits, now: () => number = Date.now, newId: () => string = () => randomBytes(32).toString('hex')) {
    this.limits = limits;
    this.#now = now;
    this.#newId = newId;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** When `s` expires: the earlier of its idle deadline and its absolute one. */
  expiresMs(s: Session): number {
    return Math.min(s.lastSeenMs + this.limits.idleMs, s.createdMs + this.limits.maxMs);
  }

  create(caller: Caller): { id: string; session: Session; expiresMs: number } {
    const now = this.#now();
    // One account's sign-ins only push out that account's oldest sessions (in dev mode anyone can
    // sign in as 000000000000: signing in ten thousand times must not end everybody else's).
    const mine = [...this.#sessions].filter(([, s]) => s.caller.account === caller.account);
    if (mine.length >= MAX_SESSIONS_PER_ACCOUNT) this.#sessions.delete(mine[0]![0]);
    else if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const id = this.#newId();
    const session: Session = { caller, createdMs: now, lastSeenMs: now };
    this.#sessions.set(id, session);
    return { id, session, expiresMs: this.expiresMs(session) };
  }

  /** Finds a session and, when it is live, extends its idle deadline (`touch`: false only reads). */
  lookup(id: string | undefined, touch = true): SessionLookup {
    if (id === undefined) return { status: 'missing' };
    const s = this.#sessions.get(id);
    if (!s) return { status: 'missing' };
    const now = this.#now();
    if (now >= this.expiresMs(s)) return { status: 'expired' };
    if (touch) s.lastSeenMs = now;
    return { status: 'ok', session: s, expiresMs: this.expiresMs(s) };
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }

  /**
   * Forgets sessions expired at least `graceMs` ago (until then their cookie is answered "session
   * expired" rather than "not signed in"). Returns how many went.
   */
  sweep(graceMs: number): number {
    const now = this.#now();
    let removed = 0;
    for (const [id, s] of this.#sessions) {
      if (now - this.expiresMs(s) >= graceMs) {
        this.#sessions.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
