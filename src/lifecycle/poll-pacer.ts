/**
 * A process-wide pace for reconciliation polls. Every watched invoice wants a GET every
 * `LIFECYCLE_POLL_INTERVAL_MS`; with thousands of watches that alone would exceed Qonto's
 * 10 000 requests per 10 minutes per IP and starve the queries. Due polls therefore queue here and
 * run at most `maxPerSecond` per second (a token bucket holding up to one second of polls), in
 * the order they became due; each is asked for at most once while waiting.
 *
 * Webhook signals and subscriptions do not go through the pacer: they are real changes or a
 * caller waiting. Only the safety-net poll is paced, so a lost webhook is found later under load,
 * never missed.
 */
export class PollPacer {
  readonly maxPerSecond: number;
  readonly #now: () => number;
  /** Due polls by owner, in the order they became due. */
  readonly #due = new Map<object, () => void>();
  #tokens: number;
  #refilledAt: number;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: { maxPerSecond: number; now?: () => number }) {
    if (!(options.maxPerSecond > 0)) throw new RangeError('maxPerSecond must be positive');
    this.maxPerSecond = options.maxPerSecond;
    this.#now = options.now ?? (() => Date.now());
    this.#tokens = options.maxPerSecond;
    this.#refilledAt = this.#now();
  }

  /** Asks for `owner`'s poll to run as soon as the pace allows; a pending request is kept, not doubled. */
  request(owner: object, poll: () => void): void {
    if (this.#closed || this.#due.has(owner)) return;
    this.#due.set(owner, poll);
    this.#drain();
  }

  /** Drops `owner`'s pending poll (it was refreshed meanwhile, or stopped). */
  cancel(owner: object): void {
    this.#due.delete(owner);
    if (this.#due.size === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /** Polls waiting for their turn. */
  get waiting(): number {
    return this.#due.size;
  }

  /** Drops every pending poll and stops the timer. */
  close(): void {
    this.#closed = true;
    this.#due.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.maxPerSecond, this.#tokens + ((now - this.#refilledAt) * this.maxPerSecond) / 1000);
    this.#refilledAt = now;
  }

  #drain(): void {
    if (this.#timer) return;
    this.#refill();
    while (this.#due.size > 0 && this.#tokens >= 1) {
      const [owner, poll] = this.#due.entries().next().value as [object, () => void];
      this.#due.delete(owner);
      this.#tokens -= 1;
      try {
        poll();
      } catch {
        // a poll reports its own failures; the pace goes on
      }
    }
    if (this.#due.size === 0) return;
    const wait = Math.ceil(((1 - this.#tokens) * 1000) / this.maxPerSecond);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#drain();
    }, wait);
    this.#timer.unref();
  }
}
