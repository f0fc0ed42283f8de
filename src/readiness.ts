/** The readiness verdict served on `/readiness`. */
export interface ReadinessResult {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** The part of an ioredis client readiness uses. */
export interface PingableRedis {
  /** ioredis connection state: `ready` once connected. */
  readonly status: string;
  ping(): Promise<string>;
}

/** Options of {@link Readiness}. */
export interface ReadinessOptions {
  /** The gateway's Redis client, when `REDIS_URL` is set. */
  redis?: PingableRedis | undefined;
  /** Longest wait for Redis's PONG, default 1000 ms. */
  redisTimeoutMs?: number;
}

/**
 * Whether this replica should receive traffic (docs/decisions.md#readiness): its config is loaded,
 * Redis answers when configured, and it is not draining. Qonto's health is deliberately not part of
 * it (it is the `qonto_up` metric): a Qonto outage must not take every replica out of the load
 * balancer, and a probe to Qonto would spend the shared quota.
 */
export class Readiness {
  readonly #redis: PingableRedis | undefined;
  readonly #redisTimeoutMs: number;
  #draining = false;
  #redisCheck: Promise<{ ok: boolean; detail?: string }> | undefined;

  constructor(options: ReadinessOptions = {}) {
    this.#redis = options.redis;
    this.#redisTimeoutMs = options.redisTimeoutMs ?? 1000;
  }

  /** True once shutdown started. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Marks the replica as shutting down: every later check answers not ready at once. */
  startDraining(): void {
    this.#draining = true;
  }

  /** The current verdict; concurrent checks share one Redis ping. */
  async check(): Promise<ReadinessResult> {
    const checks: ReadinessResult['checks'] = { config: { ok: true } };
    if (this.#draining) return { ok: false, checks: { ...checks, draining: { ok: false, detail: 'shutting down' } } };
    if (this.#redis) checks['redis'] = await this.#pingRedis(this.#redis);
    if (this.#draining) return { ok: false, checks: { ...checks, draining: { ok: false, detail: 'shutting down' } } };
    return { ok: Object.values(checks).every((check) => check.ok), checks };
  }

  #pingRedis(redis: PingableRedis): Promise<{ ok: boolean; detail?: string }> {
    if (redis.status !== 'ready') return Promise.resolve({ ok: false, detail: `connection ${redis.status}` });
    this.#redisCheck ??= new Promise<{ ok: boolean; detail?: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, detail: 'no answer to PING' }), this.#redisTimeoutMs);
      timer.unref();
      const answer = (result: { ok: boolean; detail?: string }) => {
        clearTimeout(timer);
        resolve(result);
      };
      redis.ping().then(
        (pong) => answer(pong === 'PONG' ? { ok: true } : { ok: false, detail: 'unexpected answer to PING' }),
        (error: unknown) => answer({ ok: false, detail: error instanceof Error ? error.name : 'PING failed' }),
      );
    }).finally(() => {
      this.#redisCheck = undefined;
    });
    return this.#redisCheck;
  }
}
