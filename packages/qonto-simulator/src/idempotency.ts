import type { SimResponse } from './http.js';

interface CachedResponse {
  expiresAt: number;
  response: SimResponse;
}

/**
 * `X-Qonto-Idempotency-Key` handling (docs/qonto-facts.md#simulator-idempotency): scoped to the `Authorization` value; the first 2xx
 * answer (status, headers, body) is replayed for `ttlMs` after first use, whatever the repeat's
 * body; non-2xx answers are not kept; requests with the same key run one after another.
 */
export class IdempotencyCache {
  private readonly cache = new Map<string, CachedResponse>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `execute` under the key, or replays the cached answer. */
  async run(authorization: string, key: string, execute: () => Promise<SimResponse>): Promise<SimResponse> {
    const scoped = `${authorization}\u0000${key}`;
    const previous = this.locks.get(scoped) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = previous.then(() => current);
    this.locks.set(scoped, chained);
    await previous;
    try {
      this.prune();
      const cached = this.cache.get(scoped);
      if (cached) return cloneResponse(cached.response);
      const response = await execute();
      if (response.status >= 200 && response.status < 300) {
        this.cache.set(scoped, { expiresAt: this.now() + this.ttlMs, response: cloneResponse(response) });
      }
      return response;
    } finally {
      release();
      if (this.locks.get(scoped) === chained) this.locks.delete(scoped);
    }
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}

function cloneResponse(response: SimResponse): SimResponse {
  return { status: response.status, headers: { ...response.headers }, body: response.body ? Buffer.from(response.body) : undefined };
}
