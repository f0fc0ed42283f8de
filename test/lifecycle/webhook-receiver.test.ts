import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createMemoryDeduplicator } from '../../src/lifecycle/deduplicator.js';
import { createWebhookReceiver, fetchDelivery, MAX_WEBHOOK_BODY_BYTES, type WebhookOutcome } from '../../src/lifecycle/webhook-receiver.js';
import { createLogger } from '../../src/observability/logger.js';
import { signatureHeader } from '../../src/qonto/webhook-signature.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const SECRET = 'whsec_receiver_test_receiver_test_rec';
const INVOICE_ID = 'b0c9e3a1-0000-4000-8000-000000000001';
const now = () => Math.floor(Date.now() / 1000);
const ORGANIZATION_ID = 'org-atelier';
const envelope = (id: string, type = 'v1/client-invoices') =>
  JSON.stringify({ id, type, organization_id: ORGANIZATION_ID, data: { id: INVOICE_ID, event: 'updated' } });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** A Latin-1 é inside a JSON string: not UTF-8, so decoding then re-encoding would change the bytes. */
const latin1Envelope = (id: string) =>
  Buffer.concat([
    Buffer.from(`{"id":"${id}","type":"v1/client-invoices","data":{"id":"${INVOICE_ID}","note":"caf`),
    Buffer.from([0xe9]),
    Buffer.from('"}}'),
  ]);

describe('POST /webhooks/qonto through yoga.fetch', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const post = (body: string, signature?: string) =>
    stack!.app.yoga.fetch('http://gateway/webhooks/qonto', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-qonto-signature': signature } : {}) },
      body,
    });

  it('401 for absent, forged and stale signatures; 400 for malformed payloads; 200 for unknown types and duplicates', async () => {
    stack = await startStack({ env: { QONTO_WEBHOOK_SECRET: SECRET } });
    const body = envelope('evt-1');
    expect((await post(body)).status).toBe(401);
    expect((await post(body, signatureHeader('whsec_wrong_secret_wrong_secret_xx', now(), body))).status).toBe(401);
    expect((await post(body, signatureHeader(SECRET, now() - 301, body))).status).toBe(401);
    expect((await post(body, 't=abc,v1=zz')).status).toBe(401);
    const tampered = envelope('evt-1').replace('updated', 'created');
    expect((await post(tampered, signatureHeader(SECRET, now(), body))).status).toBe(401);

    expect((await post('{nope', signatureHeader(SECRET, now(), '{nope'))).status).toBe(400);
    const noId = JSON.stringify({ type: 'v1/client-invoices', data: {} });
    expect((await post(noId, signatureHeader(SECRET, now(), noId))).status).toBe(400);

    const other = envelope('evt-2', 'v1/transactions');
    const ignored = await post(other, signatureHeader(SECRET, now(), other));
    expect([ignored.status, await ignored.json()]).toEqual([200, { ok: true, ignored: true }]);

    const first = await post(body, signatureHeader(SECRET, now(), body));
    expect([first.status, await first.json()]).toEqual([200, { ok: true }]);
    const again = await post(body, signatureHeader(SECRET, now(), body));
    expect([again.status, await again.json()]).toEqual([200, { ok: true, duplicate: true }]);

    const metrics = await (await stack.app.yoga.fetch('http://gateway/metrics')).text();
    expect(metrics).toMatch(/qonto_webhooks_total\{outcome="unauthorized"\} 5/);
    expect(metrics).toMatch(/qonto_webhooks_total\{outcome="malformed"\} 2/);
    expect(metrics).toMatch(/qonto_webhooks_total\{outcome="accepted"\} 1/);
    expect(metrics).toMatch(/qonto_webhooks_total\{outcome="duplicate"\} 1/);
  });

  it('accepts every secret of a rotation', async () => {
    stack = await startStack({ env: { QONTO_WEBHOOK_SECRET: SECRET } });
    stack.app.services.config.webhookSecrets = ['whsec_new_secret_new_secret_new_secret', SECRET];
    const body = envelope('evt-rotation');
    expect((await post(body, signatureHeader('whsec_new_secret_new_secret_new_secret', now(), body))).status).toBe(200);
    const second = envelope('evt-rotation-2');
    expect((await post(second, signatureHeader(SECRET, now(), second))).status).toBe(200);
  });

  it('refuses bodies above 256 KiB with 413, and other methods than POST with 405', async () => {
    stack = await startStack({ env: { QONTO_WEBHOOK_SECRET: SECRET } });
    const body = JSON.stringify({ id: 'big', type: 'v1/client-invoices', data: { id: 'x', pad: 'y'.repeat(300 * 1024) } });
    const big = await post(body, signatureHeader(SECRET, now(), body));
    expect([big.status, await big.json()]).toEqual([413, { error: 'payload_too_large' }]);
    const get = await stack.app.yoga.fetch('http://gateway/webhooks/qonto');
    expect([get.status, get.headers.get('allow'), await get.json()]).toEqual([405, 'POST', { error: 'method_not_allowed' }]);
  });
});

