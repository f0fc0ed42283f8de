import { afterEach, describe, expect, it } from 'vitest';
import { SIGNAL_COALESCE_MS } from '../../src/lifecycle/hub.js';
import { signatureHeader } from '../../src/qonto/webhook-signature.js';
import { SEED } from 'qonto-simulator';
import { LIFECYCLE, startLiveStack, subscribe, type LifecycleMessage, type LiveStack } from '../helpers/live.js';

const SEND = 'mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }';

let stack: LiveStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('a burst of webhooks for one watched invoice', () => {
  it('2,000 signed webhooks cost one GET per coalescing window, and the subscriber gets every event once, in order', async () => {
    stack = await startLiveStack({ env: { LIFECYCLE_POLL_INTERVAL_MS: '3600000' } });
    const gateway = stack.gateways[0]!;
    const id = SEED.atelier.invoices.readyToSend;
    const queue = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id });
    await gateway.services.lifecycle.whenSubscribers(1);
    expect(await stack.http(SEND, { id })).toEqual({ data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } } });
    expect((await queue.next()).clientInvoiceLifecycle.event.statusCode).toBe(200);

    stack.sim.resetRequests();
    const started = performance.now();
    const post = (n: number) => {
      const body = JSON.stringify({ id: `evt-burst-${n}`, type: 'v1/client-invoices', data: { id, event: 'updated' } });
      return fetch(`${gateway.url}/webhooks/qonto`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-qonto-signature': signatureHeader(stack!.secret, Math.floor(Date.now() / 1000), body),
        },
        body,
      }).then((response) => response.status);
    };
    for (let batch = 0; batch < 20; batch++) {
      const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => post(batch * 100 + i)));
      expect(new Set(statuses)).toEqual(new Set([200]));
      if (batch === 9) await stack.sim.network.flush(); // the network moves on in the middle of the burst
    }

    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await queue.next()).clientInvoiceLifecycle.event.statusCode);
    expect(codes).toEqual([201, 202, 203, 204, 205]);
    const elapsed = performance.now() - started;
    const gets = stack.sim.requests.filter((r) => r.method === 'GET' && r.path === `/v2/client_invoices/${id}`).length;
    expect(gets).toBeGreaterThanOrEqual(1);
    expect(gets).toBeLessThanOrEqual(Math.ceil(elapsed / SIGNAL_COALESCE_MS) + 2);
  });
});
