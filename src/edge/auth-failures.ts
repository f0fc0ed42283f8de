import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { credentialKey, resolveCaller } from '../auth.js';
import type { QontoAuthConfig } from '../config.js';

/**
 * Credentials Qonto has already accepted. The Qonto transport knows them; the edge only asks.
 */
export interface VerifiedCredentials {
  /** True when Qonto already accepted this upstream `Authorization` value. */
  isVerified(authorization: string): boolean;
}

/** The default {@link VerifiedCredentials}: nothing is known to be good. */
export const NOTHING_VERIFIED: VerifiedCredentials = { isVerified: () => false };

/**
 * One request's (or one WebSocket's) use of a credential, told how it ended. Each attempt counts
 * at most one failed authentication, however many refusals it saw.
 */
export interface AuthAttempt {
  /** The credential was not refused. */
  succeeded(): void;
  /** The credential was refused (UNAUTHENTICATED, HTTP 401, a refused graphql-ws connection). */
  failed(): void;
}

/** The outcome of {@link AuthFailureLimiter.admit}. */
export type Admission =
  | {
      admitted: true;
      /** The credential is known good (it needs no check with Qonto). */
      verified: boolean;
      attempt: AuthAttempt;
    }
  | { admitted: false; retryAfterMs: number };

/** Options of {@link AuthFailureLimiter}. */
export interface AuthFailureLimiterOptions {
  /** Failed authentications one address may cause per window (`GATEWAY_AUTH_FAILURES_PER_ADDRESS`). */
  failuresPerWindow: number;
  /** Length of the window, default one hour. */
  windowMs?: number;
  /** True when the presented `Authorization` value is already known good: never refused here. */
  isVerified(presented: string): boolean;
}

const ONE_HOUR_MS = 3_600_000;

/** One reserved failure shared by the concurrent requests of one credential from one address. */
interface SharedReservation {
  holders: number;
  failed?: boolean;
  reserved: Promise<{ ok: true; attempt: AuthAttempt } | { ok: false; retryAfterMs: number }>;
}
const IGNORED: AuthAttempt = { succeeded: () => undefined, failed: () => undefined };

/**
 * Limits failed authentications per client address, so that no client can spend the gateway's
 * 401 budget at Qonto (past 200 401s an hour, Qonto throttles the whole gateway:
 * docs/qonto-facts.md#rate-limits) while good credentials keep working
 * (docs/decisions.md#401-budget).
 *
 * A presented credential that is not verified reserves one failure before it is used (the
 * concurrent requests of one credential from one address share one reservation); the reservation
 * is returned when the credential turns out not refused. So however many requests
 * run at once, an address never gets more than its limit of unverified credentials refused per
 * window, and once it is at its limit its unverified credentials are refused locally. Verified
 * credentials are never refused here (every caller may share one office or proxy address), but a
 * refusal they meet still counts. Requests without credentials are neither limited nor counted:
 * they never reach Qonto.
 */
export class AuthFailureLimiter {
  readonly #limiter: RateLimiterMemory;
  readonly #isVerified: (presented: string) => boolean;
  /** Reservations in flight, by address and credential hash: a burst of one credential holds one. */
  readonly #shared = new Map<string, SharedReservation>();

