import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { credentialKey } from '../../src/auth.js';
import { qontoErrorToGraphQL } from '../../src/graphql/errors.js';
import {
  isLocalRefusal,
  isQontoError,
  QontoTransport,
  type QontoError,
  type QontoLocalRefusalKind,
  type QontoTransportOptions,
  type UpstreamCallEvent,
} from '../../src/qonto/index.js';
import { scrubSecret } from '../../src/qonto/response.js';
import { deferred, json, startFakeQonto, type FakeQonto } from './fake-qonto.js';

const GOOD = 'Bearer ory_at_g00d-token';
const OTHER = 'acme-1234:0ther-s3cret';

let server: FakeQonto;
let transport: QontoTransport | undefined;
let events: UpstreamCallEvent[];
let refusals: QontoLocalRefusalKind[];

function makeTransport(options: Partial<QontoTransportOptions> = {}): QontoTransport {
  transport = new QontoTransport({
    baseUrl: server.url,
    environment: 'production',
    random: () => 0.5,
    sleep: async () => undefined,
    onUpstreamCall: (event) => events.push(event),
    onLocalRefusal: (kind) => refusals.push(kind),
    ...options,
  });
  return transport;
}

function get(t: QontoTransport, path: string, authorization = GOOD, signal?: AbortSignal) {
  return t.request<Record<string, unknown>>({ method: 'GET', path, route: path, authorization, ...(signal ? { signal } : {}) });
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

const ok = (_req: unknown, res: ServerResponse) => json(res, 200, { organization: { id: 'org-1' } });
const unauthorized = (_req: unknown, res: ServerResponse) => json(res, 401, { errors: [{ code: 'unauthorized' }] });
const hang = () => {
  /* never answers */
};

beforeEach(async () => {
  server = await startFakeQonto();
  events = [];
  refusals = [];
});

afterEach(async () => {
  vi.useRealTimers();
  await transport?.close();
  transport = undefined;
  await server.close();
});

describe('credential guard', () => {
  it('lets 1,000 concurrent distinct garbage tokens reach Qonto at most unauthorizedBudgetPerHour times', async () => {
    server.handle(unauthorized);
    const t = makeTransport({ unauthorizedBudgetPerHour: 20 });
    const results = await Promise.allSettled(Array.from({ length: 1000 }, (_, n) => get(t, '/v2/organization', `Bearer garbage-${n}`)));
    expect(server.requests).toHaveLength(20);
    const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as QontoError) : undefined));
    expect(errors.every((e) => isQontoError(e))).toBe(true);
    expect(errors.filter((e) => e?.kind === 'http' && e.status === 401)).toHaveLength(20);
    const exhausted = errors.filter((e) => e?.kind === 'unauthorized_budget_exhausted');
    expect(exhausted).toHaveLength(980);
    expect(refusals.filter((k) => k === 'unauthorized_budget_exhausted')).toHaveLength(980);
    expect(t.credentials.stats()).toMatchObject({ unauthorizedLastHour: 20, reserved: 0, refused: 20, unauthorizedBudgetPerHour: 20 });

    // refused while the budget was reserved by calls in flight: retry once those end
    expect(exhausted.every((e) => (e?.retryAfterMs ?? 0) >= 1000)).toBe(true);
    // refused once it is spent by 401s: retry when the oldest leaves the hour
    const later = await failure(get(t, '/v2/organization', 'Bearer garbage-later'));
    expect(later.kind).toBe('unauthorized_budget_exhausted');
    expect(server.requests).toHaveLength(20);
    const mapped = qontoErrorToGraphQL(later);
    expect(mapped.extensions).toMatchObject({ code: 'UNAUTHENTICATED', http: { status: 401 } });
    expect(mapped.extensions['retryAfterMs']).toBeGreaterThan(3_500_000);
    expect(mapped.message).toMatch(/protecting Qonto’s limit on failed authentications.*retry later/);
  });

  it('keeps a credential Qonto already accepted working after the budget is spent', async () => {
    server.handle((req, res) => (req.headers.authorization === GOOD ? ok(req, res) : unauthorized(req, res)));
    const t = makeTransport({ unauthorizedBudgetPerHour: 5 });
    await get(t, '/v2/organization', GOOD);
    expect(t.credentials.isVerified(GOOD)).toBe(true);
    expect(t.credentials.isVerifiedKey(credentialKey(GOOD))).toBe(true);
    expect(t.credentials.isVerified(OTHER)).toBe(false);
    await Promise.allSettled(Array.from({ length: 50 }, (_, n) => get(t, '/v2/organization', `Bearer garbage-${n}`)));
    expect(t.credentials.stats().unauthorizedLastHour).toBe(5);
    server.requests.length = 0;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => get(t, `/v2/clients/${n}`, GOOD)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(server.requests).toHaveLength(10);
    // a credential Qonto has not seen yet waits for the hour to slide
    expect((await failure(get(t, '/v2/organization', OTHER))).kind).toBe('unauthorized_budget_exhausted');
    expect(server.requests).toHaveLength(10);
  });

  it('refuses a credential locally once Qonto answered 401, without calling Qonto again', async () => {
    server.handle(unauthorized);
    const t = makeTransport({ refusedCredentialTtlMs: 600_000 });
    expect(await failure(get(t, '/v2/organization', 'Bearer garbage'))).toMatchObject({ kind: 'http', status: 401 });
    expect(server.requests).toHaveLength(1);
    for (const path of ['/v2/organization', '/v2/clients', '/v2/client_invoices/1']) {
      const error = await failure(get(t, path, 'Bearer garbage'));
      expect(error.kind).toBe('credential_refused');
      expect(error.retryAfterMs).toBeGreaterThan(599_000);
      expect(error.message).not.toContain('garbage');
      expect(isLocalRefusal(error)).toBe(true);
      expect(qontoErrorToGraphQL(error).extensions).toMatchObject({ code: 'UNAUTHENTICATED', http: { status: 401 } });
    }
    expect(server.requests).toHaveLength(1);
    expect(t.credentials.isVerified('Bearer garbage')).toBe(false);
  });

  it('spends one 401 on 1,000 concurrent requests with the same garbage token', async () => {
    server.handle(unauthorized);
    const t = makeTransport();
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, n) => get(t, `/v2/client_invoices/${n}`, 'Bearer garbage-token')),
    );
    expect(server.requests).toHaveLength(1);
    const kinds = results.map((r) => (r.status === 'rejected' ? (r.reason as QontoError).kind : 'ok'));
    expect(kinds.filter((k) => k === 'http')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'credential_refused')).toHaveLength(999);
    expect(t.credentials.stats()).toMatchObject({ unauthorizedLastHour: 1, reserved: 0 });
  });

  it('holds the calls of a new credential until Qonto accepts it, then runs them concurrently', async () => {
    const gate = deferred();
    server.handle(async (req, res) => {
      if (req.path === '/v2/organization') await gate.promise;
      ok(req, res);
    });
    const t = makeTransport();
    const first = get(t, '/v2/organization');
    const others = Array.from({ length: 5 }, (_, n) => get(t, `/v2/clients/${n}`));
    await server.received(1);
    expect(server.requests).toHaveLength(1);
    gate.resolve();
    await Promise.all([first, ...others]);
    expect(server.requests).toHaveLength(6);
    expect(t.credentials.isVerified(GOOD)).toBe(true);
  });
});

