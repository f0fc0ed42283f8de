/**
 * The read cache across two replicas sharing Redis: a signed webhook received by replica A drops
 * replica B's cached entries (through the signal bus), so B's next read goes to Qonto.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from 'qonto-simulator';
import { signatureHeader } from '../../src/qonto/webhook-signature.js';
import { startLiveStack, type LiveStack } from '../helpers/live.js';
import { REDIS_URL, redisReachable } from '../helpers/redis.js';

const available = await redisReachable();

type Gateway = LiveStack['gateways'][number];

describe.skipIf(!available && !process.env['CI'])('read cache on two replicas sharing Redis', () => {
  let stack: LiveStack;
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    stack = await startLiveStack({ gateways: 2, env: { REDIS_URL, QONTO_CACHE_TTL_MS: '600000', LIFECYCLE_POLL_INTERVAL_MS: '3600000' } });
    [a, b] = stack.gateways as [Gateway, Gateway];
  });
  afterAll(() => stack?.close());

  /** Changes a resource in Qonto behind the gateways' back. */
  const patch = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${stack.sim.url}${path}`, {
      method: 'PATCH',
      headers: { authorization: stack.auth(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  };

  /** A signed webhook delivered to replica A. */
  const webhook = async (type: string, id: string) => {
    const body = JSON.stringify({ id: `evt-cache-${type}-${id}-${Date.now()}`, type, data: { id, event: 'updated' } });
    const response = await fetch(`${a.url}/webhooks/qonto`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-qonto-signature': signatureHeader(stack.secret, Math.floor(Date.now() / 1000), body),
      },
      body,
    });
    expect(response.status).toBe(200);
  };

  /** Reads on `gateway` until `done` holds (the signal crosses Redis asynchronously), at most 5 s. */
  const readUntil = async <T>(query: string, id: string, done: (data: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const result = await stack.http<T>(query, { id }, stack.auth(), b);
      expect(result.errors).toBeUndefined();
      if (done(result.data!) || Date.now() > deadline) return result.data!;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("a webhook for an invoice on replica A invalidates replica B's cached invoice", async () => {
    const id = SEED.atelier.invoices.draft;
    const query = 'query ($id: ID!) { clientInvoice(id: $id) { id purchaseOrder } }';
    type Data = { clientInvoice: { purchaseOrder: string | null } };
    const before = await stack.http<Data>(query, { id }, stack.auth(), b);
    stack.sim.resetRequests();
    expect((await stack.http<Data>(query, { id }, stack.auth(), b)).data).toEqual(before.data);
    expect(stack.sim.requests).toEqual([]);

    await patch(`/v2/client_invoices/${id}`, { purchase_order: 'PO-REPLICA' });
    // Without a signal, B keeps serving its copy.
    stack.sim.resetRequests();
    expect((await stack.http<Data>(query, { id }, stack.auth(), b)).data).toEqual(before.data);
    expect(stack.sim.requests).toEqual([]);

    await webhook('v1/client-invoices', id);
    const after = await readUntil<Data>(query, id, (data) => data.clientInvoice.purchaseOrder === 'PO-REPLICA');
    expect(after.clientInvoice.purchaseOrder).toBe('PO-REPLICA');
  });

  it("a webhook for a client on replica A invalidates replica B's cached client", async () => {
    const id = SEED.atelier.clients.nova;
    const query = 'query ($id: ID!) { client(id: $id) { id name } }';
    type Data = { client: { name: string } };
    await stack.http<Data>(query, { id }, stack.auth(), b);
    await patch(`/v2/clients/${id}`, { name: 'Nova Replica' });
    stack.sim.resetRequests();
    expect((await stack.http<Data>(query, { id }, stack.auth(), b)).data?.client.name).not.toBe('Nova Replica');
    expect(stack.sim.requests).toEqual([]);

    await webhook('v1/clients', id);
    const after = await readUntil<Data>(query, id, (data) => data.client.name === 'Nova Replica');
    expect(after.client.name).toBe('Nova Replica');
  });
});
