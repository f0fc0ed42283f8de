import { describe, expect, it } from 'vitest';
import {
  FairScheduler,
  qontoRateWindows,
  SchedulerClosedError,
  SchedulerRefusal,
  type FairSchedulerOptions,
  type Grant,
} from '../../src/qonto/fair-scheduler.js';
import { ManualClock, settle } from './manual-clock.js';

function makeScheduler(clock: ManualClock, options: Partial<FairSchedulerOptions> = {}): FairScheduler {
  return new FairScheduler({
    maxInFlight: 16,
    windows: qontoRateWindows(1000),
    sharePercent: 100,
    maxQueueWaitMs: 2000,
    clock,
    ...options,
  });
}

/** The largest number of `times` (sorted) inside any closed interval of `windowMs`. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  let busiest = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) > windowMs) start++;
    busiest = Math.max(busiest, end - start + 1);
  }
  return busiest;
}

/** A deterministic pseudo-random source in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

describe('FairScheduler windows', () => {
  it('never grants more than the limit (nor a credential more than its share) in any 10 s or 10 min interval, over thousands of requests', async () => {
    const clock = new ManualClock();
    const rate = 20;
    const scheduler = makeScheduler(clock, {
      maxInFlight: 5,
      windows: qontoRateWindows(rate),
      sharePercent: 40,
      maxQueueWaitMs: 10 * 3_600_000,
      maxQueuedPerCredential: 10_000,
    });
    const random = lcg(42);
    const grantedAt: number[] = [];
    const byCredential = new Map<string, number[]>();
    const pending: Array<Promise<void>> = [];
    const total = 3000;
    let submitted = 0;
    let nextArrival = clock.now();
    // Requests arrive in random bursts from five credentials and hold their slot for a random time.
    // Time moves from event to event, so that each grant is seen at the instant it is given.
    while (submitted < total || grantedAt.length < total) {
      const timerAt = clock.nextTimerAt();
      if (submitted < total && (timerAt === undefined || nextArrival <= timerAt)) {
        clock.advance(nextArrival - clock.now());
        const burst = Math.min(total - submitted, 1 + Math.floor(random() * 40));
        for (let i = 0; i < burst; i++, submitted++) {
          const credential = `cred-${Math.floor(random() * 5)}`;
          const hold = Math.floor(random() * 3000);
          pending.push(
            scheduler.acquire(credential).then((grant) => {
              grantedAt.push(clock.now());
              byCredential.set(credential, [...(byCredential.get(credential) ?? []), clock.now()]);
              clock.setTimeout(() => grant.release(), hold);
            }),
          );
        }
        nextArrival += Math.floor(random() * 5000);
      } else if (!clock.advanceToNextTimer()) {
        break;
      }
      await settle();
    }
    await Promise.all(pending);
    expect(grantedAt).toHaveLength(total);
    const sorted = [...grantedAt].sort((a, b) => a - b);
    expect(busiestWindow(sorted, 10_000)).toBeLessThanOrEqual(rate);
    expect(busiestWindow(sorted, 600_000)).toBeLessThanOrEqual(rate * 10);
    // and the limit is actually reached, not merely respected by being slow
    expect(busiestWindow(sorted, 600_000)).toBe(rate * 10);
    expect(busiestWindow(sorted, 10_000)).toBe(rate);
    expect(byCredential.size).toBe(5);
    for (const times of byCredential.values()) {
      expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(rate * 0.4);
      expect(busiestWindow(times, 600_000)).toBeLessThanOrEqual(rate * 10 * 0.4);
    }
  });

  it('holds the limit for requests released at once and for a burst arriving at one instant', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { windows: qontoRateWindows(50), maxQueueWaitMs: 3_600_000, maxQueuedPerCredential: 5000 });
    const grantedAt: number[] = [];
    const all = Array.from({ length: 2000 }, (_, n) =>
      scheduler.acquire(`c${n % 3}`).then((grant) => {
        grantedAt.push(clock.now());
        grant.release();
      }),
    );
    await settle();
    expect(grantedAt).toHaveLength(50);
    while (grantedAt.length < 2000 && clock.advanceToNextTimer()) await settle();
    await Promise.all(all);
    const sorted = [...grantedAt].sort((a, b) => a - b);
    expect(busiestWindow(sorted, 10_000)).toBe(50);
    expect(busiestWindow(sorted, 600_000)).toBe(500);
    expect(scheduler.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it('reports per-window use, queued and active requests', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 2, windows: qontoRateWindows(10) });
    const grants = await Promise.all([scheduler.acquire('a'), scheduler.acquire('b')]);
    void scheduler.acquire('a').catch(() => undefined);
    expect(scheduler.stats()).toEqual({
      active: 2,
      queued: 1,
      waitingCredentials: 1,
      trackedCredentials: 2,
      windows: [
        { durationMs: 10_000, limit: 10, used: 2 },
        { durationMs: 600_000, limit: 100, used: 2 },
      ],
    });
    for (const grant of grants) grant.release();
    await settle();
    expect(scheduler.stats()).toMatchObject({ active: 1, queued: 0 });
    clock.advance(10_001);
    expect(scheduler.stats().windows.map((w) => w.used)).toEqual([0, 3]);
    scheduler.close();
  });
});

describe('FairScheduler fairness', () => {
  it('serves a trickle credential next, not after the greedy credential’s queue', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 1 });
    const order: string[] = [];
    const take = (credential: string, label: string) =>
      scheduler.acquire(credential).then((grant) => {
        order.push(label);
        return grant;
      });
    const first = await take('greedy', 'g0');
    const greedy = Array.from({ length: 10 }, (_, n) => take('greedy', `g${n + 1}`));
    const trickle = take('trickle', 't1');
    first.release();
    (await trickle).release();
    for (const next of greedy) (await next).release();
    expect(order).toEqual(['g0', 't1', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8', 'g9', 'g10']);
  });

  it('alternates between contending credentials, whatever their queue lengths', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 1 });
    const order: string[] = [];
    const holder = await scheduler.acquire('x');
    const take = (credential: string) =>
      scheduler.acquire(credential).then((grant) => {
        order.push(credential);
        grant.release();
      });
    const calls = [...Array.from({ length: 6 }, () => take('a')), ...Array.from({ length: 3 }, () => take('b'))];
    holder.release();
    await Promise.all(calls);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'a', 'a']);
  });

  it('caps one credential at its share of the slots, leaving the rest to others', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 4, sharePercent: 50 });
    expect(scheduler.slotsPerCredential).toBe(2);
    const greedy: Grant[] = [];
    const greedyCalls = Array.from({ length: 6 }, () =>
      scheduler.acquire('greedy').then((g) => {
        greedy.push(g);
        return g;
      }),
    );
    await settle();
    expect(greedy).toHaveLength(2);
    expect(scheduler.stats()).toMatchObject({ active: 2, queued: 4 });
    const other = await Promise.all([scheduler.acquire('other'), scheduler.acquire('other')]);
    expect(scheduler.stats()).toMatchObject({ active: 4, queued: 4 });
    greedy[0]!.release();
    await settle();
    expect(greedy).toHaveLength(3);
    for (const g of other) g.release();
    await settle();
    expect(greedy).toHaveLength(3);
    scheduler.close();
    await Promise.allSettled(greedyCalls);
  });

  it('caps one credential at its share of each window; 100 % means no cap', async () => {
    const clock = new ManualClock();
    const capped = makeScheduler(clock, { windows: qontoRateWindows(10), sharePercent: 50, maxQueueWaitMs: 60_000 });
    expect(capped.grantsPerCredential).toEqual([5, 50]);
    let greedyGranted = 0;
    const greedy = Array.from({ length: 8 }, () =>
      capped.acquire('greedy').then((g) => {
        greedyGranted++;
        g.release();
      }),
    );
    await settle();
    expect(greedyGranted).toBe(5);
    const others = await Promise.all(Array.from({ length: 5 }, () => capped.acquire('other')));
    for (const g of others) g.release();
    expect(capped.stats().windows[0]!.used).toBe(10);
    clock.advance(10_001);
    await Promise.all(greedy);
    expect(greedyGranted).toBe(8);

    const uncapped = makeScheduler(new ManualClock(), { windows: qontoRateWindows(10), sharePercent: 100 });
    const all = await Promise.all(Array.from({ length: 10 }, () => uncapped.acquire('greedy')));
    expect(all).toHaveLength(10);
  });

  it('does not let a credential capped by its window share hold back the others', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { windows: qontoRateWindows(10), sharePercent: 20, maxQueueWaitMs: 60_000 });
    const greedy = Array.from({ length: 4 }, () => scheduler.acquire('greedy').then((g) => g.release()));
    await settle();
    const trickle = await scheduler.acquire('trickle');
    trickle.release();
    expect(scheduler.stats()).toMatchObject({ queued: 2, waitingCredentials: 1 });
    clock.advance(10_001);
    await Promise.all(greedy);
  });
});

describe('FairScheduler refusals', () => {
  it('refuses at once, with retryAfterMs, a request the windows cannot serve within maxQueueWaitMs', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { windows: qontoRateWindows(2), maxQueueWaitMs: 1000 });
    (await scheduler.acquire('a')).release();
    clock.advance(500);
    (await scheduler.acquire('b')).release();
    const refused = await outcome(scheduler.acquire('c'));
    expect(refused.ok).toBe(false);
    const error = (refused as { error: SchedulerRefusal }).error;
    expect(error).toBeInstanceOf(SchedulerRefusal);
    expect(error.reason).toBe('over_quota');
    expect(error.retryAfterMs).toBe(10_001 - 500);
    expect(scheduler.stats().queued).toBe(0);
  });

  it('counts the requests of other credentials served first when estimating', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { windows: qontoRateWindows(4), maxQueueWaitMs: 20_000 });
    const first = await Promise.all([1, 2, 3, 4].map(() => scheduler.acquire('a')));
    for (const g of first) g.release();
    clock.advance(1000);
    const queued = [1, 2, 3, 4].map(() => scheduler.acquire('a'));
    // 'b', served least recently, goes before a's queue, but only in the next window: 10 s after the first grants
    const b = outcome(scheduler.acquire('b', { maxWaitMs: 9000 }));
    expect(await b).toMatchObject({ ok: false, error: { reason: 'over_quota', retryAfterMs: 9001 } });
    scheduler.close();
    await Promise.allSettled(queued);
  });

  it('refuses a request still waiting after maxQueueWaitMs', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 1, maxQueueWaitMs: 1000 });
    const held = await scheduler.acquire('a');
    const waiting = outcome(scheduler.acquire('b'));
    let settled = false;
    void waiting.then(() => (settled = true));
    clock.advance(999);
    await settle();
    expect(settled).toBe(false);
    clock.advance(1);
    const result = await waiting;
    expect(result).toMatchObject({ ok: false, error: { reason: 'queue_timeout' } });
    expect((result as { error: SchedulerRefusal }).error.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(scheduler.stats().queued).toBe(0);
    held.release();
    expect(scheduler.stats().active).toBe(0);
  });

  it('honours a shorter maxWaitMs per request', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 1, maxQueueWaitMs: 5000 });
    const held = await scheduler.acquire('a');
    const waiting = outcome(scheduler.acquire('b', { maxWaitMs: 100 }));
    clock.advance(100);
    expect(await waiting).toMatchObject({ ok: false, error: { reason: 'queue_timeout' } });
    held.release();
  });

  it('bounds each credential’s queue', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 1, maxQueuedPerCredential: 2 });
    const held = await scheduler.acquire('a');
    const queued = [scheduler.acquire('a'), scheduler.acquire('a')];
    expect(await outcome(scheduler.acquire('a'))).toMatchObject({ ok: false, error: { reason: 'queue_full' } });
    expect(scheduler.stats().queued).toBe(2);
    held.release();
    for (const next of queued) (await next).release();
  });

  it('drops a waiter whose caller aborts, and grants the next one instead', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 1 });
    const held = await scheduler.acquire('a');
    const controller = new AbortController();
    const aborted = scheduler.acquire('b', { signal: controller.signal });
    const next = scheduler.acquire('c');
    controller.abort(new Error('caller left'));
    await expect(aborted).rejects.toThrow('caller left');
    expect(scheduler.stats()).toMatchObject({ queued: 1, active: 1 });
    held.release();
    (await next).release();
    expect(scheduler.stats()).toMatchObject({ queued: 0, active: 0 });
    await expect(scheduler.acquire('d', { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects waiters on close and refuses later requests; held grants stay releasable', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock, { maxInFlight: 1 });
    const held = await scheduler.acquire('a');
    const waiting = [scheduler.acquire('a'), scheduler.acquire('b')];
    scheduler.close();
    for (const waiter of waiting) await expect(waiter).rejects.toBeInstanceOf(SchedulerClosedError);
    await expect(scheduler.acquire('c')).rejects.toBeInstanceOf(SchedulerClosedError);
    held.release();
    expect(scheduler.stats()).toMatchObject({ active: 0, queued: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('forgets idle credentials once their grants have left every window', async () => {
    const clock = new ManualClock();
    const scheduler = makeScheduler(clock);
    for (let n = 0; n < 50; n++) (await scheduler.acquire(`c${n}`)).release();
    expect(scheduler.stats().trackedCredentials).toBe(50);
    clock.advance(600_001);
    (await scheduler.acquire('fresh')).release();
    expect(scheduler.stats().trackedCredentials).toBe(1);
  });
});
