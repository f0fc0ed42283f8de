/** Thrown to queued waiters when the limiter is closed. */
export class LimiterClosedError extends Error {
  override name = 'LimiterClosedError';
}

interface Waiter {
  grant: () => void;
  reject: (reason: unknown) => void;
}

/** A FIFO counting semaphore: at most `max` holders, later callers wait in arrival order. */
export class ConcurrencyLimiter {
  #active = 0;
  readonly #queue: Waiter[] = [];
  #closed = false;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves with a release function once a slot is free; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#closed) return Promise.reject(new LimiterClosedError('limiter closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaser());
        },
        reject: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Rejects every waiter; later `acquire` calls fail. Current holders keep their slots. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#queue.splice(0)) waiter.reject(new LimiterClosedError('limiter closed'));
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next.grant();
      else this.#active--;
    };
  }
}