describe('fair scheduling through the transport', () => {
  it('fails fast with rate_limited and retryAfterMs when the window is used up, without calling Qonto', async () => {
    server.handle(ok);
    const t = makeTransport({ rateLimit: 5, maxQueueWaitMs: 500, credentialSharePercent: 100 });
    for (let n = 0; n < 5; n++) await get(t, `/v2/clients/${n}`);
    const started = performance.now();
    const error = await failure(get(t, '/v2/clients/6'));
    expect(performance.now() - started).toBeLessThan(200);
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThan(9000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(10_001);
    expect(server.requests).toHaveLength(5);
    expect(refusals).toEqual(['rate_limited']);
    const mapped = qontoErrorToGraphQL(error);
    expect(mapped.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterMs: error.retryAfterMs });
    expect(t.stats().scheduler.windows[0]).toEqual({ durationMs: 10_000, limit: 5, used: 5 });
  });

  it('keeps one tenant stuck on a hanging Qonto from holding every upstream slot', async () => {
    server.handle(ok);
    const t = makeTransport({ maxInFlight: 16, credentialSharePercent: 50, timeoutMs: 5000, maxQueueWaitMs: 5000 });
    await get(t, '/v2/organization', GOOD);
    await get(t, '/v2/organization', OTHER);
    server.requests.length = 0;
    server.handle((req, res) => (req.headers.authorization === GOOD ? hang() : ok(req, res)));
    const controller = new AbortController();
    const lookups = Array.from({ length: 40 }, (_, n) => get(t, `/v2/clients/${n}`, GOOD, controller.signal).catch(() => undefined));
    await server.received(8);
    expect(t.stats().scheduler).toMatchObject({ active: 8, queued: 32 });
    const started = performance.now();
    const other = await get(t, '/v2/einvoicing/settings', OTHER);
    expect(other.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.peak()).toBe(9);
    controller.abort();
    await Promise.all(lookups);
  });
});

