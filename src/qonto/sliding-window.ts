/**
 * The timestamps of the most recent events within a sliding time window, in a ring buffer.
 *
 * An event at `t` counts until `t + windowMs` inclusive, so a limit checked against this log holds
 * for every closed interval of `windowMs`.
 *
 * Recording, counting and asking when there will be room are O(1) (expired entries are dropped
 * from the oldest end, each once). The buffer grows by doubling up to `capacity`, so a log that
 * sees few events stays small. When it is full, recording overwrites the oldest entry: the log
 * then holds the `capacity` most recent events, which is all a limit of at most `capacity` needs.
 */
export class SlidingWindowLog {
  readonly windowMs: number;
  readonly capacity: number;
  #buffer: Float64Array;
  #head = 0;
  #size = 0;

  constructor(windowMs: number, capacity: number) {
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.windowMs = windowMs;
    this.capacity = capacity;
    this.#buffer = new Float64Array(Math.min(capacity, 16));
  }

  /** Events recorded at most `windowMs` before `now` (at most `capacity`). */
  count(now: number): number {
    this.#expire(now);
    return this.#size;
  }

  /** Records one event at `now` (timestamps must not go backwards). */
  record(now: number): void {
    this.#expire(now);
    if (this.#size === this.#buffer.length && this.#size < this.capacity) this.#grow();
    if (this.#size === this.#buffer.length) {
      this.#buffer[this.#head] = now;
      this.#head = (this.#head + 1) % this.#buffer.length;
      return;
    }
    this.#buffer[(this.#head + this.#size) % this.#buffer.length] = now;
    this.#size++;
  }

  /**
   * Milliseconds from `now` until `n` more events fit under `limit` (at most `capacity`):
   * 0 when they fit now. When more than the events now in the window would have to expire,
   * the answer assumes every later window is as full as the limit allows (an estimate).
   */
  msUntilRoomFor(n: number, now: number, limit: number = this.capacity): number {
    this.#expire(now);
    const mustExpire = this.#size + n - Math.min(limit, this.capacity);
    if (mustExpire <= 0) return 0;
    if (mustExpire <= this.#size) return this.#expiresAt(mustExpire - 1) - now;
    const beyond = mustExpire - this.#size;
    const newest = this.#size > 0 ? this.#expiresAt(this.#size - 1) - now : 0;
    return newest + this.windowMs * Math.ceil(beyond / Math.max(1, limit));
  }

  /** The `index`-th oldest timestamp in the window (0 = oldest). */
  #at(index: number): number {
    return this.#buffer[(this.#head + index) % this.#buffer.length] ?? 0;
  }

  /** When the `index`-th oldest event leaves the window: it counts for `windowMs` inclusive. */
  #expiresAt(index: number): number {
    return this.#at(index) + this.windowMs + 1;
  }

  #expire(now: number): void {
    const horizon = now - this.windowMs;
    while (this.#size > 0 && (this.#buffer[this.#head] ?? 0) < horizon) {
      this.#head = (this.#head + 1) % this.#buffer.length;
      this.#size--;
    }
  }

  #grow(): void {
    const next = new Float64Array(Math.min(this.capacity, this.#buffer.length * 2));
    for (let i = 0; i < this.#size; i++) next[i] = this.#at(i);
    this.#buffer = next;
    this.#head = 0;
  }
}
