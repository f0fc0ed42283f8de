import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../src/qonto/webhook-signature.js';
import { SEED } from 'qonto-simulator';
import { LIFECYCLE, startLiveStack, subscribe, type LifecycleMessage, type LiveStack } from '../helpers/live.js';
import { REDIS_URL, redisReachable } from '../helpers/redis.js';

const available = await redisReachable();
if (!available && !process.env['CI']) {
  console.warn(`[Redis tests skipped] no Redis at ${REDIS_URL}: start one (redis-server) to run the two-replica tests`);
}

describe.skipIf(!available && !process.env['CI'])('two gateway replicas sharing Redis', () => {
  let stack: LiveStack;
  beforeAll(async () => {
    stack = await startLiveStack({ gateways: 2, env: { REDIS_URL, LIFECYCLE_POLL_INTERVAL_MS: '3600000' } });
  });
  afterAll(() => stack?.close());

  it('a webhook received by replica A reaches the subscribers on replica B exactly once', async () => {
    const [a, b] = stack.gateways as [NonNullable<LiveStack['gateways'][0]>, NonNullable<LiveStack['gateways'][0]>];
    const id = SEED.atelier.invoices.readyToSendMotsBleus;
    const onB = subscribe<LifecycleMessage>(stack.ws(stack.auth(), b), LIFECYCLE, { id });
    const onA = subscribe<LifecycleMessage>(stack.ws(stack.auth(), a), LIFECYCLE, { id });
    await b.services.lifecycle.whenSubscribers(1);
    await a.services.lifecycle.whenSubscribers(1);

    // Sent through A; webhooks (duplicated) land on A only; B learns through Redis.
    stack.sim.faults.set({ webhooks: { duplicateNext: 100 } });
    await stack.http('mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }', { id }, stack.auth(), a);
    await stack.sim.network.flush();
    for (const queue of [onB, onA]) {
      const seen: number[] = [];
      for (let i = 0; i < 6; i++) seen.push((await queue.next()).clientInvoiceLifecycle.event.statusCode);
      expect(seen).toEqual([200, 201, 202, 203, 204, 205]);
    }
    await stack.sim.webhooks.idle();
    await stack.http('mutation ($id: ID!) { markClientInvoiceAsPaid(id: $id) { __typename } }', { id }, stack.auth(), b);
    expect((await onB.next()).clientInvoiceLifecycle.event.statusCode).toBe(212);
    expect((await onA.next()).clientInvoiceLifecycle.event.statusCode).toBe(212);
  });

  it('an organisation feed on replica B gets the webhooks received by replica A, each event once', async () => {
    const [a, b] = stack.gateways as [NonNullable<LiveStack['gateways'][0]>, NonNullable<LiveStack['gateways'][0]>];
    const id = SEED.atelier.invoices.readyToSendHotel;
    const query = `subscription ($ids: [ID!]) { clientInvoiceUpdates(filter: { ids: $ids }) { kind invoiceId newLifecycleEvents { statusCode } } }`;
    type Message = { clientInvoiceUpdates: { kind: string; invoiceId: string; newLifecycleEvents: Array<{ statusCode: number }> } };
    const onB = subscribe<Message>(stack.ws(stack.auth(), b), query, { ids: [id] });
    await b.services.lifecycle.feeds.whenSubscribers(1);
    stack.sim.faults.set({ webhooks: { duplicateNext: 100 } });
    // Sent through A; the webhooks (201 … 205 included) land on A only: B learns through Redis, on the organisation topic.
    await stack.http('mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }', { id }, stack.auth(), a);
    await stack.sim.network.flush();
    const seen: number[] = [];
    while (seen.length < 6) {
      const { clientInvoiceUpdates: update } = await onB.next();
      expect(update).toMatchObject({ kind: 'UPDATED', invoiceId: id });
      seen.push(...update.newLifecycleEvents.map((e) => e.statusCode));
    }
    expect(seen).toEqual([200, 201, 202, 203, 204, 205]);
  });

  it('de-duplicates a webhook id across replicas', async () => {
    const [a, b] = stack.gateways;
    const body = JSON.stringify({ id: `evt-shared-${Date.now()}`, type: 'v1/client-invoices', data: { id: SEED.atelier.invoices.paid } });
    const post = (url: string) =>
      fetch(`${url}/webhooks/qonto`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-qonto-signature': signatureHeader(stack.secret, Math.floor(Date.now() / 1000), body),
        },
        body,
      }).then((r) => r.json());
    expect(await post(a!.url)).toEqual({ ok: true });
    expect(await post(b!.url)).toEqual({ ok: true, duplicate: true });
  });

  it('reports Redis in readiness', async () => {
    const readiness = await (await fetch(`${stack.gateways[1]!.url}/readiness`)).json();
    expect(readiness).toEqual({ ok: true, checks: { config: { ok: true }, redis: { ok: true } } });
  });
});
