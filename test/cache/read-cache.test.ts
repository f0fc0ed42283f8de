import { describe, expect, it } from 'vitest';
import { QontoReadCache, isInProgress } from '../../src/cache/read-cache.js';
import { clientTopic, createMemoryBus, invoiceTopic } from '../../src/lifecycle/signal-bus.js';
import type { WireClient, WireClientInvoice } from '../../src/qonto/wire.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function setup(options: { ttlMs?: number; inProgressTtlMs?: number; maxEntries?: number; maxBytes?: number } = {}) {
  let now = 1_000_000;
  const bus = createMemoryBus();
  const lookups: string[] = [];
  const cache = new QontoReadCache({
    ttlMs: options.ttlMs ?? 30_000,
    inProgressTtlMs: options.inProgressTtlMs ?? 15_000,
    bus,
    now: () => now,
    onLookup: (kind, hit) => lookups.push(`${kind}:${hit ? 'hit' : 'miss'}`),
    ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  });
  let fetches = 0;
  const invoice =
    (fields: Partial<WireClientInvoice> = {}) =>
    async () => {
      fetches++;
      return { id: 'inv-1', status: 'unpaid', ...fields } as WireClientInvoice;
    };
  return {
    cache,
    bus,
    lookups,
    invoice,
    advance: (ms: number) => {
      now += ms;
    },
    fetches: () => fetches,
  };
}

