/** Rate-limit thresholds (docs/qonto-facts.md#simulator-rate-limits); defaults are Qonto's documented limits. */
export interface RateLimitOptions {
  perTenSeconds?: number;
  perTenMinutes?: number;
  unauthorizedPerHour?: number;
}

const TEN_SECONDS = 10_000;
const TEN_MINUTES = 600_000;
const ONE_HOUR = 3_600_000;

/**
 * Arrival times, oldest first, with O(1) amortised pruning of old entries and O(log n) window
 * counts (a load test keeps hundreds of thousands of entries per address once the thresholds are
 * raised). Falls back to a full scan if the clock ever went backwards.
 */
class TimeLog {
  private times: number[] = [];
  private head = 0;
  private ascending = true;

  get length(): number {
    return this.times.length - this.head;
  }

  /** The i-th kept entry, oldest first. */
  at(index: number): number | undefined {
    return this.times[this.head + index];
  }

  push(time: number): void {
    const last = this.times[this.times.length - 1];
    if (last !== undefined && time < last) this.ascending = false;
    this.times.push(time);
  }

  /** Drops leading entries at or before `since`. */
  prune(since: number): void {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= since) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** The entries after `since`: how many, and the i-th of them (oldest first). */
  after(since: number): { count: number; nth: (index: number) => number | undefined } {
    if (!this.ascending) {
      const kept = this.times.slice(this.head).filter((time) => time > since);
      return { count: kept.length, nth: (index) => kept[index] };
    }
    let low = this.head;
    let high = this.times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.times[mid] ?? 0) > since) high = mid;
      else low = mid + 1;
    }
    const first = low;
    return { count: this.times.length - first, nth: (index) => this.times[first + index] };
  }
}

interface AddressLog {
  requests: TimeLog;
  unauthorized: TimeLog;
}

/**
 * Per remote address limits (docs/qonto-facts.md#simulator-rate-limits): at most `perTenSeconds` answered requests in any 10 s, at most
 * `perTenMinutes` in any 10 min, and once `unauthorizedPerHour` 401 answers were given within an
 * hour, every request gets 429 until that count drops. 429 answers are not counted.
 */
export class RateLimiter {
  private readonly logs = new Map<string, AddressLog>();
  private readonly perTenSeconds: number;
  private readonly perTenMinutes: number;
  private readonly unauthorizedPerHour: number;

  constructor(
    options: RateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.perTenSeconds = options.perTenSeconds ?? 1000;
    this.perTenMinutes = options.perTenMinutes ?? 10_000;
    this.unauthorizedPerHour = options.unauthorizedPerHour ?? 200;
  }

  private log(address: string): AddressLog {
    let log = this.logs.get(address);
    if (!log) {
      log = { requests: new TimeLog(), unauthorized: new TimeLog() };
      this.logs.set(address, log);
    }
    return log;
  }

  /** Null when the request may proceed, else the whole seconds (≥ 1) until a slot frees. */
  check(address: string): number | null {
    const now = this.now();
    const log = this.log(address);
    log.requests.prune(now - TEN_MINUTES);
    log.unauthorized.prune(now - ONE_HOUR);
    const waits: number[] = [];
    const within10s = log.requests.after(now - TEN_SECONDS);
    if (within10s.count >= this.perTenSeconds) {
      const freeing = within10s.nth(within10s.count - this.perTenSeconds) ?? now;
      waits.push(freeing + TEN_SECONDS - now);
    }
    if (log.requests.length >= this.perTenMinutes) {
      const freeing = log.requests.at(log.requests.length - this.perTenMinutes) ?? now;
      waits.push(freeing + TEN_MINUTES - now);
    }
    if (log.unauthorized.length >= this.unauthorizedPerHour) {
      const freeing = log.unauthorized.at(log.unauthorized.length - this.unauthorizedPerHour) ?? now;
      waits.push(freeing + ONE_HOUR - now);
    }
    if (waits.length === 0) return null;
    return Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }

  /** Counts an answered (non-429) request. */
  record(address: string, status: number): void {
    if (status === 429) return;
    const now = this.now();
    const log = this.log(address);
    log.requests.push(now);
    if (status === 401) log.unauthorized.push(now);
  }
}
