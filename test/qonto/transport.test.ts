import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isNotFound,
  isQontoError,
  QontoError,
  QontoTransport,
  type QontoTransportOptions,
  type UpstreamCallEvent,
} from '../../src/qonto/index.js';
import { deferred, json, rawHeader, sequence, startFakeQonto, type FakeQonto } from './fake-qonto.js';

const API_KEY = 'acme-1234:s3cr3t-api-key';
const BEARER = 'Bearer ory_at_s3cr3t-token';

let server: FakeQonto;
let transport: QontoTransport | undefined;
let delays: number[];
let events: UpstreamCallEvent[];

function makeTransport(options: Partial<QontoTransportOptions> = {}): QontoTransport {
  transport = new QontoTransport({
    baseUrl: server.url,
    environment: 'production',
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    onUpstreamCall: (event) => events.push(event),
    ...options,
  });
  return transport;
}

function get(t: QontoTransport, path = '/v2/organization', authorization = API_KEY, signal?: AbortSignal) {
  return t.request<Record<string, unknown>>({
    method: 'GET',
    path,
    route: path,
    authorization,
    ...(signal ? { signal } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<QontoError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(isQontoError(error)).toBe(true);
  return error as QontoError;
}

/**
 * Has Qonto accept `authorization` once, so that the credential guard lets its calls run
 * concurrently (an unverified credential has one call in flight at a time).
 */
async function verify(t: QontoTransport, ...authorizations: string[]): Promise<void> {
  const handler = server.requests.length;
  for (const authorization of authorizations) {
    const response = await get(t, `/v2/verify-${handler}`, authorization);
    expect(response.status).toBe(200);
    expect(t.credentials.isVerified(authorization)).toBe(true);
  }
  server.requests.length = 0;
  events.length = 0;
}

const ok = (_req: unknown, res: ServerResponse) => json(res, 200, { organization: { id: 'org-1' } });
const unavailable = (_req: unknown, res: ServerResponse) =>
  json(res, 503, { errors: [{ code: 'unavailable', detail: 'try later' }], trace_id: 'a'.repeat(32) });

beforeEach(async () => {
  server = await startFakeQonto();
  delays = [];
  events = [];
});

afterEach(async () => {
  await transport?.close();
  transport = undefined;
  await server.close();
});

describe('headers', () => {
  it('forwards both Authorization forms verbatim and asks for JSON', async () => {
    server.handle(ok);
    const t = makeTransport();
    await get(t, '/v2/organization', API_KEY);
    await get(t, '/v2/organization', BEARER);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([API_KEY, BEARER]);
    expect(server.requests[0]?.headers.accept).toBe('application/json');
  });

  it('sends X-Qonto-Staging-Token with exact casing in sandbox only', async () => {
    server.handle(ok);
    await get(makeTransport({ environment: 'sandbox', stagingToken: 'stg-123' }));
    await transport?.close();
    await get(makeTransport({ environment: 'production', stagingToken: 'stg-123' }));
    expect(rawHeader(server.requests[0]!, 'X-Qonto-Staging-Token')).toBe('stg-123');
    expect(server.requests[1]?.headers['x-qonto-staging-token']).toBeUndefined();
  });

  it('builds the URL from a base URL with or without /v2 and drops undefined query values', async () => {
    server.handle(ok);
    const t = makeTransport({ baseUrl: `${server.url}/v2/` });
    await t.request({
      method: 'GET',
      path: '/v2/clients',
      route: '/v2/clients',
      authorization: API_KEY,
      query: { page: 2, 'filter[name]': 'Acme SAS', sort_by: undefined },
    });
    const seen = server.requests[0]!;
    expect(seen.path).toBe('/v2/clients');
    expect([...seen.query.entries()]).toEqual([
      ['page', '2'],
      ['filter[name]', 'Acme SAS'],
    ]);
  });

  it('sends JSON bodies with a content type', async () => {
    server.handle((_req, res) => json(res, 201, { client: { id: 'c1' } }));
    const t = makeTransport();
    const response = await t.request({
      method: 'POST',
      path: '/v2/clients',
      route: '/v2/clients',
      authorization: API_KEY,
      json: { name: 'Acme' },
    });
    expect(response.status).toBe(201);
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ name: 'Acme' });
  });

  it('refuses an empty Authorization or one with line breaks, without echoing it', async () => {
    const t = makeTransport();
    await expect(get(t, '/v2/organization', '')).rejects.toThrow(TypeError);
    const error = await get(t, '/v2/organization', 'acme:secret\r\nX-Evil: 1').catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain('secret');
    expect(server.requests).toHaveLength(0);
  });
});

describe('success', () => {
  it('accepts any 2xx with or without a body and exposes the trace id header', async () => {
    server.handle(
      sequence(
        (_req, res) => json(res, 200, { organization: { id: 'o' } }, { 'x-tyk-trace-id': 'trace-ok' }),
        (_req, res) => {
          res.writeHead(204);
          res.end();
        },
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end();
        },
        (_req, res) => {
          res.writeHead(202);
          res.end('   ');
        },
      ),
    );
    const t = makeTransport();
    const first = await get(t);
    expect(first).toMatchObject({ status: 200, body: { organization: { id: 'o' } }, traceId: 'trace-ok' });
    expect(first.headers['content-type']).toBe('application/json');
    expect(await get(t, '/v2/a')).toMatchObject({ status: 204, body: undefined });
    expect(await get(t, '/v2/b')).toMatchObject({ status: 200, body: undefined });
    expect(await get(t, '/v2/c')).toMatchObject({ status: 202, body: undefined });
  });
});