describe('call deadline', () => {
  it('starts no retry whose backoff and attempt cannot finish within the deadline', async () => {
    server.handle(hang);
    const t = makeTransport({ timeoutMs: 200, callDeadlineMs: 300, maxRetries: 3, breakerFailures: 100 });
    const error = await failure(get(t, '/v2/organization'));
    expect(error).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('cuts an attempt at the deadline when it is shorter than the attempt timeout', async () => {
    server.handle(hang);
    const t = makeTransport({ timeoutMs: 5000, callDeadlineMs: 150, maxRetries: 3 });
    const started = performance.now();
    const error = await failure(get(t, '/v2/organization'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.kind).toBe('timeout');
  });

  it('still retries quick failures within the deadline', async () => {
    let calls = 0;
    server.handle((req, res) => (++calls < 3 ? json(res, 503, {}) : ok(req, res)));
    const t = makeTransport({ timeoutMs: 1000, callDeadlineMs: 15_000 });
    await expect(get(t, '/v2/organization')).resolves.toMatchObject({ status: 200 });
    expect(server.requests).toHaveLength(3);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive timeouts; the next call fails at once with UPSTREAM_UNAVAILABLE and retryAfterMs', async () => {
    server.handle(hang);
    const t = makeTransport({ timeoutMs: 50, maxRetries: 0, breakerFailures: 3, breakerOpenMs: 5000 });
    for (let n = 0; n < 3; n++) expect((await failure(get(t, `/v2/clients/${n}`))).kind).toBe('timeout');
    expect(t.stats().breaker).toBe('open');
    const started = performance.now();
    const error = await failure(get(t, '/v2/clients/4'));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect(elapsed).toBeLessThan(50);
    expect(error.kind).toBe('circuit_open');
    expect(error.retryAfterMs).toBeGreaterThan(4000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(5000);
    expect(server.requests).toHaveLength(3);
    expect(refusals).toEqual(['circuit_open']);
    const mapped = qontoErrorToGraphQL(error);
    expect(mapped.message).toBe('Qonto is unavailable right now; try again later');
    expect(mapped.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterMs: error.retryAfterMs });
  });

  it('refuses retries too once it opens in the middle of a call', async () => {
    server.handle(hang);
    const t = makeTransport({ timeoutMs: 50, maxRetries: 5, breakerFailures: 2 });
    const error = await failure(get(t, '/v2/organization'));
    expect(error).toMatchObject({ kind: 'circuit_open', attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('counts 5xx and network errors as failures, 4xx and 2xx as successes', async () => {
    server.handle((req, res) => json(res, Number(req.path.split('/').pop()), {}));
    const t = makeTransport({ maxRetries: 0, breakerFailures: 2 });
    await failure(get(t, '/v2/x/503'));
    await failure(get(t, '/v2/x/404'));
    await failure(get(t, '/v2/x/500'));
    await failure(get(t, '/v2/x/422'));
    await failure(get(t, '/v2/x/502'));
    expect(t.stats().breaker).toBe('closed');
    await failure(get(t, '/v2/x/500'));
    expect(t.stats().breaker).toBe('open');
  });

  it('recovers by itself: after breakerOpenMs one trial call goes through, others still fail fast, and success closes it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    server.handle((_req, res) => json(res, 503, {}));
    const t = makeTransport({ timeoutMs: 5000, maxRetries: 0, breakerFailures: 2, breakerOpenMs: 5000 });
    await failure(get(t, '/v2/clients/1'));
    await failure(get(t, '/v2/clients/2'));
    expect((await failure(get(t, '/v2/clients/3'))).kind).toBe('circuit_open');
    vi.setSystemTime(Date.now() + 4999);
    expect((await failure(get(t, '/v2/clients/3'))).kind).toBe('circuit_open');
    vi.setSystemTime(Date.now() + 1);

    const gate = deferred();
    server.handle(async (req, res) => {
      await gate.promise;
      ok(req, res);
    });
    const trial = get(t, '/v2/clients/trial');
    await server.received(3);
    expect(t.stats().breaker).toBe('half-open');
    const started = performance.now();
    expect((await failure(get(t, '/v2/clients/during-trial'))).kind).toBe('circuit_open');
    expect(performance.now() - started).toBeLessThan(1000);
    gate.resolve();
    await expect(trial).resolves.toMatchObject({ status: 200 });
    expect(t.stats().breaker).toBe('closed');
    await expect(get(t, '/v2/clients/after')).resolves.toMatchObject({ status: 200 });
    expect(server.requests.map((r) => r.path)).toEqual(['/v2/clients/1', '/v2/clients/2', '/v2/clients/trial', '/v2/clients/after']);
  });

  it('opens again when the trial call fails', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    server.handle(hang);
    const t = makeTransport({ timeoutMs: 50, maxRetries: 0, breakerFailures: 2, breakerOpenMs: 5000 });
    await failure(get(t, '/v2/clients/1'));
    await failure(get(t, '/v2/clients/2'));
    vi.setSystemTime(Date.now() + 5000);
    expect((await failure(get(t, '/v2/clients/trial'))).kind).toBe('timeout');
    expect(t.stats().breaker).toBe('open');
    const error = await failure(get(t, '/v2/clients/next'));
    expect(error.kind).toBe('circuit_open');
    expect(error.retryAfterMs).toBe(5000);
    expect(server.requests).toHaveLength(3);
  });

  it('opens again when the trial call’s caller gives up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    server.handle(hang);
    const t = makeTransport({ timeoutMs: 50, maxRetries: 0, breakerFailures: 2, breakerOpenMs: 5000 });
    await failure(get(t, '/v2/clients/1'));
    await failure(get(t, '/v2/clients/2'));
    vi.setSystemTime(Date.now() + 5000);
    const controller = new AbortController();
    const trial = get(t, '/v2/clients/trial', GOOD, controller.signal);
    await server.received(3);
    controller.abort();
    await expect(trial).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => t.stats().breaker).toBe('open');
    expect((await failure(get(t, '/v2/clients/next'))).kind).toBe('circuit_open');
  });
});

describe('response size cap', () => {
  it('refuses a body announced larger than maxResponseBytes, without retrying', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2048) });
      res.end(JSON.stringify({ data: 'x'.repeat(2048 - 11) }));
    });
    const t = makeTransport({ maxResponseBytes: 1024 });
    const error = await failure(get(t, '/v2/client_invoices'));
    expect(error).toMatchObject({ kind: 'response_too_large', status: 200, attempts: 1 });
    expect(error.message).toContain('larger than 1024 bytes');
    expect(server.requests).toHaveLength(1);
    expect(events.map((e) => e.status)).toEqual(['too_large']);
    expect(qontoErrorToGraphQL(error).extensions).toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE' });
  });

  it('stops reading a chunked body once it grows past maxResponseBytes', async () => {
    let written = 0;
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":"');
      const timer = setInterval(() => {
        written += 512;
        res.write('y'.repeat(512));
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    const t = makeTransport({ maxResponseBytes: 4096, timeoutMs: 5000 });
    const started = performance.now();
    const error = await failure(get(t, '/v2/client_invoices'));
    expect(error.kind).toBe('response_too_large');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(written).toBeLessThan(1024 * 1024);
  });

  it('reads a body of exactly maxResponseBytes', async () => {
    const body = JSON.stringify({ data: 'z'.repeat(1024 - 11) });
    expect(Buffer.byteLength(body)).toBe(1024);
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const t = makeTransport({ maxResponseBytes: 1024 });
    await expect(get(t, '/v2/client_invoices')).resolves.toMatchObject({ status: 200 });
  });
});

