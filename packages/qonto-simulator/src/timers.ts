/**
 * Tracks every timer the simulator starts so that `close()` can cancel them all and leave nothing
 * behind.
 */
export class TimerRegistry {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Runs `fn` after `ms` (unless closed meanwhile). */
  set(fn: () => void, ms: number): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
    return timer;
  }

  /** Cancels one timer. */
  clear(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Resolves after `ms`; never resolves once the registry is closed. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.set(resolve, ms);
    });
  }

  /** True once {@link TimerRegistry.close} ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Cancels every pending timer and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