describe('bodies', () => {
  it('reassembles a chunked UTF-8 body split inside a character, and joins repeated headers', async () => {
    const text = JSON.stringify({ client: { name: 'Société Générale — café' } });
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(Buffer.from('é', 'utf8')) + 1; // between the two bytes of "é"
    server.handle((_req, res) => {
      res.writeHead(200, [
        ['content-type', 'application/json'],
        ['x-thing', 'a'],
        ['x-thing', 'b'],
      ]);
      res.write(bytes.subarray(0, cut));
      setImmediate(() => res.end(bytes.subarray(cut)));
    });
    const answer = await get(makeTransport());
    expect(answer.body).toEqual({ client: { name: 'Société Générale — café' } });
    expect(answer.headers['x-thing']).toBe('a, b');
  });
});

describe('error mapping', () => {
  it('maps a Qonto error body: code, detail, source, trace id, status', async () => {
    server.handle((_req, res) =>
      json(
        res,
        422,
        {
          errors: [
            { code: 'not_in_list', detail: 'currency is not in list', source: { pointer: '/data/attributes/currency' } },
            { code: 'blank', detail: 'is blank', source: { parameter: 'per_page' } },
          ],
          trace_id: 'body-trace',
        },
        { 'x-tyk-trace-id': 'header-trace' },
      ),
    );
    const t = makeTransport();
    const error = await failure(
      t.request({ method: 'POST', path: '/v2/clients/x', route: '/v2/clients/{id}', authorization: API_KEY, json: {} }),
    );
    expect(error).toBeInstanceOf(QontoError);
    expect(error).toMatchObject({
      kind: 'http',
      status: 422,
      code: 'not_in_list',
      detail: 'currency is not in list',
      source: { pointer: '/data/attributes/currency' },
      traceId: 'body-trace',
      method: 'POST',
      route: '/v2/clients/{id}',
      attempts: 1,
    });
    expect(error.errors).toHaveLength(2);
    expect(error.message).toBe('Qonto POST /v2/clients/{id} failed with HTTP 422 not_in_list: currency is not in list (trace body-trace)');
    expect(isNotFound(error)).toBe(false);
  });

  it('maps a 404 without a body, taking the trace id from X-Tyk-Trace-Id', async () => {
    server.handle((_req, res) => {
      res.writeHead(404, { 'x-tyk-trace-id': 'hdr-404' });
      res.end();
    });
    const error = await failure(get(makeTransport(), '/v2/client_invoices/nope'));
    expect(error).toMatchObject({ kind: 'http', status: 404, traceId: 'hdr-404', errors: [] });
    expect(error.code).toBeUndefined();
    expect(isNotFound(error)).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
  });

  it('accepts a numeric error code and a { message } body', async () => {
    server.handle(
      sequence(
        (_req, res) => json(res, 400, { errors: [{ code: 1234, message: 'numeric' }] }),
        (_req, res) => json(res, 401, { message: 'Unauthorized' }),
      ),
    );
    const t = makeTransport();
    expect(await failure(get(t))).toMatchObject({ code: '1234', detail: 'numeric' });
    expect(await failure(get(t, '/v2/x'))).toMatchObject({ status: 401, detail: 'Unauthorized' });
  });

  it('treats the sandbox HTML login page served with 200 as invalid_response with a staging-token hint', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body>Log in to Qonto</body></html>');
    });
    const error = await failure(get(makeTransport({ environment: 'sandbox', stagingToken: 'wrong' })));
    expect(error.kind).toBe('invalid_response');
    expect(error.status).toBe(200);
    expect(error.message).toContain('non-JSON body');
    expect(error.message).toContain('QONTO_STAGING_TOKEN is probably missing or wrong');
    expect(error.message).toContain('GET /v2/organization');
    expect(server.requests).toHaveLength(1);
    expect(events.map((e) => e.status)).toEqual(['invalid_response']);
  });

  it('treats a 2xx body that is not JSON, even without a content type, as invalid_response', async () => {
    server.handle((_req, res) => {
      res.writeHead(200);
      res.end('not json');
    });
    expect((await failure(get(makeTransport()))).kind).toBe('invalid_response');
  });

  it('does not follow a 302 to the SSO login and reports invalid_response', async () => {
    server.handle((_req, res) => {
      res.writeHead(302, { location: 'https://qonto.onelogin.com/login?session=abc' });
      res.end();
    });
    const error = await failure(get(makeTransport({ environment: 'sandbox' })));
    expect(error.kind).toBe('invalid_response');
    expect(error.status).toBe(302);
    expect(error.message).toContain('https://qonto.onelogin.com/login');
    expect(error.message).not.toContain('session=abc');
    expect(error.message).toContain('QONTO_STAGING_TOKEN');
    expect(server.requests).toHaveLength(1);
  });

  it('treats a non-JSON 500 as a retryable http error', async () => {
    server.handle((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal Server Error');
    });
    const error = await failure(get(makeTransport({ maxRetries: 2 })));
    expect(error).toMatchObject({ kind: 'http', status: 500, attempts: 3, errors: [] });
    expect(error.message).toContain('after 3 attempts');
  });

  it('adds the staging-token hint to an HTML 4xx', async () => {
    server.handle((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const error = await failure(get(makeTransport()));
    expect(error).toMatchObject({ kind: 'http', status: 401 });
    expect(error.message).toContain('QONTO_STAGING_TOKEN');
  });

  it('never puts the Authorization value in errors, even when Qonto echoes it', async () => {
    for (const authorization of [API_KEY, BEARER]) {
      server.handle((req, res) =>
        json(res, 401, {
          errors: [{ code: 'unauthorized', detail: `bad credentials: ${String(req.headers.authorization)}` }],
        }),
      );
      const error = await failure(get(makeTransport(), '/v2/organization', authorization));
      const everything = [error.message, error.stack, error.detail, JSON.stringify(error), JSON.stringify(error.errors)].join('\n');
      expect(everything).not.toContain('s3cr3t');
      expect(error.detail).toContain('***');
      await transport?.close();
    }
  });

  it('maps connection failures to kind network, retried', async () => {
    const dead = await startFakeQonto();
    const deadUrl = dead.url;
    await dead.close();
    const error = await failure(get(makeTransport({ baseUrl: deadUrl, maxRetries: 2 })));
    expect(error).toMatchObject({ kind: 'network', attempts: 3 });
    expect(error.status).toBeUndefined();
    expect(error.message).not.toContain('s3cr3t');
    expect(events.map((e) => e.status)).toEqual(['network', 'network', 'network']);
    expect(delays).toEqual([125, 250]);
  });
});

