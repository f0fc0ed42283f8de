import { Writable } from 'node:stream';
import { createClient, type Client } from 'graphql-ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../src/observability/logger.js';
import { SEED } from 'qonto-simulator';
import { LIFECYCLE, startLiveStack, subscribe, type LifecycleMessage, type LiveStack } from '../helpers/live.js';

const INVOICES = SEED.atelier.invoices;
const SEND = `mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }`;

const nested = (depth: number) => `${'a { '.repeat(depth)}b${' }'.repeat(depth)}`;
const TOO_DEEP = `subscription { clientInvoiceLifecycle(id: "${INVOICES.inProgress}") { invoice { client { billingAddress { ${nested(12)} } } } } }`;
const ALIAS_BOMB = `subscription { clientInvoiceLifecycle(id: "${INVOICES.inProgress}") { event { ${Array.from({ length: 40 }, (_, i) => `s${i}: statusCode`).join(' ')} } } }`;
const SYNTAX_ERROR = `subscription { clientInvoiceLifecycle(id: "${INVOICES.inProgress}") { event { statusCode }`;
const UNKNOWN_FIELD = `subscription { clientInvoiceLifecycle(id: "${INVOICES.inProgress}") { nope } }`;

let stack: LiveStack | undefined;
const clientsToDispose: Client[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clientsToDispose.splice(0).map((client) => client.dispose()));
  await stack?.close();
  stack = undefined;
});

/** A graphql-ws client on the stack's gateway that records its connection events. */
function trackedClient(live: LiveStack): { client: Client; events: { connected: number; closed: Array<{ code: number }> } } {
  const events = { connected: 0, closed: [] as Array<{ code: number }> };
  const client = createClient({
    url: `${live.gateways[0]!.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: live.auth() },
    retryAttempts: 0,
    on: {
      connected: () => void events.connected++,
      closed: (event) => void events.closed.push(event as { code: number }),
    },
  });
  return { client, events };
}

/** Resolves with the errors of an operation that must fail. */
async function errorsOf(client: Client, query: string): Promise<Array<{ message: string; extensions?: Record<string, unknown> }>> {
  const queue = subscribe(client, query, {});
  try {
    await queue.next();
  } catch (errors) {
    return errors as never;
  }
  throw new Error('the operation did not fail');
}

async function sendAndFlush(live: LiveStack, id: string): Promise<void> {
  expect(await live.http(SEND, { id })).toEqual({ data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } } });
  await live.sim.network.flush();
}

describe('graphql-ws: one bad operation does not kill the socket', () => {
  it('answers syntax, depth, alias and validation errors for their id only; the running subscription keeps streaming', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const consoleError = vi.spyOn(console, 'error');
    stack = await startLiveStack({ logger: () => createLogger('debug', sink) });
    const hub = stack.gateways[0]!.services.lifecycle;
    const { client, events } = trackedClient(stack);
    clientsToDispose.push(client);

    const running = subscribe<LifecycleMessage>(client, LIFECYCLE, { id: INVOICES.readyToSend });
    await hub.whenSubscribers(1);

    expect(await errorsOf(client, SYNTAX_ERROR)).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Syntax Error/) })]);
    expect(await errorsOf(client, TOO_DEEP)).toEqual([expect.objectContaining({ message: expect.stringMatching(/depth limit/i) })]);
    expect(await errorsOf(client, ALIAS_BOMB)).toEqual([expect.objectContaining({ message: expect.stringMatching(/aliases limit/i) })]);
    expect((await errorsOf(client, UNKNOWN_FIELD))[0]?.message).toMatch(/Cannot query field "nope"/);

    await sendAndFlush(stack, INVOICES.readyToSend);
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await running.next()).clientInvoiceLifecycle.event.statusCode);
    expect(codes).toEqual([200, 201, 202, 203, 204, 205]);

    // same socket, still usable
    const settings = subscribe(client, '{ einvoicingSettings { sendingStatus } }', {});
    expect(await settings.next()).toEqual({ einvoicingSettings: { sendingStatus: 'ENABLED' } });
    expect(events).toEqual({ connected: 1, closed: [] });
    expect(consoleError).not.toHaveBeenCalled();
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines.some((line) => line.msg === 'graphql-ws operation refused')).toBe(true);
  });
});

describe('graphql-ws: subscriptions per socket', () => {
  it('refuses the subscription past GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET for its id only; the others continue', async () => {
    stack = await startLiveStack({ env: { GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET: '2' } });
    const hub = stack.gateways[0]!.services.lifecycle;
    const { client, events } = trackedClient(stack);
    clientsToDispose.push(client);

    const first = subscribe<LifecycleMessage>(client, LIFECYCLE, { id: INVOICES.readyToSend });
    const second = subscribe<LifecycleMessage>(client, LIFECYCLE, { id: INVOICES.readyToSendHotel });
    await hub.whenSubscribers(2);

    const third = subscribe(client, LIFECYCLE, { id: INVOICES.readyToSendNova });
    await expect(third.next()).rejects.toEqual([
      expect.objectContaining({
        message: 'At most 2 subscriptions may run at once on one connection',
        extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2 },
      }),
    ]);
    // queries are not subscriptions: still served at the cap
    expect(await subscribe(client, '{ einvoicingSettings { sendingStatus } }', {}).next()).toEqual({
      einvoicingSettings: { sendingStatus: 'ENABLED' },
    });
    // another socket has its own cap
    const elsewhere = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id: INVOICES.readyToSendNova });
    await hub.whenSubscribers(3);

    await sendAndFlush(stack, INVOICES.readyToSend);
    expect((await first.next()).clientInvoiceLifecycle.event.statusCode).toBe(200);
    await sendAndFlush(stack, INVOICES.readyToSendHotel);
    expect((await second.next()).clientInvoiceLifecycle.event.statusCode).toBe(200);

    // a finished subscription frees its place (this one replays at once what follows the cursor)
    second.unsubscribe();
    const history = await stack.http<{ clientInvoice: { einvoicingLifecycleEvents: Array<{ cursor: string }> } }>(
      'query ($id: ID!) { clientInvoice(id: $id) { einvoicingLifecycleEvents { cursor } } }',
      { id: INVOICES.alreadyApproved },
    );
    const after = history.data!.clientInvoice.einvoicingLifecycleEvents[0]!.cursor;
    const fourth = subscribe<LifecycleMessage>(client, LIFECYCLE, { id: INVOICES.alreadyApproved, after });
    expect((await fourth.next()).clientInvoiceLifecycle.event.statusCode).toBe(201);
    await sendAndFlush(stack, INVOICES.readyToSendNova);
    expect((await elsewhere.next()).clientInvoiceLifecycle.event.statusCode).toBe(200);
    expect((await first.next()).clientInvoiceLifecycle.event.statusCode).toBe(201);
    expect(events).toEqual({ connected: 1, closed: [] });
  });
});
