import { z } from 'zod';
import { ConfigError, emptyToUndefined, integer, optionalString, parseEnv, qontoApiUrl, qontoEnvironment } from './env-fields.js';
import { isExactOrigin } from './http/origin.js';

export { ConfigError };

/** Qonto's sandbox host: `QONTO_ENVIRONMENT` defaults to `sandbox` for it (docs/qonto-facts.md#environments-and-sandbox). */
export const QONTO_SANDBOX_HOST = 'thirdparty-sandbox.staging.qonto.co';

/** How the gateway authenticates to Qonto. */
export type QontoAuthConfig =
  | { mode: 'forward' }
  | {
      mode: 'static';
      /** The gateway's own `Authorization` value for Qonto; unset only in simulator mode (demo credentials fill it). */
      authorization: string | undefined;
      /** Keys callers present as `Authorization: Bearer <key>`. */
      gatewayApiKeys: string[];
    };

/** The validated environment contract (README.md#configuration). */
export interface GatewayConfig {
  port: number;
  host: string;
  qonto: {
    /** Qonto base URL without `/v2`; undefined = start the embedded simulator. */
    apiUrl: string | undefined;
    environment: 'production' | 'sandbox';
    stagingToken: string | undefined;
    auth: QontoAuthConfig;
    timeoutMs: number;
    maxInFlight: number;
    maxRetries: number;
    /**
     * Longest a logical call may take, attempts and backoff included (`QONTO_CALL_DEADLINE_MS`):
     * a hung Qonto costs a request at most this, then the breaker answers at once.
     */
    callDeadlineMs: number;
    /**
     * Qonto requests per 10 s this process may send (`QONTO_RATE_LIMIT`); ten times that per 10 min.
     * Above Qonto's 1,000 only for an address Qonto granted more, or a load test against the simulator.
     */
    rateLimit: number;
    /**
     * Largest share, in percent, of the process's requests per window and of its upstream slots that
     * one credential may hold (`QONTO_CREDENTIAL_SHARE_PERCENT`), so that no tenant can exhaust them:
     * 50 by default in forward mode, 100 in static mode (one upstream credential).
     */
    credentialSharePercent: number;
    /** Longest a request may wait for its turn before failing with UPSTREAM_RATE_LIMITED (`QONTO_MAX_QUEUE_WAIT_MS`). */
    maxQueueWaitMs: number;
    /** Qonto calls one GraphQL operation (or one subscription update) may make (`QONTO_MAX_CALLS_PER_OPERATION`). */
    maxCallsPerOperation: number;
    /** Largest Qonto response body read (`QONTO_MAX_RESPONSE_BYTES`); a larger one fails the call. */
    maxResponseBytes: number;
    /** Consecutive failures (timeouts, network errors, 5xx) that open the circuit breaker (`QONTO_BREAKER_FAILURES`). */
    breakerFailures: number;
    /** How long the breaker stays open before one trial call (`QONTO_BREAKER_OPEN_MS`). */
    breakerOpenMs: number;
    /** 401 answers from Qonto this process may collect per hour (`QONTO_401_BUDGET_PER_HOUR`); Qonto throttles past 200. */
    unauthorizedBudgetPerHour: number;
    /** How long a credential Qonto refused is refused locally (`QONTO_REFUSED_CREDENTIAL_TTL_MS`). */
    refusedCredentialTtlMs: number;
    /** Longest age of a cached Qonto read (`QONTO_CACHE_TTL_MS`); 0 turns the cache off. */
    cacheTtlMs: number;
  };
  /** What the gateway's own HTTP/WebSocket edge accepts. */
  gateway: {
    /** Origins allowed cross-origin (`CORS_ORIGINS`); empty = no CORS headers at all. */
    corsOrigins: string[];
    /** Failed authentications one client address may cause per hour (`GATEWAY_AUTH_FAILURES_PER_ADDRESS`). */
    authFailuresPerAddress: number;
    /** Proxies in front of the gateway whose `X-Forwarded-For` entry is trusted (`GATEWAY_TRUSTED_PROXIES`). */
    trustedProxies: number;
    /** Subscriptions one graphql-ws socket may run at once (`GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET`). */
    maxSubscriptionsPerSocket: number;
  };
  /** Accepted webhook secrets (rotation); empty in simulator mode until the simulator generates one. */
  webhookSecrets: string[];
  redisUrl: string | undefined;
  lifecyclePollIntervalMs: number;
  /** Reconciliation polls per second across every watched invoice (Qonto allows 10 000 requests per 10 min per IP). */
  lifecycleMaxPollsPerSecond: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  simulator: {
    /** Pace of the simulated e-invoicing network between lifecycle events. */
    stepIntervalMs: number;
    /** Port of the embedded simulator (0 = any free port). */
    port: number;
  };
}