describe('retries', () => {
  it('retries 5xx with full-jitter exponential backoff, then succeeds', async () => {
    server.handle(sequence(unavailable, unavailable, unavailable, ok));
    const response = await get(makeTransport());
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(4);
    expect(delays).toEqual([125, 250, 500]);
    expect(events.map((e) => [e.attempt, e.status, e.route])).toEqual([
      [1, 503, '/v2/organization'],
      [2, 503, '/v2/organization'],
      [3, 503, '/v2/organization'],
      [4, 200, '/v2/organization'],
    ]);
    expect(events.every((e) => e.method === 'GET' && e.durationMs >= 0)).toBe(true);
  });

  it('stops after maxRetries and reports every attempt', async () => {
    server.handle(unavailable);
    const error = await failure(get(makeTransport({ maxRetries: 3 })));
    expect(error).toMatchObject({ kind: 'http', status: 503, code: 'unavailable', attempts: 4 });
    expect(server.requests).toHaveLength(4);
    expect(delays).toEqual([125, 250, 500]);
  });

  it('caps the computed delay at retryMaxDelayMs and uses the jitter source', async () => {
    server.handle(unavailable);
    const randoms = [0.999, 0, 1];
    await failure(
      get(
        makeTransport({
          maxRetries: 3,
          retryBaseDelayMs: 1000,
          retryMaxDelayMs: 1500,
          random: () => randoms.shift() ?? 0,
        }),
      ),
    );
    expect(delays).toEqual([999, 0, 1500]);
  });

  it('backs off exponentially from 1 s on a 429 without Retry-After', async () => {
    const tooMany = (_req: unknown, res: ServerResponse) => json(res, 429, { errors: [{ code: 'too_many_requests' }] });
    server.handle(sequence(tooMany, tooMany, tooMany, ok));
    await get(makeTransport());
    expect(delays).toEqual([500, 1000, 2000]);
  });

  it('honours Retry-After in seconds instead of the computed delay', async () => {
    server.handle(sequence((_req, res) => json(res, 429, { errors: [{ code: 'too_many_requests' }] }, { 'retry-after': '7' }), ok));
    await get(makeTransport({ callDeadlineMs: 60_000 }));
    expect(delays).toEqual([7000]);
  });

  it('does not wait for a Retry-After when the wait and one more attempt do not fit in the call deadline', async () => {
    server.handle((_req, res) => json(res, 429, { errors: [{ code: 'too_many_requests' }] }, { 'retry-after': '7' }));
    const error = await failure(get(makeTransport({ callDeadlineMs: 15_000, timeoutMs: 10_000 })));
    expect(error).toMatchObject({ kind: 'http', status: 429, retryAfterMs: 7000, attempts: 1 });
    expect(delays).toEqual([]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const now = Date.UTC(2025, 5, 2, 10, 0, 0);
    server.handle(
      sequence(
        (_req, res) => json(res, 429, {}, { 'retry-after': new Date(now + 5000).toUTCString() }),
        (_req, res) => json(res, 503, {}, { 'retry-after': new Date(now - 5000).toUTCString() }),
        ok,
      ),
    );
    await get(makeTransport({ now: () => now }));
    expect(delays).toEqual([5000, 0]);
  });

  it('does not wait for a Retry-After above retryMaxDelayMs and exposes it', async () => {
    server.handle((_req, res) => json(res, 429, { errors: [{ code: 'too_many_requests' }] }, { 'retry-after': '120' }));
    const error = await failure(get(makeTransport()));
    expect(error).toMatchObject({ kind: 'http', status: 429, retryAfterMs: 120_000, attempts: 1 });
    expect(delays).toEqual([]);
  });

  it('does not retry 4xx other than 429', async () => {
    server.handle((_req, res) => json(res, 422, { errors: [{ code: 'invalid' }] }));
    const error = await failure(get(makeTransport()));
    expect(error.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry POST or PATCH without an idempotency key', async () => {
    server.handle(unavailable);
    const t = makeTransport();
    for (const method of ['POST', 'PATCH'] as const) {
      const error = await failure(
        t.request({ method, path: '/v2/client_invoices', route: '/v2/client_invoices', authorization: API_KEY, json: {} }),
      );
      expect(error.attempts).toBe(1);
    }
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.headers['x-qonto-idempotency-key']).toBeUndefined();
    expect(delays).toEqual([]);
  });

  it('retries POST and PATCH carrying an idempotency key, resending the same key and body', async () => {
    const t = makeTransport();
    for (const method of ['POST', 'PATCH'] as const) {
      server.requests.length = 0;
      server.handle(sequence(unavailable, unavailable, (_req, res) => json(res, 201, { client_invoice: { id: 'i1' } })));
      const response = await t.request({
        method,
        path: '/v2/client_invoices',
        route: '/v2/client_invoices',
        authorization: API_KEY,
        json: { client_id: 'c1' },
        idempotencyKey: `key-${method}`,
      });
      expect(response.status).toBe(201);
      expect(server.requests).toHaveLength(3);
      for (const seen of server.requests) {
        expect(rawHeader(seen, 'X-Qonto-Idempotency-Key')).toBe(`key-${method}`);
        expect(seen.body.toString()).toBe('{"client_id":"c1"}');
      }
    }
  });

  it('retries GET, PUT and DELETE without a key', async () => {
    const t = makeTransport({ maxRetries: 1 });
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      server.handle(sequence(unavailable, (_req, res) => json(res, 200, { id: 'x', callback_url: 'u', types: [] })));
      await t.request({
        method,
        path: `/v2/webhook_subscriptions/${method}`,
        route: '/v2/webhook_subscriptions/{id}',
        authorization: API_KEY,
      });
    }
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PUT', 'PUT', 'DELETE', 'DELETE']);
  });

  it('does not hold a concurrency slot while waiting to retry', async () => {
    const retryGate = deferred();
    const sleeping = deferred();
    server.handle((req, res) =>
      req.path === '/v2/flaky' && server.requests.filter((r) => r.path === '/v2/flaky').length === 1 ? unavailable(req, res) : ok(req, res),
    );
    const t = makeTransport({
      maxInFlight: 1,
      sleep: async (ms) => {
        delays.push(ms);
        sleeping.resolve();
        await retryGate.promise;
      },
    });
    await verify(t, API_KEY);
    const flaky = get(t, '/v2/flaky');
    await sleeping.promise;
    expect(t.inFlight()).toBe(0);
    await expect(get(t, '/v2/other')).resolves.toMatchObject({ status: 200 });
    retryGate.resolve();
    await expect(flaky).resolves.toMatchObject({ status: 200 });
    expect(server.requests.map((r) => r.path)).toEqual(['/v2/flaky', '/v2/other', '/v2/flaky']);
  });
});