describe('POST /webhooks/qonto on a port, answered by the node:http listener', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await createGateway({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', QONTO_WEBHOOK_SECRET: SECRET }),
      qontoBaseUrl: 'http://127.0.0.1:9',
      logger: createLogger('silent'),
    });
  });
  afterAll(() => gateway.close());

  /** Sends `chunks` chunked (no Content-Length) and resolves with the answer, without ending the body when `end` is false. */
  const sendChunked = (chunks: Uint8Array[], headers: Record<string, string>, end: boolean) =>
    new Promise<{ status: number; body: unknown; headers: IncomingMessage['headers'] }>((resolve, reject) => {
      const url = new URL('/webhooks/qonto', gateway.url);
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          if (!end) req.destroy();
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown, headers: res.headers });
        });
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      if (end) req.end();
    });

  it('verifies the signature over the raw bytes and answers with a request id', async () => {
    const raw = latin1Envelope('evt-port-raw');
    const answer = await sendChunked(
      [raw.subarray(0, 40), raw.subarray(40)],
      { 'x-qonto-signature': signatureHeader(SECRET, now(), raw), 'x-request-id': 'wh-1' },
      true,
    );
    expect([answer.status, answer.body, answer.headers['x-request-id']]).toEqual([200, { ok: true }, 'wh-1']);
  });

  it('refuses a declared body over 256 KiB, and a chunked one the moment it passes 256 KiB, with 413', async () => {
    const body = JSON.stringify({ id: 'big', type: 'v1/client-invoices', data: { id: 'x', pad: 'y'.repeat(300 * 1024) } });
    const declared = await fetch(`${gateway.url}/webhooks/qonto`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect([declared.status, await declared.json()]).toEqual([413, { error: 'payload_too_large' }]);
    // Five 64 KiB chunks and the body never ends: the answer comes anyway.
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const streamed = await sendChunked([chunk, chunk, chunk, chunk, chunk], {}, false);
    expect([streamed.status, streamed.body]).toEqual([413, { error: 'payload_too_large' }]);
  });

  it('answers other methods than POST with 405 and Allow: POST', async () => {
    const response = await fetch(`${gateway.url}/webhooks/qonto`);
    expect([response.status, response.headers.get('allow'), await response.json()]).toEqual([405, 'POST', { error: 'method_not_allowed' }]);
  });
});

describe('the webhook receiver on a Fetch Request', () => {
  const receiver = () => {
    const signals = { invoiceChanged: vi.fn(), clientChanged: vi.fn() };
    const outcomes: WebhookOutcome[] = [];
    const receive = createWebhookReceiver({
      secrets: () => [SECRET],
      deduplicator: createMemoryDeduplicator(),
      signals,
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    return { receive, signals, outcomes };
  };
  const request = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetchDelivery(new Request('http://gateway/webhooks/qonto', { method: 'POST', headers, body, duplex: 'half' } as RequestInit));

  it('verifies the signature over the raw bytes, not over text decoded and re-encoded', async () => {
    const { receive } = receiver();
    const raw = latin1Envelope('evt-raw');
    const signature = signatureHeader(SECRET, now(), raw);
    expect(await receive(request(new Uint8Array(raw), { 'x-qonto-signature': signature }))).toEqual({ status: 200, body: { ok: true } });

    const reencoded = Buffer.from(raw.toString('utf8'), 'utf8');
    expect(reencoded.equals(raw)).toBe(false);
    expect(await receive(request(new Uint8Array(reencoded), { 'x-qonto-signature': signature }))).toMatchObject({
      status: 401,
      body: { error: 'invalid_signature', reason: 'mismatch' },
    });
  });

  it('answers first and signals on the next turn of the event loop, once per delivery id', async () => {
    const { receive, signals, outcomes } = receiver();
    const body = envelope('evt-once');
    const reply = await receive(request(body, { 'x-qonto-signature': signatureHeader(SECRET, now(), body) }));
    expect(reply).toEqual({ status: 200, body: { ok: true } });
    expect(signals.invoiceChanged).not.toHaveBeenCalled();
    await nextTurn();
    expect(signals.invoiceChanged).toHaveBeenCalledExactlyOnceWith(INVOICE_ID, ORGANIZATION_ID);

    const client = JSON.stringify({ id: 'evt-client', type: 'v1/clients', data: { id: 'client-1' } });
    await receive(request(client, { 'x-qonto-signature': signatureHeader(SECRET, now(), client) }));
    await receive(request(body, { 'x-qonto-signature': signatureHeader(SECRET, now(), body) }));
    await nextTurn();
    expect(signals.clientChanged).toHaveBeenCalledExactlyOnceWith('client-1');
    expect(signals.invoiceChanged).toHaveBeenCalledTimes(1);
    expect(outcomes).toEqual(['accepted', 'accepted', 'duplicate']);
  });

  it('counts a body without Content-Length as it streams, refusing it the moment it passes 256 KiB', async () => {
    const { receive, outcomes } = receiver();
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let pulled = 0;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      // Five chunks (320 KiB), then nothing more: the stream never ends on its own.
      pull: (c) => {
        if (pulled++ < 5) c.enqueue(chunk);
      },
    });
    expect(await receive(request(body))).toEqual({ status: 413, body: { error: 'payload_too_large' } });
    expect(outcomes).toEqual(['too_large']);
    expect(pulled * chunk.length).toBeGreaterThan(MAX_WEBHOOK_BODY_BYTES);
    controller.close();
  });
});
