import { describe, expect, it } from 'vitest';
import { isCredentialRefused } from '../../src/qonto/errors.js';
import { isHttpError, isNotFound, QontoError, qontoHttpStatus, redactAuthorization, staticAuthorization } from '../../src/qonto/index.js';
import { backoffDelay, parseRetryAfter } from '../../src/qonto/retry.js';

describe('auth', () => {
  it('builds the API key form without Basic or Base64, and the Bearer form', () => {
    expect(staticAuthorization({ apiLogin: 'acme-1234', apiSecretKey: 'sk' })).toBe('acme-1234:sk');
    expect(staticAuthorization({ accessToken: 'ory_at_x' })).toBe('Bearer ory_at_x');
    expect(staticAuthorization({ apiLogin: 'acme-1234', apiSecretKey: 'sk', accessToken: 't' })).toBe('acme-1234:sk');
    expect(() => staticAuthorization({ apiLogin: 'acme-1234' })).toThrow(TypeError);
    expect(() => staticAuthorization({})).toThrow(TypeError);
  });

  it('redacts for logs', () => {
    expect(redactAuthorization('Bearer ory_at_secret')).toBe('Bearer ***');
    expect(redactAuthorization('bearer   x')).toBe('bearer ***');
    expect(redactAuthorization('acme-1234:secret')).toBe('acme-1234:***');
    expect(redactAuthorization('opaque')).toBe('***');
    expect(redactAuthorization(undefined)).toBe('(none)');
  });
});

describe('retry helpers', () => {
  it('computes full-jitter exponential backoff, capped', () => {
    expect([0, 1, 2, 3].map((i) => backoffDelay(i, 250, 30_000, () => 1))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelay(10, 1000, 30_000, () => 0.5)).toBe(15_000);
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(0);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2025, 0, 1);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(new Date(now + 10_000).toUTCString(), now)).toBe(10_000);
    expect(parseRetryAfter(new Date(now - 10_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});

describe('QontoError', () => {
  it('has readable messages for each kind', () => {
    const base = { method: 'GET', route: '/v2/clients/{id}' };
    expect(new QontoError({ ...base, kind: 'network', attempts: 4 }).message).toBe(
      'Qonto GET /v2/clients/{id} could not reach Qonto after 4 attempts',
    );
    expect(new QontoError({ ...base, kind: 'http', status: 500, attempts: 1 }).message).toBe(
      'Qonto GET /v2/clients/{id} failed with HTTP 500',
    );
    const error = new QontoError({ ...base, kind: 'http', status: 404, attempts: 1, errors: [{ code: 'not_found' }], traceId: 't' });
    expect(error.message).toBe('Qonto GET /v2/clients/{id} failed with HTTP 404 not_found (trace t)');
    expect(error.name).toBe('QontoError');
    expect(error).toBeInstanceOf(Error);
  });
});

describe('QontoError predicates', () => {
  const base = { method: 'GET', route: '/v2/clients/{id}', attempts: 1 };
  const http = (status: number) => new QontoError({ ...base, kind: 'http', status });

  it('qontoHttpStatus: the status of an HTTP error only', () => {
    expect(qontoHttpStatus(http(422))).toBe(422);
    expect(qontoHttpStatus(new QontoError({ ...base, kind: 'response_too_large', status: 200 }))).toBeUndefined();
    expect(qontoHttpStatus(new QontoError({ ...base, kind: 'timeout' }))).toBeUndefined();
    expect(qontoHttpStatus(Object.assign(new Error('x'), { status: 404 }))).toBeUndefined();
    expect(qontoHttpStatus(undefined)).toBeUndefined();
  });

  it('isHttpError: any HTTP error, or one of the given statuses', () => {
    expect(isHttpError(http(500))).toBe(true);
    expect(isHttpError(http(404), 403, 404)).toBe(true);
    expect(isHttpError(http(412), 403, 404)).toBe(false);
    expect(isHttpError(new QontoError({ ...base, kind: 'credential_refused' }))).toBe(false);
    expect(isHttpError(new Error('HTTP 404'), 404)).toBe(false);
  });

  it('isNotFound and isCredentialRefused build on them', () => {
    expect(isNotFound(http(404))).toBe(true);
    expect(isNotFound(http(403))).toBe(false);
    expect(isCredentialRefused(http(401))).toBe(true);
    expect(isCredentialRefused(new QontoError({ ...base, kind: 'credential_refused' }))).toBe(true);
    expect(isCredentialRefused(http(403))).toBe(false);
  });
});
