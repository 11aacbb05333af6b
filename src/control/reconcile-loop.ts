/**
 * The reconcile loop: compiles the store into a desired state and hands it to the data plane.
 * It runs when asked (`kick`: right after a write commits, so a new endpoint does not wait for the
 * next transition tick) and on every tick, and it skips the work when nothing it reads has moved:
 * the store's generation is the one last compiled, the data plane converged on it (the apply
 * succeeded, no process died, no listener failed: otherwise every tick retries), and no pending
 * endpoint has become ready to be promoted. After an apply that left a pending endpoint's listeners up, it goes again at once to
 * promote it (pending endpoints serve as soon as every listener listens; see `promoteReady`).
 * A pass with nothing written since the last compile (SQLite) does not read the store: it applies
 * the last state with its endpoints' serving brought up to date (`servingAgain`), which is what
 * compiling the unchanged snapshot again would give.
 */
import type { DataPlane } from '../dataplane/plane.js';
import { compileDesiredState } from '../reconcile/compile.js';
import type { DesiredState } from '../reconcile/desired-state.js';
import { DocumentCache, readSnapshot } from './snapshot.js';
import type { Store } from './store/store.js';

/** UNDERPASS_DEBUG_RECONCILE=1: one line per pass on stderr (what it cost, why it goes again). */
const DEBUG = !!process.env.UNDERPASS_DEBUG_RECONCILE;

export class ReconcileLoop {
  readonly #store: Store;
  readonly #plane: DataPlane;
  #version = 0;
  #lastKey = '';
  /** Store generation of the last compile (-1: never compiled). */
  #lastGeneration = -1;
  #last: DesiredState | undefined;
  /** Parsed documents kept between passes (only changed rows are parsed again). */
  readonly #documents = new DocumentCache();
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #kickScheduled = false;
  /**
   * Passes that compiled and applied, passes that applied the last compiled state again with its
   * endpoints' serving brought up to date (nothing was written since), and passes skipped because
   * nothing moved (for tests and the bench).
   */
  readonly stats = { compiled: 0, reused: 0, skipped: 0 };

  constructor(store: Store, plane: DataPlane) {
    this.#store = store;
    this.#plane = plane;
  }

  /** Reconciles soon (coalesced: many kicks in one turn of the event loop make one pass). */
  kick(): void {
    if (this.#closed || this.#kickScheduled) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      this.reconcile().catch((e: unknown) => console.error('underpass: reconcile failed', e));
    });
  }

  /** One pass (or the one running, followed by another when asked for meanwhile). */
  async reconcile(): Promise<void> {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      await this.#running;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again && !this.#closed);
    })().finally(() => { this.#running = undefined; });
    await this.#running;
  }

  async #pass(): Promise<void> {
    const generation = this.#store.generation;
    // Nothing written since the last compile (only known with an exclusive store: others may write PostgreSQL).
    const last = this.#store.exclusive && generation === this.#lastGeneration ? this.#last : undefined;
    if (last && this.#plane.converged && !this.#promotable(last)) {
      this.stats.skipped++;
      return;
    }
    const t0 = performance.now();
    let next: DesiredState;
    let how: string;
    let tRead: number;
    if (last) {
      // The same snapshot would compile to the same state, so only endpoint serving can differ (a
      // pending endpoint whose listeners came up, or went).
      next = servingAgain(last, this.#plane);
      tRead = performance.now();
      how = 'the last state, serving again';
      this.stats.reused++;
    } else {
      const snapshot = await this.#store.transaction(false, (tx) => readSnapshot(tx, this.#documents));
      tRead = performance.now();
      next = compileDesiredState(snapshot, this.#version + 1);
      promoteReady(next, this.#plane);
      how = `read ${(tRead - t0).toFixed(1)}: ${this.#documents.stats.parsed} parsed, ${this.#documents.stats.reused} kept`;
      this.stats.compiled++;
    }
    const tCompile = performance.now();
    const key = JSON.stringify({ ...next, version: 0 });
    if (key !== this.#lastKey) { this.#version++; this.#lastKey = key; }
    const applied = { ...next, version: this.#version };
    this.#last = applied;
    this.#lastGeneration = generation;
    const t1 = performance.now();
    await this.#plane.apply(applied);
    // Listeners that came up in this apply make their pending endpoints promotable now.
    if (this.#promotable(applied)) this.#again = true;
    if (DEBUG) {
      console.error(`underpass reconcile: generation ${generation}, version ${this.#version}, compile ${(t1 - t0).toFixed(1)} ms `
        + `(${how}; compile ${(tCompile - tRead).toFixed(1)}, compare ${(t1 - tCompile).toFixed(1)}), `
        + `apply ${(performance.now() - t1).toFixed(1)} ms${this.#again ? ', again (promotable)' : ''}`);
    }
  }

  /** Whether some endpoint compiled as not serving has every listener up by now. */
  #promotable(d: DesiredState): boolean {
    for (const ep of d.endpoints) {
      if (!ep.serving && this.#plane.endpointReadiness(ep.endpointId).ready) return true;
    }
    return false;
  }

  /** Stops kicking; waits for the running pass. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running) await this.#running.catch(() => {});
  }
}

/**
 * `last` with each endpoint's serving as compiling the same snapshot again would give it: an
 * `available` endpoint serves; a `pending` one once every listener listens (`promoteReady`).
 * Endpoints whose serving does not change stay the same objects; `last` is not written to.
 */
export function servingAgain(last: DesiredState, plane: Pick<DataPlane, 'endpointReadiness'>): DesiredState {
  return {
    ...last,
    endpoints: last.endpoints.map((ep) => {
      const serving = ep.state === 'available' || plane.endpointReadiness(ep.endpointId).ready;
      return serving === ep.serving ? ep : { ...ep, serving };
    }),
  };
}

/**
 * Pending endpoints whose listeners all listen are compiled as serving, so the workers admit their
 * connections before the next tick moves them to `available` (readyToServe asks `endpointServing`).
 */
export function promoteReady(d: DesiredState, plane: Pick<DataPlane, 'endpointReadiness'>): void {
  for (const ep of d.endpoints) {
    if (!ep.serving && plane.endpointReadiness(ep.endpointId).ready) ep.serving = true;
  }
}
