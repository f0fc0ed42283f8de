import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const failure = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to throw');
};

describe('loadConfig', () => {
  it('applies the documented defaults (simulator mode, forward auth)', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.qonto.apiUrl).toBeUndefined();
    expect(config.qonto.environment).toBe('production');
    expect(config.qonto.auth).toEqual({ mode: 'forward' });
    expect(config.qonto.timeoutMs).toBe(10_000);
    expect(config.qonto.maxInFlight).toBe(16);
    expect(config.lifecyclePollIntervalMs).toBe(15_000);
    expect(config.lifecycleMaxPollsPerSecond).toBe(5);
    expect(loadConfig({ LIFECYCLE_MAX_POLLS_PER_SECOND: '40' }).lifecycleMaxPollsPerSecond).toBe(40);
    expect(config.logLevel).toBe('info');
    expect(config.webhookSecrets).toEqual([]);
    expect(config.redisUrl).toBeUndefined();
  });

  it('strips a trailing /v2 and infers sandbox from Qonto sandbox host', () => {
    const config = loadConfig({
      QONTO_API_URL: 'https://thirdparty-sandbox.staging.qonto.co/v2/',
      QONTO_STAGING_TOKEN: 'stg',
      QONTO_WEBHOOK_SECRET: 'whsec_a, whsec_b',
    });
    expect(config.qonto.apiUrl).toBe('https://thirdparty-sandbox.staging.qonto.co');
    expect(config.qonto.environment).toBe('sandbox');
    expect(config.qonto.stagingToken).toBe('stg');
    expect(config.webhookSecrets).toEqual(['whsec_a', 'whsec_b']);
  });

  it('never keeps a staging token outside the sandbox', () => {
    const config = loadConfig({ QONTO_API_URL: 'https://thirdparty.qonto.com', QONTO_STAGING_TOKEN: 'stg', QONTO_WEBHOOK_SECRET: 's' });
    expect(config.qonto.environment).toBe('production');
    expect(config.qonto.stagingToken).toBeUndefined();
  });

  it('builds the static Authorization value from an API key or an access token', () => {
    const apiKey = loadConfig({
      QONTO_AUTH_MODE: 'static',
      QONTO_API_LOGIN: 'acme-1234',
      QONTO_API_SECRET_KEY: 'k',
      GATEWAY_API_KEYS: 'g1,g2',
    });
    expect(apiKey.qonto.auth).toEqual({ mode: 'static', authorization: 'acme-1234:k', gatewayApiKeys: ['g1', 'g2'] });
    const token = loadConfig({ QONTO_AUTH_MODE: 'static', QONTO_ACCESS_TOKEN: 'ory_at_x', GATEWAY_API_KEYS: 'g1' });
    expect(token.qonto.auth).toMatchObject({ authorization: 'Bearer ory_at_x' });
  });

  it.each([
    [{ PORT: 'abc' }, 'Invalid PORT: must be a number'],
    [{ PORT: '70000' }, 'Invalid PORT: must be at most 65535'],
    [{ QONTO_API_URL: 'ftp://example.com' }, 'Invalid QONTO_API_URL: must be an http(s) URL'],
    [{ QONTO_API_URL: 'https://thirdparty.qonto.com' }, 'Invalid QONTO_WEBHOOK_SECRET: required when QONTO_API_URL is set'],
    [{ QONTO_ENVIRONMENT: 'staging' }, 'Invalid QONTO_ENVIRONMENT: must be "production" or "sandbox"'],
    [
      { QONTO_API_URL: 'https://thirdparty-sandbox.staging.qonto.co', QONTO_WEBHOOK_SECRET: 's' },
      'Invalid QONTO_STAGING_TOKEN: required when QONTO_ENVIRONMENT is sandbox',
    ],
    [{ QONTO_AUTH_MODE: 'static' }, 'Invalid GATEWAY_API_KEYS: required when QONTO_AUTH_MODE is static'],
    [
      { QONTO_AUTH_MODE: 'static', GATEWAY_API_KEYS: 'g', QONTO_API_LOGIN: 'acme' },
      'Invalid QONTO_API_SECRET_KEY: QONTO_API_LOGIN and QONTO_API_SECRET_KEY go together',
    ],
    [
      { QONTO_AUTH_MODE: 'static', GATEWAY_API_KEYS: 'g', QONTO_API_URL: 'https://thirdparty.qonto.com', QONTO_WEBHOOK_SECRET: 's' },
      'Invalid QONTO_API_LOGIN: static auth needs QONTO_API_LOGIN + QONTO_API_SECRET_KEY, or QONTO_ACCESS_TOKEN',
    ],
    [{ QONTO_AUTH_MODE: 'oauth' }, 'Invalid QONTO_AUTH_MODE: must be "forward" or "static"'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'Invalid REDIS_URL: must be a redis:// or rediss:// URL'],
    [{ LIFECYCLE_POLL_INTERVAL_MS: '5' }, 'Invalid LIFECYCLE_POLL_INTERVAL_MS: must be at least 100'],
    [{ LIFECYCLE_MAX_POLLS_PER_SECOND: '0' }, 'Invalid LIFECYCLE_MAX_POLLS_PER_SECOND: must be at least 1'],
    [{ LIFECYCLE_MAX_POLLS_PER_SECOND: '2.5' }, 'Invalid LIFECYCLE_MAX_POLLS_PER_SECOND: must be an integer'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
  ])('rejects %o with one line naming the variable', (env, message) => {
    const text = failure(env);
    expect(text).toBe(message);
    expect(text).not.toContain('\n');
  });

  it('never echoes a secret value in its error', () => {
    const text = failure({
      QONTO_AUTH_MODE: 'static',
      GATEWAY_API_KEYS: 'g',
      QONTO_API_LOGIN: 'acme',
      QONTO_ACCESS_TOKEN: 'super-secret-token',
    });
    expect(text).not.toContain('super-secret-token');
  });
});