  constructor(options: AuthFailureLimiterOptions) {
    this.#limiter = new RateLimiterMemory({
      keyPrefix: 'auth-failures',
      points: options.failuresPerWindow,
      duration: Math.ceil((options.windowMs ?? ONE_HOUR_MS) / 1000),
    });
    this.#isVerified = options.isVerified;
  }

  /**
   * Admits a request presenting `presented` from `address`, or refuses it locally with the time
   * until the address may try again. Never rejects.
   */
  async admit(address: string, presented: string | null | undefined): Promise<Admission> {
    const credential = presented?.trim();
    if (!credential) return { admitted: true, verified: false, attempt: IGNORED };
    if (this.#isVerified(credential)) return { admitted: true, verified: true, attempt: this.#settledAttempt(address) };
    const key = `${address}\u0000${credentialKey(credential)}`;
    let shared = this.#shared.get(key);
    if (!shared) {
      // registered before the first await, so that a concurrent burst of this credential joins it
      const created: SharedReservation = { holders: 0, reserved: this.#reserve(address) };
      this.#shared.set(key, created);
      shared = created;
    }
    const holder = shared;
    holder.holders++;
    const reserved = await holder.reserved;
    if (!reserved.ok) {
      this.#leave(key, holder);
      return { admitted: false, retryAfterMs: reserved.retryAfterMs };
    }
    return { admitted: true, verified: false, attempt: this.#holderAttempt(key, holder, reserved.attempt) };
  }

  /** Takes one point for `address`: the attempt that settles it, or the time until one frees. */
  async #reserve(address: string): Promise<{ ok: true; attempt: AuthAttempt } | { ok: false; retryAfterMs: number }> {
    try {
      await this.#limiter.consume(address, 1);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(0, rejection.msBeforeNext) };
      return { ok: true, attempt: IGNORED };
    }
    return { ok: true, attempt: this.#reservedAttempt(address) };
  }

  #leave(key: string, shared: SharedReservation): void {
    shared.holders--;
    if (shared.holders === 0 && this.#shared.get(key) === shared) this.#shared.delete(key);
  }

  /**
   * One holder of a shared reservation. A refusal settles it as failed at once (one failure for the
   * whole burst); the reservation is given back only when every holder ended without a refusal.
   */
  #holderAttempt(key: string, shared: SharedReservation, outcome: AuthAttempt): AuthAttempt {
    let ended = false;
    const leave = () => {
      if (ended) return false;
      ended = true;
      this.#leave(key, shared);
      return true;
    };
    return {
      succeeded: () => {
        if (leave() && shared.holders === 0 && !shared.failed) outcome.succeeded();
      },
      failed: () => {
        if (!shared.failed) {
          shared.failed = true;
          outcome.failed();
        }
        leave();
      },
    };
  }

  /**
   * An attempt for a credential already admitted (an accepted WebSocket's later operations): a
   * refusal still counts, nothing is refused locally.
   */
  observe(address: string, presented: string | null | undefined): AuthAttempt {
    return presented?.trim() ? this.#settledAttempt(address) : IGNORED;
  }

  /** Failed authentications counted for `address` in the current window. */
  async failures(address: string): Promise<number> {
    return (await this.#limiter.get(address))?.consumedPoints ?? 0;
  }

  #settledAttempt(address: string): AuthAttempt {
    let failed = false;
    return {
      succeeded: () => undefined,
      failed: () => {
        if (failed) return;
        failed = true;
        void this.#limiter.penalty(address, 1);
      },
    };
  }

  #reservedAttempt(address: string): AuthAttempt {
    let state: 'reserved' | 'succeeded' | 'failed' = 'reserved';
    return {
      succeeded: () => {
        if (state !== 'reserved') return;
        state = 'succeeded';
        void this.#refund(address);
      },
      failed: () => {
        if (state === 'succeeded') void this.#limiter.penalty(address, 1);
        state = 'failed';
      },
    };
  }

  /** Returns one reserved point, unless the window it was taken in has already ended. */
  async #refund(address: string): Promise<void> {
    const current = await this.#limiter.get(address);
    if (current && current.consumedPoints > 0) await this.#limiter.reward(address, 1);
  }
}

/**
 * Whether a presented `Authorization` value is known good: in static mode, one of the gateway's
 * API keys (checked locally); in forward mode, a value Qonto has already accepted.
 */
export function presentedCredentialVerifier(auth: () => QontoAuthConfig, verified: VerifiedCredentials): (presented: string) => boolean {
  return (presented) => {
    const config = auth();
    const resolution = resolveCaller(presented, config);
    if (!resolution.ok || !resolution.caller) return false;
    return config.mode === 'static' || verified.isVerified(resolution.caller.upstreamAuthorization);
  };
}
