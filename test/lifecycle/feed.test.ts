import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from 'qonto-simulator';
import { startLiveStack, subscribe, type LiveStack, type SubscriptionQueue } from '../helpers/live.js';

const INVOICES = SEED.atelier.invoices;
const FEED = `subscription ($filter: ClientInvoiceUpdatesFilter) {
  clientInvoiceUpdates(filter: $filter) { kind invoiceId invoice { id status einvoicingStatus } newLifecycleEvents { statusCode cursor } }
}`;
const SEND = `mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }`;
const CREATE_INVOICE = `mutation ($input: CreateClientInvoiceInput!) {
  createClientInvoice(input: $input) { __typename ... on Error { message } ... on CreateClientInvoiceSuccess { invoice { id } } }
}`;
const DELETE = `mutation ($id: ID!) { deleteClientInvoice(id: $id) { __typename } }`;

interface FeedMessage {
  clientInvoiceUpdates: {
    kind: 'CREATED' | 'UPDATED' | 'DELETED';
    invoiceId: string;
    invoice: { id: string; status: string; einvoicingStatus: string | null } | null;
    newLifecycleEvents: Array<{ statusCode: number; cursor: string }>;
  };
}

let stack: LiveStack;
afterEach(() => stack?.close());

function feed(variables: Record<string, unknown> = {}, org: 0 | 1 = 0, timeoutMs?: number) {
  return subscribe<FeedMessage>(stack.ws(stack.auth(org)), FEED, variables, timeoutMs);
}

async function start(env: NodeJS.ProcessEnv = {}) {
  stack = await startLiveStack({ env });
  return stack.gateways[0]!.services.lifecycle.feeds;
}

/** Reads updates until `count` lifecycle events arrived; every message must be UPDATED of `id`. */
async function events(queue: SubscriptionQueue<FeedMessage>, id: string, count: number): Promise<number[]> {
  const codes: number[] = [];
  while (codes.length < count) {
    const { clientInvoiceUpdates: update } = await queue.next();
    expect(update).toMatchObject({ kind: 'UPDATED', invoiceId: id });
    codes.push(...update.newLifecycleEvents.map((e) => e.statusCode));
  }
  return codes;
}

