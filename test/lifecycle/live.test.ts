import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from 'qonto-simulator';
import { LIFECYCLE, startLiveStack, subscribe, type LifecycleMessage, type LiveStack } from '../helpers/live.js';

const INVOICES = SEED.atelier.invoices;
const SEND = `mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }`;

let stack: LiveStack;
afterEach(() => stack?.close());

const codes = async (queue: { next(): Promise<LifecycleMessage> }, count: number) => {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await queue.next()).clientInvoiceLifecycle.event.statusCode);
  return seen;
};

async function sendAndWatch(faults: Parameters<LiveStack['sim']['faults']['set']>[0] = {}, env: NodeJS.ProcessEnv = {}) {
  stack = await startLiveStack({ env });
  const hub = stack.gateways[0]!.services.lifecycle;
  const queue = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id: INVOICES.readyToSend });
  await hub.whenSubscribers(1);
  stack.sim.faults.set(faults);
  expect(await stack.http(SEND, { id: INVOICES.readyToSend })).toEqual({
    data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } },
  });
  await stack.sim.network.flush();
  return { queue, hub };
}

/** After the approval sequence, one more event (212, from marking paid) must be the very next message. */
async function expectNothingElseThen212(queue: { next(): Promise<LifecycleMessage> }) {
  await stack.sim.webhooks.idle();
  await stack.http('mutation ($id: ID!) { markClientInvoiceAsPaid(id: $id) { __typename } }', { id: INVOICES.readyToSend });
  const next = await queue.next();
  expect(next.clientInvoiceLifecycle.event).toMatchObject({ statusCode: 212, status: 'CASHED' });
  expect(next.clientInvoiceLifecycle.invoice.einvoicingStatus).toBe('APPROVED');
}

