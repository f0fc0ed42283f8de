import type { Redis } from 'ioredis';

/** How long a webhook id is remembered: Qonto retries for days, we keep 72 h at least. */
export const WEBHOOK_ID_TTL_MS = 72 * 60 * 60 * 1000;

/** Remembers webhook envelope ids to drop repeats. */
export interface Deduplicator {
  /** True the first time an id is seen (within the TTL), false for a repeat. */
  firstSeen(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * In-memory ids with expiry, bounded in size (oldest dropped first beyond `maxEntries`), swept
 * lazily on insert so no timer is needed.
 */
export function createMemoryDeduplicator(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): Deduplicator {
  const ttl = options.ttlMs ?? WEBHOOK_ID_TTL_MS;
  const max = options.maxEntries ?? 1_000_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  return {
    async firstSeen(id) {
      const time = now();
      const expires = seen.get(id);
      if (expires !== undefined && expires > time) return false;
      seen.delete(id);
      seen.set(id, time + ttl);
      for (const [key, expiry] of seen) {
        if (seen.size <= max && expiry > time) break;
        seen.delete(key);
      }
      return true;
    },
    async close() {
      seen.clear();
    },
  };
}

/** Ids in Redis (`SET NX PX`), shared by every replica. */
export function createRedisDeduplicator(client: Redis, options: { ttlMs?: number; prefix?: string } = {}): Deduplicator {
  const ttl = options.ttlMs ?? WEBHOOK_ID_TTL_MS;
  const prefix = options.prefix ?? 'qonto-gw:webhook:';
  return {
    async firstSeen(id) {
      return (await client.set(`${prefix}${id}`, '1', 'PX', ttl, 'NX')) === 'OK';
    },
    async close() {
      await client.quit().catch(() => undefined);
    },
  };
}
