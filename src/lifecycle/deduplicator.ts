import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../lib/error-message.js';

/** How long a webhook id is remembered: Qonto retries for days, we keep 72 h at least. */
export const WEBHOOK_ID_TTL_MS = 72 * 60 * 60 * 1000;

/** Remembers webhook envelope ids to drop repeats. */
export interface Deduplicator {
  /** True the first time an id is seen (within the TTL), false for a repeat. Never rejects. */
  firstSeen(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Ids with an expiry, in memory, bounded in size (oldest dropped first beyond `maxEntries`),
 * swept lazily on insert so no timer is needed.
 */
export class RecentIds {
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #expiries = new Map<string, number>();

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.#ttl = options.ttlMs ?? WEBHOOK_ID_TTL_MS;
    this.#max = options.maxEntries ?? 1_000_000;
    this.#now = options.now ?? Date.now;
  }

  /** True when `id` was added less than the TTL ago. */
  has(id: string): boolean {
    const expires = this.#expiries.get(id);
    return expires !== undefined && expires > this.#now();
  }

  /** Adds `id`; false when it was already there (within the TTL). */
  add(id: string): boolean {
    const time = this.#now();
    const expires = this.#expiries.get(id);
    if (expires !== undefined && expires > time) return false;
    this.#expiries.delete(id);
    this.#expiries.set(id, time + this.#ttl);
    for (const [key, expiry] of this.#expiries) {
      if (this.#expiries.size <= this.#max && expiry > time) break;
      this.#expiries.delete(key);
    }
    return true;
  }

  get size(): number {
    return this.#expiries.size;
  }

  clear(): void {
    this.#expiries.clear();
  }
}

/** Ids in this process only. */
export function createMemoryDeduplicator(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): Deduplicator {
  const seen = new RecentIds(options);
  return {
    async firstSeen(id) {
      return seen.add(id);
    },
    async close() {
      seen.clear();
    },
  };
}

/** Options of {@link createRedisDeduplicator}. */
export interface RedisDeduplicatorOptions {
  ttlMs?: number;
  prefix?: string;
  /** Ids remembered in memory while Redis is unavailable, default 100 000. */
  fallbackMaxEntries?: number;
  now?: () => number;
  logger?: Logger;
}

/**
 * Ids in Redis (`SET NX PX`), shared by every replica, with an in-memory fallback: while the
 * client is not connected, or when a command fails (the client fails fast), the id is checked
 * and recorded in this process instead, so a webhook is still answered 2xx and a repeat reaching
 * this replica is still dropped. Ids recorded that way stay checked locally for the TTL, also
 * after Redis returns. The client stays open: its owner closes it.
 */
export function createRedisDeduplicator(client: Redis, options: RedisDeduplicatorOptions = {}): Deduplicator {
  const ttl = options.ttlMs ?? WEBHOOK_ID_TTL_MS;
  const prefix = options.prefix ?? 'qonto-gw:webhook:';
  const local = new RecentIds({
    ttlMs: ttl,
    maxEntries: options.fallbackMaxEntries ?? 100_000,
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    async firstSeen(id) {
      if (local.has(id)) return false;
      if (client.status !== 'ready') return local.add(id);
      try {
        return (await client.set(`${prefix}${id}`, '1', 'PX', ttl, 'NX')) === 'OK';
      } catch (error) {
        options.logger?.debug({ err: errorMessage(error) }, 'webhook de-duplication fell back to memory');
        return local.add(id);
      }
    },
    async close() {
      local.clear();
    },
  };
}
