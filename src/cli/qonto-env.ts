import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError, QONTO_SANDBOX_HOST } from '../config.js';
import { integer, optionalString, parseEnv, qontoApiUrl, qontoEnvironment } from '../env-fields.js';
import { staticAuthorization } from '../qonto/auth.js';

/** What a command-line tool needs to call Qonto with the operator's own credentials. */
export interface CliQontoConfig {
  /** Qonto base URL without `/v2`. */
  apiUrl: string;
  environment: 'production' | 'sandbox';
  /** Sent as `X-Qonto-Staging-Token`; set only in the sandbox. */
  stagingToken: string | undefined;
  /** The `Authorization` value for Qonto; never print it (see `redactAuthorization`). */
  authorization: string;
  timeoutMs: number;
  maxRetries: number;
  /** True unless `apiUrl`'s host is loopback (127.0.0.0/8, `localhost`, `::1`): then callbacks must be https. */
  realQonto: boolean;
}

const cliEnvSchema = z.object({
  QONTO_API_URL: qontoApiUrl,
  QONTO_ENVIRONMENT: qontoEnvironment,
  QONTO_STAGING_TOKEN: optionalString,
  QONTO_API_LOGIN: optionalString,
  QONTO_API_SECRET_KEY: optionalString,
  QONTO_ACCESS_TOKEN: optionalString,
  QONTO_TIMEOUT_MS: integer(10_000, 100, 120_000),
  QONTO_MAX_RETRIES: integer(3, 0, 10),
});

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * True when `hostname` (as `URL.hostname` gives it, IPv6 in brackets) names this machine:
 * `localhost`, an address in 127.0.0.0/8, `::1`, or an IPv4-mapped loopback address.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return loopback.check(host, 'ipv4');
  if (family === 6) return loopback.check(host, 'ipv6');
  return false;
}

/**
 * Reads the Qonto part of the environment contract (README.md#configuration) for a command-line
 * tool: `QONTO_API_URL` (required), `QONTO_ENVIRONMENT`, `QONTO_STAGING_TOKEN`, and credentials
 * (`QONTO_API_LOGIN` + `QONTO_API_SECRET_KEY`, or `QONTO_ACCESS_TOKEN`), required whatever
 * `QONTO_AUTH_MODE` says; `QONTO_TIMEOUT_MS` and `QONTO_MAX_RETRIES` as for the gateway. Unlike `loadConfig` it does not need `QONTO_WEBHOOK_SECRET`.
 * Throws a {@link ConfigError} whose message is one line naming the variable; never echoes a secret.
 */
export function loadCliQontoConfig(env: NodeJS.ProcessEnv): CliQontoConfig {
  const e = parseEnv(cliEnvSchema, env);
  const apiUrl = e.QONTO_API_URL;
  if (!apiUrl) {
    throw new ConfigError(
      'Invalid QONTO_API_URL: required (e.g. https://thirdparty.qonto.com, or http://127.0.0.1:4010 for `npm run simulator`)',
    );
  }
  const hostname = new URL(apiUrl).hostname;
  const environment = e.QONTO_ENVIRONMENT ?? (hostname === QONTO_SANDBOX_HOST ? 'sandbox' : 'production');
  if (environment === 'sandbox' && !e.QONTO_STAGING_TOKEN) {
    throw new ConfigError('Invalid QONTO_STAGING_TOKEN: required when QONTO_ENVIRONMENT is sandbox');
  }
  if ((e.QONTO_API_LOGIN === undefined) !== (e.QONTO_API_SECRET_KEY === undefined)) {
    const missing = e.QONTO_API_LOGIN === undefined ? 'QONTO_API_LOGIN' : 'QONTO_API_SECRET_KEY';
    throw new ConfigError(`Invalid ${missing}: QONTO_API_LOGIN and QONTO_API_SECRET_KEY go together`);
  }
  if (!e.QONTO_API_LOGIN && !e.QONTO_ACCESS_TOKEN) {
    throw new ConfigError(
      'Invalid QONTO_API_LOGIN: credentials required: set QONTO_API_LOGIN + QONTO_API_SECRET_KEY, or QONTO_ACCESS_TOKEN',
    );
  }
  const authorization = staticAuthorization({
    apiLogin: e.QONTO_API_LOGIN,
    apiSecretKey: e.QONTO_API_SECRET_KEY,
    accessToken: e.QONTO_ACCESS_TOKEN,
  });
  if (/[\r\n\0]/.test(authorization)) {
    const variable = e.QONTO_API_LOGIN ? 'QONTO_API_SECRET_KEY' : 'QONTO_ACCESS_TOKEN';
    throw new ConfigError(`Invalid ${variable}: contains a line break or NUL character`);
  }
  return {
    apiUrl,
    environment,
    stagingToken: environment === 'sandbox' ? e.QONTO_STAGING_TOKEN : undefined,
    authorization,
    timeoutMs: e.QONTO_TIMEOUT_MS,
    maxRetries: e.QONTO_MAX_RETRIES,
    realQonto: !isLoopbackHost(hostname),
  };
}