describe('clientInvoiceUpdates: the organisation feed on real ports', () => {
  it('emits UPDATED with each new lifecycle event once, in order, as the network advances', async () => {
    const feeds = await start();
    const queue = feed();
    await feeds.whenSubscribers(1);
    await stack.http(SEND, { id: INVOICES.readyToSend });
    expect(await events(queue, INVOICES.readyToSend, 1)).toEqual([200]);
    await stack.sim.network.flush();
    expect(await events(queue, INVOICES.readyToSend, 5)).toEqual([201, 202, 203, 204, 205]);
  });

  it('stays exactly once under duplicated and reordered webhooks', async () => {
    const feeds = await start();
    const quiet = feed({}, 0, 1500);
    await feeds.whenSubscribers(1);
    stack.sim.faults.set({ webhooks: { duplicateNext: 100, reorderNext: 100 } } as never);
    await stack.http(SEND, { id: INVOICES.readyToSend });
    await stack.sim.network.flush();
    expect(await events(quiet, INVOICES.readyToSend, 6)).toEqual([200, 201, 202, 203, 204, 205]);
    await stack.sim.webhooks.idle();
    await expect(quiet.next()).rejects.toThrow(/no subscription message/);
  });

  it('emits CREATED for a new invoice, then DELETED once the draft is deleted', async () => {
    const feeds = await start();
    const queue = feed();
    await feeds.whenSubscribers(1);
    const created = await stack.http<{ createClientInvoice: { invoice: { id: string } } }>(CREATE_INVOICE, {
      input: {
        clientId: Object.values(SEED.atelier.clients)[0],
        issueDate: '2026-11-29',
        dueDate: '2026-12-29',
        termsAndConditions: 'Payment within 30 days.',
        items: [{ title: 'Audit', quantity: '1', unitPrice: { value: '100.00', currency: 'EUR' }, vatRate: '0.2' }],
      },
    });
    expect(created).toMatchObject({ data: { createClientInvoice: { __typename: 'CreateClientInvoiceSuccess' } } });
    const id = created.data!.createClientInvoice.invoice.id;
    expect((await queue.next()).clientInvoiceUpdates).toMatchObject({ kind: 'CREATED', invoiceId: id, invoice: { id, status: 'DRAFT' } });
    await stack.sim.webhooks.idle();
    await stack.http(DELETE, { id });
    expect((await queue.next()).clientInvoiceUpdates).toEqual({ kind: 'DELETED', invoiceId: id, invoice: null, newLifecycleEvents: [] });
  });

  it('reconciles lost webhooks with the poll', async () => {
    const feeds = await start({ LIFECYCLE_POLL_INTERVAL_MS: '100' });
    stack.sim.faults.set({ webhooks: { dropNext: 1000 } } as never);
    const queue = feed();
    await feeds.whenSubscribers(1);
    await stack.http(SEND, { id: INVOICES.readyToSend });
    await stack.sim.network.flush();
    expect(await events(queue, INVOICES.readyToSend, 6)).toEqual([200, 201, 202, 203, 204, 205]);
  });

  it('keeps organisations apart, and follows only the listed ids', async () => {
    const feeds = await start();
    const foreign = feed({}, 1);
    const other = feed({ filter: { ids: [INVOICES.readyToSendNova] } });
    const listed = feed({ filter: { ids: [INVOICES.readyToSend] } });
    await feeds.whenSubscribers(3);
    await stack.http(SEND, { id: INVOICES.readyToSendNova });
    await stack.http(SEND, { id: INVOICES.readyToSend });
    expect((await other.next()).clientInvoiceUpdates.invoiceId).toBe(INVOICES.readyToSendNova);
    expect((await listed.next()).clientInvoiceUpdates.invoiceId).toBe(INVOICES.readyToSend);
    await stack.sim.webhooks.idle();
    await stack.http(SEND, { id: SEED.bureau.invoices.readyToSend }, stack.auth(1));
    expect((await foreign.next()).clientInvoiceUpdates).toMatchObject({ kind: 'UPDATED', invoiceId: SEED.bureau.invoices.readyToSend });
  });

  it('refuses more than 100 ids or a malformed id with BAD_USER_INPUT', async () => {
    await start();
    const many = Array.from({ length: 101 }, (_, i) => `inv${i}`);
    for (const ids of [many, ['a/b']]) {
      const queue = feed({ filter: { ids } });
      await expect(queue.next()).rejects.toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    }
  });

  it('emits nothing for a webhook that changed nothing', async () => {
    const feeds = await start();
    const queue = feed({}, 0, 1500);
    await feeds.whenSubscribers(1);
    stack.gateways[0]!.services.lifecycle.invoiceChanged(INVOICES.readyToSend, stack.sim.credentials[0]!.organizationId);
    await expect(queue.next()).rejects.toThrow(/no subscription message/);
  });

  it('re-fetches once per signal for every subscriber with the same credentials', async () => {
    const feeds = await start();
    const client = stack.ws(stack.auth());
    const queues = [feed(), feed(), feed({ filter: { ids: [INVOICES.readyToSend] } }), subscribe<FeedMessage>(client, FEED, {})];
    await feeds.whenSubscribers(queues.length);
    expect(feeds.stats()).toEqual({ feeds: 1, subscribers: 4 });
    await stack.http('mutation ($id: ID!) { markClientInvoiceAsPaid(id: $id) { __typename } }', { id: INVOICES.readyToSend });
    for (const queue of queues)
      expect((await queue.next()).clientInvoiceUpdates).toMatchObject({ kind: 'UPDATED', invoice: { status: 'PAID' } });
    // A signal for an invoice nothing else is fetching: the feed shared by the four subscribers
    // re-fetches it once (the window below only catches a second, erroneous fetch).
    stack.sim.resetRequests();
    stack.gateways[0]!.services.lifecycle.invoiceChanged(INVOICES.inProgress, stack.sim.credentials[0]!.organizationId);
    const fetches = () => stack.sim.requests.filter((r) => r.method === 'GET' && r.path === `/v2/client_invoices/${INVOICES.inProgress}`);
    await expect.poll(() => fetches().length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fetches()).toHaveLength(1);
  });

  it('also streams over SSE', async () => {
    const feeds = await start();
    const controller = new AbortController();
    const response = await fetch(`${stack.gateways[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: stack.auth() },
      body: JSON.stringify({ query: FEED, variables: { filter: { ids: [INVOICES.readyToSend] } } }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    await feeds.whenSubscribers(1);
    await stack.http(SEND, { id: INVOICES.readyToSend });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('"statusCode":200')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/event: next\ndata: .*"kind":"UPDATED".*"statusCode":200/);
    controller.abort();
  });

  it('leaves no feed, poll timer or bus listener behind when its subscribers leave', async () => {
    const feeds = await start();
    const hub = stack.gateways[0]!.services.lifecycle;
    const listenersBefore = hub.bus.listenerCount();
    const a = feed();
    const b = feed({ filter: { ids: [INVOICES.readyToSend] } });
    await feeds.whenSubscribers(2);
    expect(feeds.stats()).toEqual({ feeds: 1, subscribers: 2 });
    expect(hub.bus.listenerCount()).toBe(listenersBefore + 2);
    a.unsubscribe();
    b.unsubscribe();
    await expect.poll(() => feeds.stats()).toEqual({ feeds: 0, subscribers: 0 });
    expect(hub.bus.listenerCount()).toBe(listenersBefore);
    expect(hub.stats().pollsWaiting).toBe(0);
  });

  it('finds an invoice created while every webhook is lost with the poll: CREATED', async () => {
    const feeds = await start({ LIFECYCLE_POLL_INTERVAL_MS: '100' });
    stack.sim.faults.set({ webhooks: { dropNext: 1000 } } as never);
    const queue = feed();
    await feeds.whenSubscribers(1);
    const created = await stack.http<{ createClientInvoice: { invoice: { id: string } } }>(CREATE_INVOICE, {
      input: {
        clientId: Object.values(SEED.atelier.clients)[0],
        issueDate: '2026-11-29',
        dueDate: '2026-12-29',
        termsAndConditions: 'Payment within 30 days.',
        items: [{ title: 'Audit', quantity: '1', unitPrice: { value: '100.00', currency: 'EUR' }, vatRate: '0.2' }],
      },
    });
    const id = created.data!.createClientInvoice.invoice.id;
    expect((await queue.next()).clientInvoiceUpdates).toMatchObject({ kind: 'CREATED', invoiceId: id, newLifecycleEvents: [] });
  });
});
