import { z } from 'zod';
import { ConfigError, emptyToUndefined, integer, optionalString, parseEnv, qontoApiUrl, qontoEnvironment } from './env-fields.js';

export { ConfigError };

/** Qonto's sandbox host: `QONTO_ENVIRONMENT` defaults to `sandbox` for it (qonto-api.md §2.1). */
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

/** The validated environment contract of design.md §4. */
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
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  ),
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
  const environment =
    e.QONTO_ENVIRONMENT ?? (apiUrl && new URL(apiUrl).hostname === QONTO_SANDBOX_HOST ? 'sandbox' : 'production');

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
      throw new ConfigError(
        'Invalid QONTO_API_LOGIN: static auth needs QONTO_API_LOGIN + QONTO_API_SECRET_KEY, or QONTO_ACCESS_TOKEN',
      );
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
    },
    webhookSecrets: e.QONTO_WEBHOOK_SECRET,
    redisUrl: e.REDIS_URL,
    lifecyclePollIntervalMs: e.LIFECYCLE_POLL_INTERVAL_MS,
    lifecycleMaxPollsPerSecond: e.LIFECYCLE_MAX_POLLS_PER_SECOND,
    logLevel: e.LOG_LEVEL,
    simulator: { stepIntervalMs: e.SIMULATOR_STEP_MS, port: e.SIMULATOR_PORT },
  };
}
