/** Rate-limit thresholds (S6); defaults are Qonto's documented limits. */
export interface RateLimitOptions {
  perTenSeconds?: number;
  perTenMinutes?: number;
  unauthorizedPerHour?: number;
}

const TEN_SECONDS = 10_000;
const TEN_MINUTES = 600_000;
const ONE_HOUR = 3_600_000;

interface AddressLog {
  requests: number[];
  unauthorized: number[];
}

function prune(times: number[], since: number): void {
  let drop = 0;
  while (drop < times.length && (times[drop] ?? 0) <= since) drop += 1;
  if (drop > 0) times.splice(0, drop);
}

/**
 * Per remote address limits (S6): at most `perTenSeconds` answered requests in any 10 s, at most
 * `perTenMinutes` in any 10 min, and once `unauthorizedPerHour` 401 answers were given within an
 * hour, every request gets 429 until that count drops. 429 answers are not counted.
 */
export class RateLimiter {
  private readonly logs = new Map<string, AddressLog>();
  private readonly perTenSeconds: number;
  private readonly perTenMinutes: number;
  private readonly unauthorizedPerHour: number;

  constructor(options: RateLimitOptions = {}, private readonly now: () => number = Date.now) {
    this.perTenSeconds = options.perTenSeconds ?? 1000;
    this.perTenMinutes = options.perTenMinutes ?? 10_000;
    this.unauthorizedPerHour = options.unauthorizedPerHour ?? 200;
  }

  private log(address: string): AddressLog {
    let log = this.logs.get(address);
    if (!log) {
      log = { requests: [], unauthorized: [] };
      this.logs.set(address, log);
    }
    return log;
  }

  /** Null when the request may proceed, else the whole seconds (≥ 1) until a slot frees. */
  check(address: string): number | null {
    const now = this.now();
    const log = this.log(address);
    prune(log.requests, now - TEN_MINUTES);
    prune(log.unauthorized, now - ONE_HOUR);
    const waits: number[] = [];
    const within10s = log.requests.filter((time) => time > now - TEN_SECONDS);
    if (within10s.length >= this.perTenSeconds) {
      const freeing = within10s[within10s.length - this.perTenSeconds] ?? now;
      waits.push(freeing + TEN_SECONDS - now);
    }
    if (log.requests.length >= this.perTenMinutes) {
      const freeing = log.requests[log.requests.length - this.perTenMinutes] ?? now;
      waits.push(freeing + TEN_MINUTES - now);
    }
    if (log.unauthorized.length >= this.unauthorizedPerHour) {
      const freeing = log.unauthorized[log.unauthorized.length - this.unauthorizedPerHour] ?? now;
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