describe('clientInvoiceLifecycle over graphql-ws, fed by the simulator’s signed webhooks', () => {
  it('delivers every event once, in Qonto’s order, with cursors', async () => {
    const { queue } = await sendAndWatch();
    const messages: LifecycleMessage[] = [];
    for (let i = 0; i < 6; i++) messages.push(await queue.next());
    expect(messages.map((m) => m.clientInvoiceLifecycle.event.statusCode)).toEqual([200, 201, 202, 203, 204, 205]);
    expect(messages.map((m) => m.clientInvoiceLifecycle.event.label)).toEqual([
      'Submitted',
      'Issued by platform',
      'Received by platform',
      'Made available',
      'In hand',
      'Approved',
    ]);
    expect(new Set(messages.map((m) => m.clientInvoiceLifecycle.event.cursor)).size).toBe(6);
    expect(messages.at(-1)!.clientInvoiceLifecycle.invoice).toEqual({ id: INVOICES.readyToSend, einvoicingStatus: 'APPROVED' });
    await expectNothingElseThen212(queue);
  });

  it.each([
    ['duplicated', { webhooks: { duplicateNext: 100 } }],
    ['reordered', { webhooks: { reorderNext: 100 } }],
    ['delayed', { webhooks: { delayMs: 50 } }],
  ])('stays exactly once when webhooks are %s', async (_name, faults) => {
    const { queue } = await sendAndWatch(faults as never);
    expect(await codes(queue, 6)).toEqual([200, 201, 202, 203, 204, 205]);
    await expectNothingElseThen212(queue);
  });

  it('loses nothing when every webhook is dropped: the poller reconciles', async () => {
    const { queue } = await sendAndWatch({ webhooks: { dropNext: 1000 } } as never, { LIFECYCLE_POLL_INTERVAL_MS: '100' });
    expect(await codes(queue, 6)).toEqual([200, 201, 202, 203, 204, 205]);
    expect(stack.sim.webhooks.deliveries.filter((d) => d.status !== 'error')).toHaveLength(0);
  });

  it('shows the first event right after a send, without waiting for a webhook or a poll', async () => {
    stack = await startLiveStack({ env: { LIFECYCLE_POLL_INTERVAL_MS: '3600000' } });
    stack.sim.faults.set({ webhooks: { dropNext: 1000 } } as never);
    const queue = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id: INVOICES.readyToSendNova });
    await stack.gateways[0]!.services.lifecycle.whenSubscribers(1);
    await stack.http(SEND, { id: INVOICES.readyToSendNova });
    expect((await queue.next()).clientInvoiceLifecycle.event.statusCode).toBe(200);
  });

  it('resumes with after: replays every later event first', async () => {
    stack = await startLiveStack();
    const query = await stack.http<{ clientInvoice: { einvoicingLifecycleEvents: Array<{ cursor: string }> } }>(
      'query ($id: ID!) { clientInvoice(id: $id) { einvoicingLifecycleEvents { cursor } } }',
      { id: INVOICES.alreadyApproved },
    );
    const second = query.data!.clientInvoice.einvoicingLifecycleEvents[1]!.cursor;
    const queue = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id: INVOICES.alreadyApproved, after: second });
    expect(await codes(queue, 4)).toEqual([202, 203, 204, 205]);
  });

  it('rejects a cursor of another invoice with BAD_USER_INPUT', async () => {
    stack = await startLiveStack();
    const query = await stack.http<{ clientInvoice: { einvoicingLifecycleEvents: Array<{ cursor: string }> } }>(
      'query ($id: ID!) { clientInvoice(id: $id) { einvoicingLifecycleEvents { cursor } } }',
      { id: INVOICES.alreadyApproved },
    );
    const queue = subscribe(stack.ws(stack.auth()), LIFECYCLE, {
      id: INVOICES.inProgress,
      after: query.data!.clientInvoice.einvoicingLifecycleEvents[0]!.cursor,
    });
    await expect(queue.next()).rejects.toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
  });

  it('isolates tenants: another organisation cannot subscribe, and gets nothing from it', async () => {
    stack = await startLiveStack();
    const hub = stack.gateways[0]!.services.lifecycle;
    const foreign = subscribe(stack.ws(stack.auth(1)), LIFECYCLE, { id: INVOICES.readyToSend });
    await expect(foreign.next()).rejects.toMatchObject([
      { message: `Client invoice ${INVOICES.readyToSend} not found`, extensions: { code: 'NOT_FOUND' } },
    ]);

    const own = subscribe<LifecycleMessage>(stack.ws(stack.auth(1)), LIFECYCLE, { id: SEED.bureau.invoices.readyToSend });
    await hub.whenSubscribers(1);
    await stack.http(SEND, { id: INVOICES.readyToSend });
    await stack.sim.network.flush();
    await stack.sim.webhooks.idle();
    await stack.http(SEND, { id: SEED.bureau.invoices.readyToSend }, stack.auth(1));
    const first = await own.next();
    expect(first.clientInvoiceLifecycle.invoice.id).toBe(SEED.bureau.invoices.readyToSend);
    expect(first.clientInvoiceLifecycle.event.statusCode).toBe(200);
  });

  it('closes a WebSocket without credentials, or with credentials Qonto refuses, with 4403', async () => {
    stack = await startLiveStack();
    for (const authorization of [null, 'Bearer not-a-real-token']) {
      const queue = subscribe(stack.ws(authorization), LIFECYCLE, { id: INVOICES.readyToSend });
      await expect(queue.next()).rejects.toMatchObject({ code: 4403 });
    }
  });

  it('leaves no watch, poll timer or bus listener behind when subscribers disconnect', async () => {
    stack = await startLiveStack();
    const hub = stack.gateways[0]!.services.lifecycle;
    const client = stack.ws(stack.auth());
    const a = subscribe(client, LIFECYCLE, { id: INVOICES.readyToSend });
    subscribe(client, LIFECYCLE, { id: INVOICES.readyToSend });
    subscribe(stack.ws(stack.auth()), LIFECYCLE, { id: INVOICES.inProgress });
    await hub.whenSubscribers(3);
    expect(hub.stats()).toMatchObject({ watches: 2, subscribers: 3, pollTimers: 2 });
    expect(hub.stats().busListeners).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${stack.gateways[0]!.url}/metrics`)).text();
    expect(metrics).toMatch(/^lifecycle_watched_invoices 2$/m);
    expect(metrics).toMatch(/^lifecycle_subscribers 3$/m);
    expect(metrics).toMatch(/^lifecycle_polls_waiting 0$/m);
    a.unsubscribe();
    await stack.close();
    stack = undefined as never;
    await hub.whenEmpty();
    expect(hub.stats()).toEqual({ watches: 0, subscribers: 0, pollTimers: 0, pollsWaiting: 0, busListeners: 0, loggedEvents: 0 });
  });

  it('also streams over SSE', async () => {
    stack = await startLiveStack();
    const controller = new AbortController();
    const response = await fetch(`${stack.gateways[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: stack.auth() },
      body: JSON.stringify({ query: LIFECYCLE, variables: { id: INVOICES.readyToSend } }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    await stack.gateways[0]!.services.lifecycle.whenSubscribers(1);
    await stack.http(SEND, { id: INVOICES.readyToSend });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('"statusCode":200')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/event: next\ndata: .*"statusCode":200/);
    controller.abort();
    await stack.gateways[0]!.services.lifecycle.whenEmpty();
  });
});