const commaList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    ),
);
const envSchema = z.object({
  PORT: integer(4000, 0, 65535),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  QONTO_API_URL: qontoApiUrl,
  QONTO_ENVIRONMENT: qontoEnvironment,
  QONTO_STAGING_TOKEN: optionalString,
  QONTO_AUTH_MODE: z.preprocess(
    emptyToUndefined,
    z.enum(['forward', 'static'], { error: 'must be "forward" or "static"' }).default('forward'),
  ),
  QONTO_API_LOGIN: optionalString,
  QONTO_API_SECRET_KEY: optionalString,
  QONTO_ACCESS_TOKEN: optionalString,
  GATEWAY_API_KEYS: commaList,
  QONTO_WEBHOOK_SECRET: commaList,
  QONTO_TIMEOUT_MS: integer(10_000, 100, 120_000),
  QONTO_MAX_IN_FLIGHT: integer(16, 1, 1000),
  QONTO_MAX_RETRIES: integer(3, 0, 10),
  QONTO_CALL_DEADLINE_MS: integer(15_000, 100, 300_000),
  QONTO_RATE_LIMIT: integer(900, 1, 1_000_000),
  QONTO_CREDENTIAL_SHARE_PERCENT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be an integer' })
      .min(1, { error: 'must be at least 1' })
      .max(100, { error: 'must be at most 100' })
      .optional(),
  ),
  QONTO_MAX_QUEUE_WAIT_MS: integer(2000, 0, 60_000),
  QONTO_MAX_CALLS_PER_OPERATION: integer(100, 1, 10_000),
  QONTO_MAX_RESPONSE_BYTES: integer(8 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  QONTO_BREAKER_FAILURES: integer(5, 1, 1000),
  QONTO_BREAKER_OPEN_MS: integer(5000, 100, 600_000),
  QONTO_401_BUDGET_PER_HOUR: integer(100, 1, 190),
  QONTO_REFUSED_CREDENTIAL_TTL_MS: integer(600_000, 1000, 86_400_000),
  QONTO_CACHE_TTL_MS: integer(30_000, 0, 86_400_000),
  CORS_ORIGINS: commaList.refine((origins) => origins.every(isExactOrigin), {
    error:
      'must be comma-separated origins like https://app.example.com (scheme, lower-case host, port if not the default; no path, no trailing /, no * or null)',
  }),
  GATEWAY_AUTH_FAILURES_PER_ADDRESS: integer(20, 1, 10_000),
  GATEWAY_TRUSTED_PROXIES: integer(0, 0, 10),
  GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET: integer(50, 1, 10_000),
  REDIS_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
  LIFECYCLE_POLL_INTERVAL_MS: integer(15_000, 100, 86_400_000),
  LIFECYCLE_MAX_POLLS_PER_SECOND: integer(5, 1, 1000),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  SIMULATOR_STEP_MS: integer(2000, 0, 3_600_000),
  SIMULATOR_PORT: integer(0, 0, 65535),
});

