import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhenResult,
  IsolatedCircuitError,
  type CircuitBreakerPolicy,
} from 'cockatiel';

/** Options of {@link UpstreamBreaker}. */
export interface UpstreamBreakerOptions {
  /** Consecutive failed attempts that open the breaker. */
  failures: number;
  /** How long it stays open before one trial attempt is let through. */
  openMs: number;
}

/** An attempt refused because the breaker is open (or its trial attempt is in flight). */
export class BreakerOpenError extends Error {
  override name = 'BreakerOpenError';
  constructor(readonly retryAfterMs: number) {
    super(`Circuit open; retry in ${retryAfterMs} ms`);
  }
}

/** The breaker's state, for metrics. */
export type BreakerState = 'closed' | 'open' | 'half-open';

interface Outcome<T> {
  ok: boolean;
  value?: T;
  error?: unknown;
  /** Counts as a failure for the breaker. */
  failed: boolean;
}

/**
 * A circuit breaker around single upstream attempts, on cockatiel's `circuitBreaker` with a
 * `ConsecutiveBreaker`: after `failures` consecutive failed attempts it opens, every attempt is
 * then refused at once with a {@link BreakerOpenError}, and after `openMs` one trial attempt goes
 * through: a success closes it, a failure opens it again.
 *
 * Around cockatiel's policy it adds what a per-attempt dispatch needs: an attempt is refused at
 * once while the trial is in flight (cockatiel would make it wait for the trial's outcome), a
 * trial whose caller gives up re-opens the breaker (cockatiel would close it), the refusal says
 * when to retry, and {@link check} lets a caller fail fast before queueing for a slot. An attempt
 * that throws outside a trial (the caller aborted) counts neither way. Cockatiel reads
 * `Date.now()`, and so does this class.
 */
export class UpstreamBreaker {
  readonly #policy: CircuitBreakerPolicy;
  readonly #openMs: number;
  #openedAt = 0;

  constructor(options: UpstreamBreakerOptions) {
    this.#openMs = options.openMs;
    this.#policy = circuitBreaker(
      handleWhenResult((result) => (result as Outcome<unknown>).failed),
      { halfOpenAfter: options.openMs, breaker: new ConsecutiveBreaker(options.failures) },
    );
    this.#policy.onBreak(() => {
      this.#openedAt = Date.now();
    });
  }

  get state(): BreakerState {
    switch (this.#policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  /** Throws a {@link BreakerOpenError} when an attempt started now would be refused. */
  check(): void {
    const state = this.#policy.state;
    if (state === CircuitState.Closed) return;
    if (state === CircuitState.Open) {
      const wait = this.#openedAt + this.#openMs - Date.now();
      if (wait > 0) throw new BreakerOpenError(Math.ceil(wait));
      return;
    }
    throw new BreakerOpenError(this.#openMs);
  }

  /**
   * Runs one attempt through the breaker; `isFailure` says which results count as failures.
   * Rejects with a {@link BreakerOpenError} without running it when the breaker is open.
   */
  async run<T>(attempt: () => Promise<T>, isFailure: (result: T) => boolean): Promise<T> {
    this.check();
    // Checked and started in the same tick: an open breaker past `openMs` makes this the trial.
    const trial = this.#policy.state === CircuitState.Open;
    let outcome: Outcome<T>;
    try {
      outcome = await this.#policy.execute(async (): Promise<Outcome<T>> => {
        try {
          const value = await attempt();
          return { ok: true, value, failed: isFailure(value) };
        } catch (error) {
          if (trial) return { ok: false, error, failed: true };
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new BreakerOpenError(this.#openMs);
      }
      throw error;
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value as T;
  }
}