describe('quota guard settings', () => {
  it('defaults: 900 requests per 10 s, half of them per credential in forward mode, all of them in static mode', () => {
    const forward = loadConfig({});
    expect(forward.qonto.rateLimit).toBe(900);
    expect(forward.qonto.credentialSharePercent).toBe(50);
    expect(forward.qonto.unauthorizedBudgetPerHour).toBe(100);
    const staticMode = loadConfig({ QONTO_AUTH_MODE: 'static', GATEWAY_API_KEYS: 'k1' });
    expect(staticMode.qonto.credentialSharePercent).toBe(100);
    expect(
      loadConfig({ QONTO_AUTH_MODE: 'static', GATEWAY_API_KEYS: 'k1', QONTO_CREDENTIAL_SHARE_PERCENT: '30' }).qonto.credentialSharePercent,
    ).toBe(30);
  });

  it('QONTO_CACHE_TTL_MS: 30 s by default, 0 turns the cache off, a negative value is refused', () => {
    expect(loadConfig({}).qonto.cacheTtlMs).toBe(30_000);
    expect(loadConfig({ QONTO_CACHE_TTL_MS: '0' }).qonto.cacheTtlMs).toBe(0);
    expect(() => loadConfig({ QONTO_CACHE_TTL_MS: '-1' })).toThrow(/QONTO_CACHE_TTL_MS/);
  });

  it('refuses a 401 budget Qonto would throttle, and a share outside 1-100', () => {
    expect(() => loadConfig({ QONTO_401_BUDGET_PER_HOUR: '200' })).toThrow('Invalid QONTO_401_BUDGET_PER_HOUR: must be at most 190');
    expect(() => loadConfig({ QONTO_CREDENTIAL_SHARE_PERCENT: '0' })).toThrow('Invalid QONTO_CREDENTIAL_SHARE_PERCENT: must be at least 1');
    expect(() => loadConfig({ QONTO_RATE_LIMIT: 'fast' })).toThrow('Invalid QONTO_RATE_LIMIT: must be a number');
  });
});
