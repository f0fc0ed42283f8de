/**
 * Shares one in-flight promise per key: while a call for a key runs, later calls for the same
 * key get the same promise instead of starting another. Nothing is kept once it settles.
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  /** Runs `work` for `key`, or joins the run already in flight. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const promise = work().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }

  /** Keys in flight now. */
  get size(): number {
    return this.#inFlight.size;
  }
}
