import type { Clock, TimerHandle } from '../../src/qonto/clock.js';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** A clock that only moves when told to; timers fire in due order as it moves. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 0;
  readonly #timers = new Map<number, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = ++this.#nextId;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way at its own time, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.#timers.values()) {
        if (timer.at <= end && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
      }
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = end;
  }

  /** When the next timer is due, if any. */
  nextTimerAt(): number | undefined {
    let at = Infinity;
    for (const timer of this.#timers.values()) at = Math.min(at, timer.at);
    return at === Infinity ? undefined : at;
  }

  /** Moves time to the next timer and fires it (and any due at the same time); false when none is set. */
  advanceToNextTimer(): boolean {
    const at = this.nextTimerAt();
    if (at === undefined) return false;
    this.advance(Math.max(0, at - this.#now));
    return true;
  }
}

/** Lets promise callbacks already queued run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
