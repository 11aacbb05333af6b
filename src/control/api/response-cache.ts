/**
 * Answers of read operations kept for as long as the store has not changed: a describe asked again
 * (Terraform refreshing, the console polling every second, scripts waiting for a state) with the
 * same parameters by the same principal, while no write has committed since, gets the same body
 * with its own request id instead of a new read, parse and encode of every document.
 *
 * Keyed by principal, account, action and the request's parameters in a canonical order; valid for
 * one store generation (read BEFORE the operation runs, so an answer is never labelled with a
 * generation newer than the data it shows). Only operations whose answer depends on the store
 * alone are listed by the services (no data-plane observations, no clock). Only for a store this
 * process alone writes (SQLite): a PostgreSQL store may be shared by other processes whose writes
 * this one's generation does not see. Bounded by entries and bytes, least recently used first out.
 */

export interface CachedAnswer {
  generation: number;
  /** The encoded body around the request id: head + requestId + tail. */
  head: string;
  tail: string;
}

export class ResponseCache {
  readonly #entries = new Map<string, CachedAnswer>();
  #bytes = 0;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /** Hits and misses so far (the bench and the tests read them). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(opts: { maxEntries?: number; maxBytes?: number } = {}) {
    this.#maxEntries = opts.maxEntries ?? 512;
    this.#maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  }

  /** The cache key of a request: who asks, what, and the parameters (signature parameters left out). */
  static key(principal: string, account: string, action: string, form: Iterable<[string, string]>): string {
    // Version stays in: a request with another (or no) version must get its own error, not a kept answer.
    const params = [...form].filter(([k]) => k !== 'Action' && !k.startsWith('X-Amz-'))
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return JSON.stringify([principal, account, action, params]);
  }

  /** The body for `requestId`, when an answer of this generation is kept. */
  get(key: string, generation: number, requestId: string): string | undefined {
    const hit = this.#entries.get(key);
    if (!hit || hit.generation !== generation) {
      this.stats.misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    this.stats.hits++;
    return hit.head + requestId + hit.tail;
  }

  /** Keeps `body` (encoded with `placeholder` as its request id, which must occur exactly once). */
  put(key: string, generation: number, body: string, placeholder: string): void {
    const at = body.indexOf(placeholder);
    if (at < 0 || body.indexOf(placeholder, at + 1) >= 0) return;
    const size = body.length * 2;
    if (size > this.#maxBytes / 4) return;
    this.#drop(key);
    this.#entries.set(key, { generation, head: body.slice(0, at), tail: body.slice(at + placeholder.length) });
    this.#bytes += size;
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value as string;
      this.#drop(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #drop(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#bytes -= (e.head.length + e.tail.length) * 2;
    this.#entries.delete(key);
  }
}