/**
 * Parses and validates the environment once. Throws a {@link ConfigError} whose message is a
 * single line naming the variable and what is wrong; never echoes secret values.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(envSchema, env);
  const apiUrl = e.QONTO_API_URL;
  const environment = e.QONTO_ENVIRONMENT ?? (apiUrl && new URL(apiUrl).hostname === QONTO_SANDBOX_HOST ? 'sandbox' : 'production');

  if (environment === 'sandbox' && apiUrl && !e.QONTO_STAGING_TOKEN) {
    throw new ConfigError('Invalid QONTO_STAGING_TOKEN: required when QONTO_ENVIRONMENT is sandbox');
  }
  if (apiUrl && e.QONTO_WEBHOOK_SECRET.length === 0) {
    throw new ConfigError('Invalid QONTO_WEBHOOK_SECRET: required when QONTO_API_URL is set');
  }

  let auth: QontoAuthConfig = { mode: 'forward' };
  if (e.QONTO_AUTH_MODE === 'static') {
    if (e.GATEWAY_API_KEYS.length === 0) {
      throw new ConfigError('Invalid GATEWAY_API_KEYS: required when QONTO_AUTH_MODE is static');
    }
    if ((e.QONTO_API_LOGIN === undefined) !== (e.QONTO_API_SECRET_KEY === undefined)) {
      const missing = e.QONTO_API_LOGIN === undefined ? 'QONTO_API_LOGIN' : 'QONTO_API_SECRET_KEY';
      throw new ConfigError(`Invalid ${missing}: QONTO_API_LOGIN and QONTO_API_SECRET_KEY go together`);
    }
    let authorization: string | undefined;
    if (e.QONTO_API_LOGIN && e.QONTO_API_SECRET_KEY) authorization = `${e.QONTO_API_LOGIN}:${e.QONTO_API_SECRET_KEY}`;
    else if (e.QONTO_ACCESS_TOKEN) authorization = `Bearer ${e.QONTO_ACCESS_TOKEN}`;
    if (!authorization && apiUrl) {
      throw new ConfigError('Invalid QONTO_API_LOGIN: static auth needs QONTO_API_LOGIN + QONTO_API_SECRET_KEY, or QONTO_ACCESS_TOKEN');
    }
    auth = { mode: 'static', authorization, gatewayApiKeys: e.GATEWAY_API_KEYS };
  }

  return {
    port: e.PORT,
    host: e.HOST,
    qonto: {
      apiUrl,
      environment,
      stagingToken: environment === 'sandbox' ? e.QONTO_STAGING_TOKEN : undefined,
      auth,
      timeoutMs: e.QONTO_TIMEOUT_MS,
      maxInFlight: e.QONTO_MAX_IN_FLIGHT,
      maxRetries: e.QONTO_MAX_RETRIES,
      callDeadlineMs: e.QONTO_CALL_DEADLINE_MS,
      rateLimit: e.QONTO_RATE_LIMIT,
      // Static mode sends one credential upstream: there is nobody to share with.
      credentialSharePercent: e.QONTO_CREDENTIAL_SHARE_PERCENT ?? (auth.mode === 'static' ? 100 : 50),
      maxQueueWaitMs: e.QONTO_MAX_QUEUE_WAIT_MS,
      maxCallsPerOperation: e.QONTO_MAX_CALLS_PER_OPERATION,
      maxResponseBytes: e.QONTO_MAX_RESPONSE_BYTES,
      breakerFailures: e.QONTO_BREAKER_FAILURES,
      breakerOpenMs: e.QONTO_BREAKER_OPEN_MS,
      unauthorizedBudgetPerHour: e.QONTO_401_BUDGET_PER_HOUR,
      refusedCredentialTtlMs: e.QONTO_REFUSED_CREDENTIAL_TTL_MS,
      cacheTtlMs: e.QONTO_CACHE_TTL_MS,
    },
    gateway: {
      corsOrigins: e.CORS_ORIGINS,
      authFailuresPerAddress: e.GATEWAY_AUTH_FAILURES_PER_ADDRESS,
      trustedProxies: e.GATEWAY_TRUSTED_PROXIES,
      maxSubscriptionsPerSocket: e.GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET,
    },
    webhookSecrets: e.QONTO_WEBHOOK_SECRET,
    redisUrl: e.REDIS_URL,
    lifecyclePollIntervalMs: e.LIFECYCLE_POLL_INTERVAL_MS,
    lifecycleMaxPollsPerSecond: e.LIFECYCLE_MAX_POLLS_PER_SECOND,
    logLevel: e.LOG_LEVEL,
    simulator: { stepIntervalMs: e.SIMULATOR_STEP_MS, port: e.SIMULATOR_PORT },
  };
}
