import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { isHttpError, qontoHttpStatus } from '../qonto/errors.js';
import type { UpstreamCallEvent, UpstreamCallStatus } from '../qonto/transport.js';

/** Where an observation of Qonto's health came from. */
export type QontoHealthSource = 'traffic' | 'probe';

/**
 * True when an attempt's outcome shows Qonto answering: any 2xx-4xx status (a 401 or a 429 is
 * still Qonto answering). Timeouts, network errors, 5xx and unreadable answers show it down.
 */
export function statusShowsQontoUp(status: UpstreamCallStatus): boolean {
  return typeof status === 'number' && status < 500;
}

/**
 * Qonto's health as metrics (readiness does not depend on it: docs/decisions.md#readiness):
 * `qonto_up` (1 or 0, from the latest observation) and `qonto_last_seen_up_timestamp_seconds`.
 * Both are absent until the first observation. Observations come from real traffic (every upstream
 * attempt) and, in static auth mode, from a periodic probe ({@link startQontoProbe}).
 */
export class QontoHealth {
  readonly #registry: Registry;
  readonly #now: () => number;
  readonly #up = new Gauge({
    name: 'qonto_up',
    help: 'Whether the latest Qonto request (real traffic or probe) got an answer (1) or failed with a timeout, network error or 5xx (0).',
    registers: [],
  });
  readonly #lastSeenUp = new Gauge({
    name: 'qonto_last_seen_up_timestamp_seconds',
    help: 'Unix time of the latest Qonto answer showing it up.',
    registers: [],
  });
  readonly #listeners = new Set<(up: boolean, source: QontoHealthSource) => void>();
  #state: boolean | undefined;
  #lastSeenUpAt: number | undefined;

  constructor(registry: Registry, now: () => number = Date.now) {
    this.#registry = registry;
    this.#now = now;
  }

  /** The latest verdict; undefined before any observation. */
  get up(): boolean | undefined {
    return this.#state;
  }

  /** Unix time in ms of the latest observation showing Qonto up. */
  get lastSeenUpAt(): number | undefined {
    return this.#lastSeenUpAt;
  }

  /** Records one upstream attempt (wired to the transport's `onUpstreamCall`). */
  recordUpstreamCall = (event: UpstreamCallEvent): void => {
    this.observe(statusShowsQontoUp(event.status), 'traffic');
  };

  /** Records one observation. */
  observe(up: boolean, source: QontoHealthSource): void {
    if (this.#state === undefined) this.#registry.registerMetric(this.#up);
    this.#state = up;
    this.#up.set(up ? 1 : 0);
    if (up) {
      if (this.#lastSeenUpAt === undefined) this.#registry.registerMetric(this.#lastSeenUp);
      this.#lastSeenUpAt = this.#now();
      this.#lastSeenUp.set(this.#lastSeenUpAt / 1000);
    }
    for (const listener of this.#listeners) listener(up, source);
  }

  /** Calls `listener` after every observation; returns the unsubscribe function. */
  onObservation(listener: (up: boolean, source: QontoHealthSource) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** Options of {@link startQontoProbe}. */
export interface QontoProbeOptions {
  health: QontoHealth;
  /** One authenticated Qonto call with the gateway's own credentials, through the shared transport. */
  call: () => Promise<unknown>;
  /** Time between probes, default 30 000 ms. */
  intervalMs?: number;
  /** Probes skipped after Qonto refused the credentials (so a revoked key cannot spend the 401 budget), default 9. */
  pauseAfterRefusal?: number;
  logger?: Logger | undefined;
}

/** A running probe. */
export interface QontoProbe {
  /** Probes now (unless one is running); resolves when done. Never rejects. */
  probe(): Promise<void>;
  /** Stops the timer; a probe in flight is no longer recorded. */
  stop(): void;
}

/**
 * Probes Qonto periodically with real credentials (static auth mode: the gateway's own), never
 * unauthenticated: a first probe at once, then one per interval on an unref'd timer. Each probe is
 * one request counted against the quota like any other. When Qonto refuses the credentials (401),
 * the next probes are skipped and a warning logged.
 */
export function startQontoProbe(options: QontoProbeOptions): QontoProbe {
  const intervalMs = options.intervalMs ?? 30_000;
  const pauseAfterRefusal = options.pauseAfterRefusal ?? 9;
  let running: Promise<void> | undefined;
  let skip = 0;
  let stopped = false;

  const probe = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= (async () => {
      let up: boolean;
      try {
        await options.call();
        up = true;
      } catch (error) {
        const status = qontoHttpStatus(error);
        up = status !== undefined && status < 500;
        if (isHttpError(error, 401)) {
          skip = pauseAfterRefusal;
          if (!stopped)
            options.logger?.warn(
              { route: error.route },
              "Qonto refused the gateway's own credentials (401); check QONTO_API_LOGIN / QONTO_API_SECRET_KEY / QONTO_ACCESS_TOKEN",
            );
        }
      }
      if (!stopped) options.health.observe(up, 'probe');
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    if (skip > 0) {
      skip--;
      return;
    }
    void probe();
  }, intervalMs);
  timer.unref();
  void probe();

  return {
    probe,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
