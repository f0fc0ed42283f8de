import { LRUCache } from 'lru-cache';
import { credentialKey } from '../auth.js';
import { SlidingWindowLog } from './sliding-window.js';

const HOUR_MS = 3_600_000;

/** Options of {@link CredentialGuard}. */
export interface CredentialGuardOptions {
  /** 401 answers the process may collect per sliding hour, reservations included. */
  unauthorizedBudgetPerHour: number;
  /** How long a credential Qonto answered 401 is refused locally. */
  refusedCredentialTtlMs: number;
  /** How long a credential Qonto accepted stays verified without a new answer, default one hour. */
  verifiedTtlMs?: number;
  /** Credentials remembered as refused, and as verified, default 50 000 each (least recently used go first). */
  maxTrackedCredentials?: number;
  /** Clock, default `Date.now` (read at each call). */
  now?: () => number;
}

/** Why the guard refused a credential without calling Qonto. */
export type CredentialRefusalReason =
  /** Qonto answered 401 for this credential recently. */
  | 'refused'
  /** The hour's 401 budget is spent and this credential is not verified. */
  | 'budget_exhausted';

/** A credential refused locally; `retryAfterMs` says when trying again may help. */
export class CredentialRefusal extends Error {
  override name = 'CredentialRefusal';
  constructor(
    readonly reason: CredentialRefusalReason,
    readonly retryAfterMs: number,
  ) {
    super(
      reason === 'refused'
        ? 'Qonto refused these credentials recently; they are refused locally until they expire from the cache'
        : 'The gateway is protecting Qonto’s limit on failed authentications: credentials not yet accepted by Qonto are refused for now; retry later',
    );
  }
}

/**
 * Permission for one logical call to reach Qonto, from {@link CredentialGuard.admit}. Report
 * every answer with {@link observe} and call {@link end} once the call is over.
 */
export interface CredentialPass {
  /** True when the credential was unverified: the call holds one unit of the 401 budget. */
  readonly probing: boolean;
  /** Reports an HTTP status Qonto answered. */
  observe(status: number): void;
  /** Releases what the pass holds and lets waiting calls of the same credential go on; idempotent. */
  end(): void;
}

/** What the guard holds right now, for metrics. */
export interface CredentialGuardStats {
  /** 401 answers seen in the last hour (counted up to the tracking capacity). */
  unauthorizedLastHour: number;
  /** Budget units held by calls of unverified credentials in flight. */
  reserved: number;
  unauthorizedBudgetPerHour: number;
  /** Credentials refused locally. */
  refused: number;
  /** Credentials Qonto has accepted recently. */
  verified: number;
}

interface Probe {
  done: Promise<void>;
  finish: () => void;
}

/**
 * Protects Qonto's limit on 401 answers per address, which every tenant of the gateway shares.
 *
 * Credentials are tracked by the SHA-256 of their `Authorization` value, never the value itself.
 * A credential Qonto answered 401 is refused locally for a while. A credential Qonto answered with
 * anything showing it got past authentication is verified, and verified credentials always pass.
 * An unverified credential reserves one unit of the hourly 401 budget for its call, and only one
 * call per unverified credential is in flight at a time (the others wait for its verdict), so a
 * burst of bad credentials costs at most the budget. Once the 401s of the last hour plus the
 * reservations reach the budget, unverified credentials are refused until the hour slides on.
 */
export class CredentialGuard {
  readonly #budget: number;
  readonly #now: () => number;
  readonly #refused: LRUCache<string, true>;
  readonly #verified: LRUCache<string, true>;
  readonly #unauthorized: SlidingWindowLog;
  readonly #probes = new Map<string, Probe>();
  #reserved = 0;