describe('timeouts and aborts', () => {
  it('times out an attempt on a server that never answers, and retries it', async () => {
    server.handle(() => {
      /* never answers */
    });
    const t = makeTransport({ timeoutMs: 50, maxRetries: 1 });
    const error = await failure(get(t));
    expect(error).toMatchObject({ kind: 'timeout', attempts: 2, method: 'GET', route: '/v2/organization' });
    expect(error.message).toBe('Qonto GET /v2/organization timed out after 2 attempts');
    expect(events.map((e) => e.status)).toEqual(['timeout', 'timeout']);
    expect(server.requests).toHaveLength(2);
    expect(t.inFlight()).toBe(0);
  });

  it('also times out a response whose body never ends', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"organization":');
    });
    const error = await failure(get(makeTransport({ timeoutMs: 50, maxRetries: 0 })));
    expect(error.kind).toBe('timeout');
  });

  it('holds a slowly dripping body to the same budget as the whole attempt', async () => {
    const drips: NodeJS.Timeout[] = [];
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"organization":{"slug":"');
      // a byte every 10 ms: never idle for 80 ms, but never done either
      drips.push(setInterval(() => res.write('a'), 10));
      res.on('close', () => drips.forEach(clearInterval));
    });
    const started = performance.now();
    const error = await failure(get(makeTransport({ timeoutMs: 80, maxRetries: 0 })));
    expect(error.kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1000);
    drips.forEach(clearInterval);
  });

  it('rejects with the abort reason when the caller aborts, and frees the slot', async () => {
    server.handle(() => {
      /* never answers */
    });
    const t = makeTransport({ maxInFlight: 1 });
    server.handle(ok);
    await verify(t, API_KEY);
    server.handle(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = get(t, '/v2/organization', API_KEY, controller.signal);
    const queuedController = new AbortController();
    const queued = get(t, '/v2/queued', API_KEY, queuedController.signal);
    await server.received(1);
    expect(t.queued()).toBe(1);
    queuedController.abort(new Error('queued caller left'));
    await expect(queued).rejects.toThrow('queued caller left');
    expect(t.queued()).toBe(0);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(isQontoError(error)).toBe(false);
    expect((error as Error).name).toBe('AbortError');
    await expect.poll(() => t.inFlight()).toBe(0);
    expect(events).toEqual([]);
  });

  it('refuses new requests after close', async () => {
    const t = makeTransport();
    await t.close();
    await expect(get(t)).rejects.toThrow('closed');
  });
});

