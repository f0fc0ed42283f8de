/**
 * A pull-based stream over an append-only log: it holds only its position, so a slow consumer
 * costs nothing more than a number, however many entries arrive. Subclasses say how the next
 * entry is taken ({@link LogCursor.take}); the owner calls {@link LogCursor.wake} when the log grew
 * and {@link LogCursor.end} to finish the stream; {@link LogCursor.ended} tells the owner it ended.
 */
export abstract class LogCursor<T> implements AsyncIterableIterator<T> {
  protected position: number;
  #pending: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | null = null;
  #done = false;
  #error: Error | null = null;

  constructor(start: number) {
    this.position = start;
  }

  /** The next entry for this consumer (advancing {@link position}), or null when there is none yet. */
  protected abstract take(): IteratorResult<T> | null;

  /** Called once when the stream ends, so that its owner forgets it. */
  protected abstract ended(): void;

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const ready = this.take();
    if (ready) return Promise.resolve(ready);
    if (this.#error) return Promise.reject(this.#error);
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
  }

  /** The log grew: hand the next entry to a waiting consumer. */
  wake(): void {
    if (!this.#pending) return;
    const ready = this.take();
    if (!ready) return;
    const { resolve } = this.#pending;
    this.#pending = null;
    resolve(ready);
  }

  /** Ends the stream, with an error or normally. */
  end(error: Error | null): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.ended();
    const pending = this.#pending;
    this.#pending = null;
    if (pending) {
      if (error) pending.reject(error);
      else pending.resolve({ value: undefined, done: true });
    }
  }

  return(): Promise<IteratorResult<T>> {
    this.#error = null;
    this.end(null);
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end(null);
    return Promise.reject(error);
  }
}
