import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PollPacer } from '../../src/lifecycle/poll-pacer.js';

describe('PollPacer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const owners = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `watch-${i}` }));

  it('runs a second of polls at once, then the rest at the pace, in the order they became due', async () => {
    const pacer = new PollPacer({ maxPerSecond: 2 });
    const ran: string[] = [];
    for (const owner of owners(5)) pacer.request(owner, () => ran.push(owner.name));
    expect(ran).toEqual(['watch-0', 'watch-1']);
    expect(pacer.waiting).toBe(3);
    await vi.advanceTimersByTimeAsync(499);
    expect(ran).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(ran).toEqual(['watch-0', 'watch-1', 'watch-2']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ran).toEqual(['watch-0', 'watch-1', 'watch-2', 'watch-3', 'watch-4']);
    expect(pacer.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one pending poll per owner, drops cancelled ones and survives a throwing poll', async () => {
    const pacer = new PollPacer({ maxPerSecond: 1 });
    const [a, b, c] = owners(3) as [{ name: string }, { name: string }, { name: string }];
    const ran: string[] = [];
    pacer.request(a, () => {
      ran.push('a');
      throw new Error('boom');
    });
    pacer.request(b, () => ran.push('b'));
    pacer.request(b, () => ran.push('b again'));
    pacer.request(c, () => ran.push('c'));
    expect(pacer.waiting).toBe(2);
    pacer.cancel(b);
    await vi.advanceTimersByTimeAsync(5000);
    expect(ran).toEqual(['a', 'c']);
  });

  it('refills up to one second of polls only, and runs nothing after close', async () => {
    const pacer = new PollPacer({ maxPerSecond: 3 });
    await vi.advanceTimersByTimeAsync(60_000); // idle for a minute: still at most 3 at once
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) pacer.request({}, () => ran.push(i));
    expect(ran).toEqual([0, 1, 2]);
    pacer.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    pacer.request({}, () => ran.push(99));
    expect(ran).toEqual([0, 1, 2]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new PollPacer({ maxPerSecond: 0 })).toThrow(RangeError);
    expect(() => new PollPacer({ maxPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