  constructor(options: CredentialGuardOptions) {
    if (!Number.isInteger(options.unauthorizedBudgetPerHour) || options.unauthorizedBudgetPerHour < 1) {
      throw new RangeError('unauthorizedBudgetPerHour must be a positive integer');
    }
    this.#budget = options.unauthorizedBudgetPerHour;
    this.#now = options.now ?? (() => Date.now());
    const perf = { now: () => this.#now() };
    const max = options.maxTrackedCredentials ?? 50_000;
    this.#refused = new LRUCache<string, true>({ max, ttl: options.refusedCredentialTtlMs, perf, ttlResolution: 0 });
    this.#verified = new LRUCache<string, true>({ max, ttl: options.verifiedTtlMs ?? HOUR_MS, perf, ttlResolution: 0 });
    this.#unauthorized = new SlidingWindowLog(HOUR_MS, Math.max(this.#budget, 1000));
  }

  /** True when Qonto has accepted `authorization` recently (and not refused it since). */
  isVerified(authorization: string): boolean {
    return this.isVerifiedKey(credentialKey(authorization));
  }

  /** {@link isVerified} by credential key (the SHA-256 hex of the `Authorization` value). */
  isVerifiedKey(key: string): boolean {
    return this.#verified.has(key);
  }

  /**
   * Admits one call of the credential `key`: resolves with a pass, waits while another call of
   * the same unverified credential is in flight, or rejects with a {@link CredentialRefusal}
   * (or `signal.reason` when the caller aborts while waiting).
   */
  async admit(key: string, signal?: AbortSignal): Promise<CredentialPass> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (this.#refused.has(key)) {
        // the cache drops an entry once it is older than its TTL: one millisecond after what remains
        throw new CredentialRefusal('refused', Math.ceil(this.#refused.getRemainingTTL(key)) + 1);
      }
      if (this.#verified.has(key)) return this.#pass(key, undefined);
      const probe = this.#probes.get(key);
      if (probe) {
        await waitFor(probe.done, signal);
        continue;
      }
      const now = this.#now();
      const seen = this.#unauthorized.count(now);
      if (seen + this.#reserved >= this.#budget) {
        // Reservations end with their calls; only the 401s already seen need the hour to slide.
        const wait = seen >= this.#budget ? this.#unauthorized.msUntilRoomFor(1, now, this.#budget) : 0;
        throw new CredentialRefusal('budget_exhausted', Math.max(1000, Math.ceil(wait)));
      }
      this.#reserved++;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const created: Probe = { done, finish };
      this.#probes.set(key, created);
      return this.#pass(key, created);
    }
  }

  /** Current state, for metrics (drops expired entries first: O(n), meant for scrapes). */
  stats(): CredentialGuardStats {
    this.#refused.purgeStale();
    this.#verified.purgeStale();
    return {
      unauthorizedLastHour: this.#unauthorized.count(this.#now()),
      reserved: this.#reserved,
      unauthorizedBudgetPerHour: this.#budget,
      refused: this.#refused.size,
      verified: this.#verified.size,
    };
  }

  #pass(key: string, probe: Probe | undefined): CredentialPass {
    let holding = probe !== undefined;
    let ended = false;
    const releaseReservation = () => {
      if (!holding) return;
      holding = false;
      this.#reserved--;
    };
    const finishProbe = () => {
      if (!probe) return;
      if (this.#probes.get(key) === probe) this.#probes.delete(key);
      probe.finish();
    };
    return {
      probing: probe !== undefined,
      observe: (status) => {
        if (ended) return;
        if (status === 401) {
          this.#unauthorized.record(this.#now());
          this.#verified.delete(key);
          this.#refused.set(key, true);
        } else if (provesAuthentication(status)) {
          this.#verified.set(key, true);
        } else {
          return;
        }
        releaseReservation();
        finishProbe();
      },
      end: () => {
        if (ended) return;
        ended = true;
        releaseReservation();
        finishProbe();
      },
    };
  }
}

/**
 * True for an answer that Qonto gives only once authentication passed: any status below 500
 * except 401 and 429 (a rate limit or a server error may come before the credential is checked).
 */
function provesAuthentication(status: number): boolean {
  return status < 500 && status !== 401 && status !== 429;
}

function waitFor(done: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return done;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void done.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