describe('secret scrubbing', () => {
  it('scrubs the Authorization value and its secret part in any letter case', () => {
    const bearer = 'Bearer ory_at_S3cr3t-Token.x+y';
    expect(scrubSecret('got BEARER ORY_AT_S3CR3T-TOKEN.X+Y and ory_at_s3cr3t-token.x+y', bearer)).toBe('got *** and ***');
    const apiKey = 'acme-1234:S3cretKey';
    expect(scrubSecret('ACME-1234:S3CRETKEY / s3cretkey / acme-1234', apiKey)).toBe('*** / *** / acme-1234');
    expect(scrubSecret('nothing here', 'abc')).toBe('nothing here');
  });

  it('keeps an upper-cased echo of the credentials out of messages, details and stacks', async () => {
    for (const authorization of [GOOD, OTHER]) {
      server.handle((req, res) =>
        json(res, 400, {
          errors: [
            { code: 'bad', detail: `BAD CREDENTIALS: ${String(req.headers.authorization).toUpperCase()}` },
            { code: 'bad', detail: `lower: ${String(req.headers.authorization).toLowerCase()}` },
          ],
          message: String(req.headers.authorization).toUpperCase(),
        }),
      );
      const error = await failure(get(makeTransport(), '/v2/organization', authorization));
      const everything = [error.message, error.stack, error.detail, JSON.stringify(error), JSON.stringify(error.errors)].join('\n');
      expect(everything.toLowerCase()).not.toContain('g00d-token');
      expect(everything.toLowerCase()).not.toContain('0ther-s3cret');
      expect(error.detail).toBe('BAD CREDENTIALS: ***');
      await transport?.close();
    }
  });
});