describe('concurrency cap', () => {
  it('never has more than maxInFlight requests at the server; one credential’s requests wait in arrival order', async () => {
    let release = false;
    const held: Array<() => void> = [];
    const sixteen = deferred();
    server.handle((req, res) => {
      const answer = () => json(res, 200, { n: req.query.get('n') });
      if (release) return answer();
      held.push(answer);
      if (held.length === 16) sixteen.resolve();
    });
    const t = makeTransport({ credentialSharePercent: 100 });
    server.handle(ok);
    await verify(t, API_KEY);
    server.handle((req, res) => {
      const answer = () => json(res, 200, { n: req.query.get('n') });
      if (release) return answer();
      held.push(answer);
      if (held.length === 16) sixteen.resolve();
    });
    const calls = Array.from({ length: 40 }, (_, n) =>
      t.request({ method: 'GET', path: '/v2/clients', route: '/v2/clients', authorization: API_KEY, query: { n } }),
    );
    await sixteen.promise;
    expect(t.inFlight()).toBe(16);
    expect(t.queued()).toBe(24);
    expect(server.active()).toBe(16);
    release = true;
    for (const answer of held.splice(0)) answer();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.body)).toEqual(Array.from({ length: 40 }, (_, n) => ({ n: String(n) })));
    expect(server.peak()).toBe(16);
    // the first sixteen got the slots (a warm keep-alive connection may deliver one of them first)
    expect(
      server.requests
        .slice(0, 16)
        .map((r) => Number(r.query.get('n')))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 16 }, (_, n) => n));
    expect(t.inFlight()).toBe(0);
    expect(t.queued()).toBe(0);
  });
});

