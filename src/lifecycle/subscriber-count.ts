/** How many subscribers are live, and a way to await a number of them (tests, benchmarks). */
export class SubscriberCount {
  #count = 0;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  /** Subscribers live now. */
  get value(): number {
    return this.#count;
  }

  /** One more subscriber: wakes whoever awaited this many. */
  increment(): void {
    this.#count++;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.#count < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** One subscriber fewer. */
  decrement(): void {
    this.#count--;
  }

  /** Resolves once at least `count` subscribers are live. */
  atLeast(count: number): Promise<void> {
    if (this.#count >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}
