import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { credentialKey } from '../../src/auth.js';
import { LifecycleHub, SIGNAL_COALESCE_MS, SUBSCRIBE_FRESHNESS_MS } from '../../src/lifecycle/hub.js';
import { clientTopic, createMemoryBus, invoiceTopic } from '../../src/lifecycle/signal-bus.js';
import { QontoError } from '../../src/qonto/errors.js';
import type { QontoTransport } from '../../src/qonto/transport.js';
import type { WireClientInvoice, WireLifecycleEvent } from '../../src/qonto/wire.js';

/** A Qonto stand-in whose invoice the test edits; counts fetches. */
function fakeQonto() {
  const events: WireLifecycleEvent[] = [];
  const state = { fetches: 0, fail: null as QontoError | null, gate: null as Promise<void> | null };
  const invoice = (): WireClientInvoice => ({
    id: 'inv-1',
    status: 'unpaid',
    client: { id: 'cli-1' },
    einvoicing_lifecycle_events: [...events],
  });
  const transport = {
    forAuthorization: () => ({
      getClientInvoice: async () => {
        state.fetches++;
        // Qonto's answer reflects the invoice when the request arrived: changes made while the
        // answer is on its way are not in it.
        const answer = invoice();
        if (state.gate) await state.gate;
        if (state.fail) throw state.fail;
        return answer;
      },
    }),
  } as unknown as QontoTransport;
  const add = (code: number, second: number) =>
    events.push({ status_code: String(code), timestamp: `2026-11-24T10:00:${String(second).padStart(2, '0')}.000Z` });
  return { transport, state, events, add };
}

const caller = { upstreamAuthorization: 'Bearer t', key: credentialKey('Bearer t') };

