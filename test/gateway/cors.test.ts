import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const ENDPOINT = 'http://gateway/graphql';
const APP_ORIGIN = 'https://app.example.com';
const DEV_ORIGIN = 'http://localhost:5173';

const corsHeaders = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

let plain: TestStack;
let withOrigins: TestStack;
beforeAll(async () => {
  [plain, withOrigins] = await Promise.all([startStack(), startStack({ env: { CORS_ORIGINS: `${APP_ORIGIN},${DEV_ORIGIN}` } })]);
});
afterAll(async () => {
  await Promise.all([plain.close(), withOrigins.close()]);
});

const query = (stack: TestStack, origin: string) =>
  stack.app.yoga.fetch(ENDPOINT, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', authorization: stack.auth },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
const preflight = (stack: TestStack, origin: string) =>
  stack.app.yoga.fetch(ENDPOINT, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

describe('CORS (CORS_ORIGINS)', () => {
  it('sends no CORS headers at all when CORS_ORIGINS is unset, whatever the Origin', async () => {
    for (const origin of ['https://evil.example', 'null', APP_ORIGIN]) {
      const response = await query(plain, origin);
      expect(response.status).toBe(200);
      expect(corsHeaders(response)).toEqual({});
      const options = await preflight(plain, origin);
      expect(options.status).toBe(204);
      expect(corsHeaders(options)).toEqual({});
    }
  });

  it('allows exactly the listed origins, with credentials', async () => {
    for (const origin of [APP_ORIGIN, DEV_ORIGIN]) {
      const response = await query(withOrigins, origin);
      expect(response.status).toBe(200);
      expect(corsHeaders(response)).toEqual({ 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' });
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
  });

  it('answers a listed origin’s preflight with the methods and headers it may use', async () => {
    const response = await preflight(withOrigins, APP_ORIGIN);
    expect(response.status).toBe(204);
    expect(corsHeaders(response)).toEqual({
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers':
        'authorization, content-type, x-graphql-yoga-csrf, graphql-require-preflight, apollo-require-preflight',
      'access-control-max-age': '600',
    });
  });

  it('gives any other origin, null included, no CORS headers', async () => {
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example', 'http://app.example.com']) {
      const response = await query(withOrigins, origin);
      expect(corsHeaders(response)).toEqual({});
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(corsHeaders(await preflight(withOrigins, origin))).toEqual({});
    }
  });

  it('keeps CORS to the GraphQL path: /health, /readiness, /metrics, the webhook route and unknown paths get none', async () => {
    for (const path of ['/health', '/readiness', '/metrics', '/webhooks/qonto', '/nope']) {
      for (const method of ['GET', 'OPTIONS']) {
        const response = await withOrigins.app.yoga.fetch(`http://gateway${path}`, { method, headers: { origin: APP_ORIGIN } });
        expect(corsHeaders(response)).toEqual({});
        expect(response.headers.get('vary')).toBeNull();
      }
    }
  });

  it.each(['null', '*', 'https://app.example.com/', 'https://App.example.com', 'app.example.com'])(
    'refuses CORS_ORIGINS=%s at start-up with one line',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(
        /^Invalid CORS_ORIGINS: must be comma-separated origins like https:\/\/app\.example\.com/,
      );
    },
  );
});