describe('QontoReadCache', () => {
  it('serves a warm read without fetching, and counts hits and misses', async () => {
    const { cache, invoice, fetches, lookups } = setup();
    const reads = cache.forCredential(A);
    await reads.invoice('inv-1', invoice());
    expect(await reads.invoice('inv-1', invoice({ status: 'paid' }))).toMatchObject({ status: 'unpaid' });
    expect(fetches()).toBe(1);
    expect(lookups).toEqual(['invoice:miss', 'invoice:hit']);
    expect(cache.size).toBe(1);
  });

  it('never serves one credential what another fetched', async () => {
    const { cache, invoice, fetches } = setup();
    await cache.forCredential(A).invoice('inv-1', invoice());
    await expect(
      cache.forCredential(B).invoice('inv-1', async () => {
        throw new Error('404');
      }),
    ).rejects.toThrow('404');
    expect(await cache.forCredential(B).invoice('inv-1', invoice({ status: 'paid' }))).toMatchObject({ status: 'paid' });
    expect(fetches()).toBe(2);
  });

  it('does not cache errors', async () => {
    const { cache, invoice, fetches } = setup();
    const reads = cache.forCredential(A);
    await expect(reads.invoice('inv-1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await reads.invoice('inv-1', invoice());
    expect(fetches()).toBe(1);
  });

  it('expires entries after the TTL (fake clock)', async () => {
    const { cache, invoice, fetches, advance } = setup({ ttlMs: 30_000 });
    const reads = cache.forCredential(A);
    await reads.organization(async () => ({ slug: 'org' }) as never);
    await reads.invoice('inv-1', invoice());
    advance(29_999);
    await reads.invoice('inv-1', invoice());
    expect(fetches()).toBe(1);
    advance(1);
    await reads.invoice('inv-1', invoice());
    expect(fetches()).toBe(2);
  });

  it('refetches an invoice in progress after the poll interval, a settled one after the TTL', async () => {
    const { cache, invoice, fetches, advance } = setup({ ttlMs: 30_000, inProgressTtlMs: 5_000 });
    const reads = cache.forCredential(A);
    const pending = invoice({ einvoicing_status: 'submitted' });
    await reads.invoice('inv-1', pending);
    advance(4_999);
    await reads.invoice('inv-1', pending);
    expect(fetches()).toBe(1);
    advance(1);
    await reads.invoice('inv-1', pending);
    expect(fetches()).toBe(2);
    advance(5_000);
    const settled = invoice({ einvoicing_status: 'approved', einvoicing_lifecycle_events: [{ status_code: '212' }] });
    await reads.invoice('inv-1', settled);
    advance(10_000);
    await reads.invoice('inv-1', settled);
    expect(fetches()).toBe(3);
  });

  it('tells invoices in progress apart', () => {
    const events = (...codes: string[]) => codes.map((status_code) => ({ status_code }));
    expect(isInProgress({ id: 'x', einvoicing_status: 'pending' } as WireClientInvoice)).toBe(true);
    expect(isInProgress({ id: 'x', einvoicing_status: 'submitted' } as WireClientInvoice)).toBe(true);
    expect(isInProgress({ id: 'x', einvoicing_lifecycle_events: events('200', '205') } as WireClientInvoice)).toBe(true);
    expect(
      isInProgress({ id: 'x', einvoicing_status: 'approved', einvoicing_lifecycle_events: events('200', '212') } as WireClientInvoice),
    ).toBe(false);
    expect(isInProgress({ id: 'x', einvoicing_status: 'declined', einvoicing_lifecycle_events: events('210') } as WireClientInvoice)).toBe(
      false,
    );
    expect(isInProgress({ id: 'x', status: 'draft', einvoicing_status: null } as WireClientInvoice)).toBe(false);
  });

  it('drops an invoice or client for every credential on its signal, and releases the bus listener', async () => {
    const { cache, bus, invoice, fetches } = setup();
    await cache.forCredential(A).invoice('inv-1', invoice());
    await cache.forCredential(B).invoice('inv-1', invoice());
    const client = async () => ({ id: 'cli-1', name: 'Old' }) as WireClient;
    await cache.forCredential(A).client('cli-1', client);
    expect(bus.listenerCount()).toBe(2);
    bus.publish(invoiceTopic('inv-1'));
    expect(cache.size).toBe(1);
    await cache.forCredential(A).invoice('inv-1', invoice());
    await cache.forCredential(B).invoice('inv-1', invoice());
    expect(fetches()).toBe(4);
    bus.publish(clientTopic('cli-1'));
    expect(await cache.forCredential(A).client('cli-1', async () => ({ id: 'cli-1', name: 'New' }) as WireClient)).toMatchObject({
      name: 'New',
    });
    cache.close();
    await Promise.resolve();
    await Promise.resolve();
    expect(cache.watchedTopics).toBe(0);
    expect(bus.listenerCount()).toBe(0);
  });

  it('does not store an answer fetched across a signal', async () => {
    const { cache, bus, invoice, fetches } = setup();
    const reads = cache.forCredential(A);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = reads.invoice('inv-1', async () => {
      await gate;
      return { id: 'inv-1', status: 'unpaid' } as WireClientInvoice;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    bus.publish(invoiceTopic('inv-1'));
    release();
    await inFlight;
    expect(cache.size).toBe(0);
    await reads.invoice('inv-1', invoice({ status: 'paid' }));
    expect(fetches()).toBe(1);
  });

  it('stays within its entry bound, releasing the listeners of evicted entries', async () => {
    const { cache, bus, invoice } = setup({ maxEntries: 3 });
    const reads = cache.forCredential(A);
    for (let i = 0; i < 10; i++) await reads.invoice(`inv-${i}`, invoice({ id: `inv-${i}` }));
    expect(cache.size).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cache.watchedTopics).toBe(3);
    expect(bus.listenerCount()).toBe(3);
  });

  it('stays within its byte bound, and does not keep an answer larger than a quarter of it', async () => {
    const { cache, invoice, fetches } = setup({ maxBytes: 4_000 });
    const reads = cache.forCredential(A);
    const padded = (i: number) => invoice({ id: `inv-${i}`, terms_and_conditions: 'x'.repeat(400) });
    for (let i = 0; i < 20; i++) await reads.invoice(`inv-${i}`, padded(i));
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(10);
    const big = invoice({ id: 'big', terms_and_conditions: 'x'.repeat(2_000) });
    await reads.invoice('big', big);
    await reads.invoice('big', big);
    expect(fetches()).toBe(22);
  });

  it('rejects a TTL of 0 (the cache is then not built at all)', () => {
    expect(() => new QontoReadCache({ ttlMs: 0, inProgressTtlMs: 1000, bus: createMemoryBus() })).toThrow(RangeError);
  });

  it('reads through, storing nothing, while the bus is unhealthy (signals from other replicas may be lost)', async () => {
    const bus = createMemoryBus();
    let healthy = false;
    const cache = new QontoReadCache({ ttlMs: 30_000, inProgressTtlMs: 15_000, bus: { ...bus, healthy: () => healthy } });
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      return { id: 'inv-1' } as WireClientInvoice;
    };
    const reads = cache.forCredential(A);
    await reads.invoice('inv-1', fetch);
    await reads.invoice('inv-1', fetch);
    expect(fetches).toBe(2);
    expect(cache.size).toBe(0);
    healthy = true;
    await reads.invoice('inv-1', fetch);
    await reads.invoice('inv-1', fetch);
    expect(fetches).toBe(3);
    cache.clear();
    await reads.invoice('inv-1', fetch);
    expect(fetches).toBe(4);
  });
});