describe('shared in-flight GETs', () => {
  it('makes one upstream request for identical concurrent GETs, and none is cached afterwards', async () => {
    const gate = deferred();
    server.handle(async (_req, res) => {
      await gate.promise;
      json(res, 200, { organization: { id: 'org-1' } });
    });
    const t = makeTransport();
    const a = get(t);
    const b = get(t);
    await server.received(1);
    gate.resolve();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.body).toEqual(rb.body);
    expect(server.requests).toHaveLength(1);
    await get(t);
    expect(server.requests).toHaveLength(2);
  });

  it('never shares between different credentials, URLs or methods', async () => {
    const gate = deferred();
    server.handle(async (_req, res) => {
      await gate.promise;
      json(res, 200, { id: 'x', callback_url: 'u', types: [] });
    });
    const t = makeTransport();
    server.handle(ok);
    await verify(t, API_KEY, BEARER);
    server.handle(async (_req, res) => {
      await gate.promise;
      json(res, 200, { id: 'x', callback_url: 'u', types: [] });
    });
    const calls = [
      get(t, '/v2/organization', API_KEY),
      get(t, '/v2/organization', BEARER),
      get(t, '/v2/organization?x=1', API_KEY),
      t.request({ method: 'DELETE', path: '/v2/organization', route: '/v2/organization', authorization: API_KEY }),
      t.request({ method: 'DELETE', path: '/v2/organization', route: '/v2/organization', authorization: API_KEY }),
    ];
    await server.received(5);
    gate.resolve();
    await Promise.all(calls);
    expect(server.requests).toHaveLength(5);
  });

  it('keeps the shared request alive while one caller still waits, and cancels it when all leave', async () => {
    const gate = deferred();
    server.handle(async (_req, res) => {
      await gate.promise;
      json(res, 200, { organization: { id: 'org-1' } });
    });
    const t = makeTransport();
    const first = new AbortController();
    const a = get(t, '/v2/organization', API_KEY, first.signal);
    const b = get(t, '/v2/organization', API_KEY);
    await server.received(1);
    first.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    gate.resolve();
    await expect(b).resolves.toMatchObject({ status: 200 });
    expect(server.requests).toHaveLength(1);

    server.handle(() => {
      /* never answers */
    });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const c = get(t, '/v2/slow', API_KEY, c1.signal);
    const d = get(t, '/v2/slow', API_KEY, c2.signal);
    await server.received(2);
    c1.abort();
    c2.abort();
    await expect(c).rejects.toMatchObject({ name: 'AbortError' });
    await expect(d).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => t.inFlight()).toBe(0);
    expect(server.requests).toHaveLength(2);
  });

  it('shares failures too, with a single retry sequence', async () => {
    server.handle(sequence(unavailable, unavailable));
    const t = makeTransport({ maxRetries: 1 });
    const [a, b] = await Promise.allSettled([get(t), get(t)]);
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    expect(server.requests).toHaveLength(2);
  });
});
