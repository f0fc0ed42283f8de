import { afterEach, describe, expect, it } from 'vitest';
import { SEED, type Simulator, type SimulatorOptions } from '../src/index.js';
import { api, type Api, startSimulator } from './helpers.js';

let sim: Simulator;
let atelier: Api;
let clock = Date.parse('2026-11-24T12:00:00.000Z');

async function start(options: SimulatorOptions = {}): Promise<void> {
  clock = Date.parse('2026-11-24T12:00:00.000Z');
  sim = await startSimulator({ now: () => new Date(clock), ...options });
  atelier = api(sim);
}
afterEach(() => sim.close());

async function clientCount(): Promise<number> {
  return (await atelier.get('/v2/clients', { per_page: '1' })).body.meta!.total_count;
}

// docs/qonto-facts.md#simulator-idempotency
describe('idempotency', () => {
  it('replays the first 2xx answer (status, body, headers) whatever the repeat body', async () => {
    await start();
    const headers = { 'X-Qonto-Idempotency-Key': 'key-1' };
    const first = await atelier.post('/v2/clients', { kind: 'company', name: 'Idem SAS' }, headers);
    const second = await atelier.post('/v2/clients', { kind: 'company', name: 'Different body' }, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('x-tyk-trace-id')).toBe(first.headers.get('x-tyk-trace-id'));
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await clientCount()).toBe(SEED.atelier.clientCount + 1);
    const other = await atelier.post('/v2/clients', { kind: 'company', name: 'Other key' }, { 'X-Qonto-Idempotency-Key': 'key-2' });
    expect(other.body.client!.id).not.toBe(first.body.client!.id);
  });

  it('scopes keys to the Authorization value', async () => {
    await start();
    const headers = { 'X-Qonto-Idempotency-Key': 'shared' };
    const viaBearer = await atelier.post('/v2/clients', { kind: 'company', name: 'Scoped' }, headers);
    const viaApiKey = await api(sim, SEED.atelier.apiKey).post('/v2/clients', { kind: 'company', name: 'Scoped' }, headers);
    const otherOrg = await api(sim, `Bearer ${SEED.bureau.bearerToken}`).post('/v2/clients', { kind: 'company', name: 'Scoped' }, headers);
    expect(new Set([viaBearer.body.client!.id, viaApiKey.body.client!.id, otherOrg.body.client!.id]).size).toBe(3);
    expect(otherOrg.body.client!.id).toBeDefined();
  });

  it('does not keep non-2xx answers', async () => {
    await start();
    const headers = { 'X-Qonto-Idempotency-Key': 'retry-after-fix' };
    expect((await atelier.post('/v2/clients', { kind: 'company' }, headers)).status).toBe(422);
    expect((await atelier.post('/v2/clients', { kind: 'company', name: 'Fixed' }, headers)).status).toBe(201);
    sim.faults.set({ failNext: { count: 1, status: 503 } });
    const keyed = { 'X-Qonto-Idempotency-Key': 'after-503' };
    expect((await atelier.post('/v2/clients', { kind: 'company', name: 'Once' }, keyed)).status).toBe(503);
    expect((await atelier.post('/v2/clients', { kind: 'company', name: 'Once' }, keyed)).status).toBe(201);
  });

  it('runs concurrent requests with the same key one after another: one creation, identical answers', async () => {
    await start();
    const headers = { 'X-Qonto-Idempotency-Key': 'burst' };
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => atelier.post('/v2/clients', { kind: 'company', name: `Burst ${i}` }, headers)),
    );
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(await clientCount()).toBe(SEED.atelier.clientCount + 1);
  });

  it('replays invoice actions, including 204s, so an email is sent once', async () => {
    await start();
    const headers = { 'X-Qonto-Idempotency-Key': 'mail-1' };
    const body = { send_to: ['a@b.example'], email_title: 'Facture' };
    for (let i = 0; i < 3; i += 1)
      expect((await atelier.post(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}/send`, body, headers)).status).toBe(204);
    expect(sim.outbox).toHaveLength(1);
    const paidHeaders = { 'X-Qonto-Idempotency-Key': 'paid-1' };
    const paid = await atelier.post(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}/mark_as_paid`, {}, paidHeaders);
    await atelier.post(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}/unmark_as_paid`);
    const replay = await atelier.post(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}/mark_as_paid`, {}, paidHeaders);
    expect(replay.text).toBe(paid.text);
    expect((await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}`)).body.client_invoice!.status).toBe('unpaid');
  });

  it('forgets a key after its lifetime', async () => {
    await start({ idempotencyTtlMs: 60_000 });
    const headers = { 'X-Qonto-Idempotency-Key': 'ttl' };
    const first = await atelier.post('/v2/clients', { kind: 'company', name: 'TTL' }, headers);
    clock += 59_000;
    expect((await atelier.post('/v2/clients', { kind: 'company', name: 'TTL' }, headers)).text).toBe(first.text);
    clock += 2_000;
    expect((await atelier.post('/v2/clients', { kind: 'company', name: 'TTL' }, headers)).body.client!.id).not.toBe(first.body.client!.id);
  });
});

// docs/qonto-facts.md#simulator-rate-limits
describe('rate limits', () => {
  it('answers 429 with too_many_requests and Retry-After beyond perTenSeconds; 429s do not count', async () => {
    await start({ rateLimit: { perTenSeconds: 3 } });
    for (let i = 0; i < 3; i += 1) expect((await atelier.get('/v2/einvoicing/settings')).status).toBe(200);
    clock += 4_000;
    const limited = await atelier.get('/v2/einvoicing/settings');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      errors: [{ code: 'too_many_requests', detail: expect.any(String) }],
      trace_id: limited.headers.get('x-tyk-trace-id'),
    });
    expect(limited.headers.get('retry-after')).toBe('6');
    expect((await atelier.get('/v2/einvoicing/settings')).status).toBe(429);
    clock += 6_000;
    expect((await atelier.get('/v2/einvoicing/settings')).status).toBe(200);
  });

  it('applies perTenMinutes', async () => {
    await start({ rateLimit: { perTenMinutes: 4 } });
    for (let i = 0; i < 4; i += 1) {
      expect((await atelier.get('/v2/organization')).status).toBe(200);
      clock += 60_000;
    }
    const limited = await atelier.get('/v2/organization');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(String(600 - 240));
    clock += 360_000;
    expect((await atelier.get('/v2/organization')).status).toBe(200);
  });

  it('throttles every request once unauthorizedPerHour 401s were answered, until the hour passes', async () => {
    await start({ rateLimit: { unauthorizedPerHour: 3 } });
    const stranger = api(sim, 'Bearer wrong');
    for (let i = 0; i < 3; i += 1) expect((await stranger.get('/v2/clients')).status).toBe(401);
    const limited = await atelier.get('/v2/clients');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3600');
    clock += 3_600_001;
    expect((await atelier.get('/v2/clients')).status).toBe(200);
  });

  it('does not limit the public invoice pages', async () => {
    await start({ rateLimit: { perTenSeconds: 1 } });
    expect((await atelier.get('/v2/organization')).status).toBe(200);
    expect((await fetch(`${sim.url}/invoices/${SEED.atelier.invoices.paid}`)).status).toBe(200);
    expect((await atelier.get('/v2/organization')).status).toBe(429);
  });
});

describe('request faults', () => {
  it('failNext answers the status with a Qonto error body on matching routes only', async () => {
    await start();
    sim.faults.set({ failNext: { count: 2, status: 503, routes: ['GET /v2/client_invoices/{id}'] } });
    expect((await atelier.get('/v2/client_invoices')).status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      const failed = await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.paid}`);
      expect(failed.status).toBe(503);
      expect(failed.body).toEqual({
        errors: [{ code: 'service_unavailable', detail: expect.any(String) }],
        trace_id: failed.headers.get('x-tyk-trace-id'),
      });
    }
    expect(sim.faults.current().failNext.count).toBe(0);
    expect((await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.paid}`)).status).toBe(200);
    sim.faults.set({ failNext: { count: 1, status: 500, routes: undefined } });
    expect((await atelier.get('/v2/clients')).status).toBe(500);
    expect(sim.requests.map((request) => request.status)).toEqual([200, 503, 503, 200, 500]);
  });

  it('rateLimitNext answers 429 with or without Retry-After', async () => {
    await start();
    sim.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 7 } });
    const first = await atelier.get('/v2/clients');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    sim.faults.set({ rateLimitNext: { count: 1 } });
    const second = await atelier.get('/v2/clients');
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBeNull();
    expect((await atelier.get('/v2/clients')).status).toBe(200);
  });

  it('hangNext never answers until the client gives up', async () => {
    await start();
    sim.faults.set({ hangNext: { count: 1 } });
    await expect(
      fetch(`${sim.url}/v2/clients`, { headers: { authorization: SEED.atelier.apiKey }, signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect((await atelier.get('/v2/clients')).status).toBe(200);
    expect(sim.requests.map((request) => request.status)).toEqual([0, 200]);
  });

  it('close() ends hung requests', async () => {
    await start();
    sim.faults.set({ hangNext: { count: 1 } });
    const pending = fetch(`${sim.url}/v2/clients`, { headers: { authorization: SEED.atelier.apiKey } });
    await new Promise<void>((resolve) => {
      const check = () => (sim.requests.length > 0 ? resolve() : setImmediate(check));
      check();
    });
    await sim.close();
    await expect(pending).rejects.toThrow();
  });

  it('latencyMs delays every answer', async () => {
    await start();
    sim.faults.set({ latencyMs: 60 });
    const started = performance.now();
    expect((await atelier.get('/v2/einvoicing/settings')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('failRate and rateLimitRate inject random errors; reset() clears every fault', async () => {
    await start();
    sim.faults.set({ failRate: 1 });
    expect((await atelier.get('/v2/clients')).status).toBe(500);
    sim.faults.set({ failRate: 0, rateLimitRate: 1 });
    const limited = await atelier.get('/v2/clients');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    sim.faults.reset();
    expect(sim.faults.current()).toEqual({
      latencyMs: 0,
      failNext: { count: 0, status: 500 },
      rateLimitNext: { count: 0 },
      hangNext: { count: 0 },
      failRate: 0,
      rateLimitRate: 0,
      webhooks: { dropNext: 0, duplicateNext: 0, reorderNext: 0, delayMs: 0, failNext: 0 },
    });
    expect((await atelier.get('/v2/clients')).status).toBe(200);
  });
});