describe('LifecycleHub', () => {
  let qonto: ReturnType<typeof fakeQonto>;
  let hub: LifecycleHub;
  const bus = createMemoryBus();
  const signal = () => bus.publish(invoiceTopic('inv-1'));

  beforeEach(() => {
    qonto = fakeQonto();
    hub = new LifecycleHub({ transport: qonto.transport, bus, pollIntervalMs: 1000 });
  });
  afterEach(() => {
    hub.close();
    vi.useRealTimers();
  });

  it('keeps one shared log: a slow consumer costs a position, not a queue', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const streams = await Promise.all(Array.from({ length: 10 }, () => hub.subscribe(caller, 'inv-1')));
    expect(qonto.state.fetches).toBeLessThanOrEqual(2);
    for (let i = 0; i < 500; i++) {
      qonto.add(200 + (i % 20), i % 60);
      vi.setSystemTime(Date.now() + SUBSCRIBE_FRESHNESS_MS); // each subscribe then fetches
      await hub.subscribe(caller, 'inv-1').then((s) => s.return?.());
    }
    expect(hub.stats()).toMatchObject({ watches: 1, subscribers: 10 });
    const logged = hub.stats().loggedEvents;
    expect(logged).toBeLessThanOrEqual(500);
    // The slow consumer still gets everything, in order, once it reads.
    const first = streams[0]!;
    const codes: number[] = [];
    for (let i = 0; i < logged; i++) codes.push((await first.next()).value!.event.statusCode!);
    expect(codes.slice(0, 3)).toEqual([200, 201, 202]);
  });

  it('lets a fresh fetch stand for new subscribers with the same credentials for a second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const streams = [];
    for (let i = 0; i < 10; i++) streams.push(await hub.subscribe(caller, 'inv-1'));
    expect(qonto.state.fetches).toBe(1); // a reconnect storm costs one GET per window, not one per subscriber

    vi.setSystemTime(Date.now() + SUBSCRIBE_FRESHNESS_MS);
    streams.push(await hub.subscribe(caller, 'inv-1'));
    expect(qonto.state.fetches).toBe(2);

    // A failed fetch leaves nothing fresh: the next subscriber is checked again.
    qonto.state.fail = new QontoError({ kind: 'http', method: 'GET', route: '/v2/client_invoices/{id}', status: 503, attempts: 4 });
    signal();
    await vi.waitFor(() => expect(qonto.state.fetches).toBe(3));
    qonto.state.fail = new QontoError({ kind: 'http', method: 'GET', route: '/v2/client_invoices/{id}', status: 404, attempts: 1 });
    await expect(hub.subscribe(caller, 'inv-1')).rejects.toThrow('not found');
    expect(qonto.state.fetches).toBe(4);

    // Other credentials never ride on this watch's fetch.
    qonto.state.fail = null;
    const other = { upstreamAuthorization: 'Bearer other', key: credentialKey('Bearer other') };
    await hub.subscribe(other, 'inv-1');
    expect(qonto.state.fetches).toBe(5);
    for (const stream of streams) await stream.return!();
  });

  it('emits each event once whatever the order and repetition of signals', async () => {
    const stream = await hub.subscribe(caller, 'inv-1');
    qonto.add(200, 0);
    signal();
    signal();
    qonto.add(201, 1);
    signal();
    const got = [(await stream.next()).value!.event.statusCode, (await stream.next()).value!.event.statusCode];
    expect(got).toEqual([200, 201]);
    qonto.add(202, 2);
    signal();
    expect((await stream.next()).value!.event).toMatchObject({ statusCode: 202, index: 2 });
  });

  it('re-fetches once more when a signal arrives during a fetch (it may predate the change)', async () => {
    await hub.subscribe(caller, 'inv-1');
    let open!: () => void;
    qonto.state.gate = new Promise<void>((resolve) => (open = resolve));
    const before = qonto.state.fetches;
    signal();
    signal();
    signal();
    qonto.state.gate = null;
    open();
    await hub.whenSubscribers(1);
    await vi.waitFor(() => expect(qonto.state.fetches).toBe(before + 2));
  });

  it('coalesces a burst: 2,000 signals during a slow fetch cost one more fetch, and every event arrives once, in order', async () => {
    vi.useFakeTimers();
    hub.close();
    hub = new LifecycleHub({ transport: qonto.transport, bus, pollIntervalMs: 3_600_000 });
    const stream = await hub.subscribe(caller, 'inv-1');
    const before = qonto.state.fetches;
    qonto.add(200, 0);
    let open!: () => void;
    qonto.state.gate = new Promise<void>((resolve) => (open = resolve));
    for (let i = 0; i < 2000; i++) {
      if (i > 0 && i % 400 === 0) qonto.add(200 + i / 400, i / 400); // 201..204 land while the fetch is slow
      signal();
    }
    expect(qonto.state.fetches).toBe(before + 1); // the first signal fetched at once, the rest wait
    qonto.state.gate = null;
    open();
    expect((await stream.next()).value!.event.statusCode).toBe(200);

    await vi.advanceTimersByTimeAsync(SIGNAL_COALESCE_MS);
    expect(qonto.state.fetches).toBe(before + 2); // one trailing fetch for the 1,999 others
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await stream.next()).value!.event.statusCode!);
    expect(codes).toEqual([201, 202, 203, 204]);

    await vi.advanceTimersByTimeAsync(10 * SIGNAL_COALESCE_MS);
    expect(qonto.state.fetches).toBe(before + 2);
    expect(hub.stats().loggedEvents).toBe(5);
    await stream.return!();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('merges signals spread over time into one fetch per window, a lone signal still fetching at once', async () => {
    vi.useFakeTimers();
    hub.close();
    hub = new LifecycleHub({ transport: qonto.transport, bus, pollIntervalMs: 3_600_000 });
    const stream = await hub.subscribe(caller, 'inv-1');
    const before = qonto.state.fetches;
    for (let i = 0; i < 2000; i++) {
      if (i % 100 === 0) qonto.add(200 + i / 100, i / 100);
      signal();
      await vi.advanceTimersByTimeAsync(1); // one webhook per millisecond for 2 s
    }
    await vi.advanceTimersByTimeAsync(SIGNAL_COALESCE_MS);
    const burst = qonto.state.fetches - before;
    expect(burst).toBeGreaterThanOrEqual(2);
    expect(burst).toBeLessThanOrEqual(2000 / SIGNAL_COALESCE_MS + 2);
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) codes.push((await stream.next()).value!.event.statusCode!);
    expect(codes).toEqual(Array.from({ length: 20 }, (_, i) => 200 + i));
    expect(hub.stats().loggedEvents).toBe(20);

    // After a quiet window, the next signal is not delayed.
    const quiet = qonto.state.fetches;
    qonto.add(220, 30);
    signal();
    expect(qonto.state.fetches).toBe(quiet + 1);
    expect((await stream.next()).value!.event.statusCode).toBe(220);
    await stream.return!();
  });

  it('lets any fetch answer the signals received before it started (no extra signal-driven fetch)', async () => {
    vi.useFakeTimers();
    hub.close();
    hub = new LifecycleHub({ transport: qonto.transport, bus, pollIntervalMs: 3_600_000 });
    const stream = await hub.subscribe(caller, 'inv-1');
    signal(); // fetches at once
    await vi.advanceTimersByTimeAsync(0);
    signal(); // within the window: waits for its end
    const waiting = qonto.state.fetches;
    vi.setSystemTime(Date.now() + SUBSCRIBE_FRESHNESS_MS);
    const second = await hub.subscribe(caller, 'inv-1'); // this subscriber's fetch answers the waiting signal
    expect(qonto.state.fetches).toBe(waiting + 1);
    await vi.advanceTimersByTimeAsync(10 * SIGNAL_COALESCE_MS);
    expect(qonto.state.fetches).toBe(waiting + 1);
    await stream.return!();
    await second.return!();
  });

  it('polls while subscribed, backs off on 429 honouring Retry-After, and stops when the last subscriber leaves', async () => {
    vi.useFakeTimers();
    const stream = await hub.subscribe(caller, 'inv-1');
    const base = qonto.state.fetches;
    await vi.advanceTimersByTimeAsync(1000);
    expect(qonto.state.fetches).toBe(base + 1);

    qonto.state.fail = new QontoError({
      kind: 'http',
      method: 'GET',
      route: '/v2/client_invoices/{id}',
      status: 429,
      attempts: 4,
      retryAfterMs: 7000,
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(qonto.state.fetches).toBe(base + 2);
    await vi.advanceTimersByTimeAsync(6900);
    expect(qonto.state.fetches).toBe(base + 2);
    // The next failure is a 503 without Retry-After: exponential backoff (2 failures: 4 s).
    qonto.state.fail = new QontoError({ kind: 'http', method: 'GET', route: '/v2/client_invoices/{id}', status: 503, attempts: 4 });
    await vi.advanceTimersByTimeAsync(100);
    expect(qonto.state.fetches).toBe(base + 3);
    await vi.advanceTimersByTimeAsync(3999);
    expect(qonto.state.fetches).toBe(base + 3);
    await vi.advanceTimersByTimeAsync(1);
    expect(qonto.state.fetches).toBe(base + 4);

    // Recovery resets the pace.
    qonto.state.fail = null;
    await vi.advanceTimersByTimeAsync(8000);
    const recovered = qonto.state.fetches;
    await vi.advanceTimersByTimeAsync(1000);
    expect(qonto.state.fetches).toBe(recovered + 1);

    await stream.return!();
    expect(hub.stats()).toEqual({ watches: 0, subscribers: 0, pollTimers: 0, pollsWaiting: 0, busListeners: 0, loggedEvents: 0 });
    expect(vi.getTimerCount()).toBe(0);
    const last = qonto.state.fetches;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(qonto.state.fetches).toBe(last);
  });

  it('paces reconciliation polls across watches, never signals', async () => {
    vi.useFakeTimers();
    hub.close();
    const fetches: string[] = [];
    const transport = {
      forAuthorization: () => ({
        getClientInvoice: async (id: string) => {
          fetches.push(id);
          return { id, status: 'unpaid', client: { id: 'cli-1' }, einvoicing_lifecycle_events: [] } satisfies WireClientInvoice;
        },
      }),
    } as unknown as QontoTransport;
    hub = new LifecycleHub({ transport, bus, pollIntervalMs: 1000, maxPollsPerSecond: 4 });
    const ids = Array.from({ length: 20 }, (_, i) => `inv-${i}`);
    const streams = await Promise.all(ids.map((id) => hub.subscribe(caller, id)));
    expect(fetches).toHaveLength(20); // subscribing is not paced: each caller is authorised at once
    fetches.length = 0;

    // 20 watches due every second, 4 polls per second allowed: 4 the first second (the bucket
    // holds one second of polls), then one every 250 ms; every watch still gets its turn.
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetches).toHaveLength(4);
    expect(hub.stats().pollsWaiting).toBe(16);
    await vi.advanceTimersByTimeAsync(4000);
    expect(fetches).toHaveLength(20);
    expect(new Set(fetches).size).toBe(20);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetches.length).toBeGreaterThanOrEqual(58);
    expect(fetches.length).toBeLessThanOrEqual(60);

    // A webhook signal is not paced, and it takes the watch out of the poll queue.
    const waitingBefore = hub.stats().pollsWaiting;
    const queued = ids.find((id) => !fetches.slice(-4).includes(id))!;
    const before = fetches.length;
    bus.publish(invoiceTopic(queued));
    await vi.advanceTimersByTimeAsync(0);
    expect(fetches.slice(before)).toEqual([queued]);
    expect(hub.stats().pollsWaiting).toBe(waitingBefore - 1);

    for (const stream of streams) await stream.return!();
    expect(hub.stats()).toMatchObject({ watches: 0, pollTimers: 0, pollsWaiting: 0 });
    const last = fetches.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetches).toHaveLength(last);
  });

  it('re-fetches watched invoices when their client changes (v1/clients webhooks)', async () => {
    await hub.subscribe(caller, 'inv-1');
    await vi.waitFor(() => expect(bus.listenerCount()).toBe(2)); // the invoice's topic, then its client's
    const before = qonto.state.fetches;
    bus.publish(clientTopic('cli-1'));
    expect(qonto.state.fetches).toBe(before + 1);
    bus.publish(clientTopic('someone-else'));
    expect(qonto.state.fetches).toBe(before + 1);
  });

  it('refuses an invoice the credentials cannot read, and ends streams when access is lost', async () => {
    qonto.state.fail = new QontoError({ kind: 'http', method: 'GET', route: '/v2/client_invoices/{id}', status: 404, attempts: 1 });
    await expect(hub.subscribe(caller, 'inv-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(hub.stats().watches).toBe(0);

    qonto.state.fail = null;
    const stream = await hub.subscribe(caller, 'inv-1');
    qonto.state.fail = new QontoError({ kind: 'http', method: 'GET', route: '/v2/client_invoices/{id}', status: 401, attempts: 1 });
    const next = stream.next();
    signal();
    await expect(next).rejects.toThrow('These credentials can no longer read this invoice');
    expect(hub.stats().watches).toBe(0);
  });
});
