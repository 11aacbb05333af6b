/**
 * Cleanup of everything a suite creates: undo steps registered right after each creation and run
 * last-first exactly once (on success, on failure, and when the runner aborts on Ctrl-C), each
 * bounded in time so one stuck step cannot keep the rest from running.
 */

export class Cleanup {
  #steps: Array<{ what: string; fn: () => unknown }> = [];
  #ran = false;
  #running: Promise<string[]> | undefined;

  /** Registers an undo step (run after the steps registered later). */
  add(what: string, fn: () => unknown): void {
    if (this.#ran) {
      void Promise.resolve().then(fn).catch(() => {});
      return;
    }
    this.#steps.push({ what, fn });
  }

  /** Runs every step once, last registered first; returns the failures (never throws). A second call waits for the first. */
  run(timeoutMsEach = 20_000): Promise<string[]> {
    if (this.#running) return this.#running.then(() => []);
    this.#ran = true;
    this.#running = this.#runSteps(timeoutMsEach);
    return this.#running;
  }

  async #runSteps(timeoutMsEach: number): Promise<string[]> {
    const errors: string[] = [];
    for (const step of this.#steps.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.fn),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMsEach} ms`)), timeoutMsEach); }),
        ]);
      } catch (e) {
        errors.push(`${step.what}: ${(e as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    this.#steps = [];
    return errors;
  }
}
