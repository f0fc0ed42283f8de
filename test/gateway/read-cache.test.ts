/**
 * The read cache through yoga against the simulator: warm reads cost no Qonto call, every
 * mutation kind makes the next read fresh, a credential never reads another's entries, and
 * `QONTO_CACHE_TTL_MS=0` turns the cache off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from 'qonto-simulator';
import { startStack, type TestStack } from '../helpers/stack.js';

const INVOICES = SEED.atelier.invoices;
const CLIENTS = SEED.atelier.clients;

type Result = Record<string, any>;

let stack: TestStack;
afterEach(() => stack?.close());

const start = async (ttl = '30000') => {
  stack = await startStack({ env: { QONTO_CACHE_TTL_MS: ttl } });
  stack.sim.resetRequests();
};

const INVOICE = `query ($id: ID!) { clientInvoice(id: $id) { id status client { id name } } }`;
const CLIENT = `query ($id: ID!) { client(id: $id) { id name } }`;

async function read(query: string, id: string, authorization?: string): Promise<Result | null> {
  const response = await stack.gql<Record<string, Result | null>>(query, { id }, authorization);
  expect(response.body.errors).toBeUndefined();
  return Object.values(response.body.data!)[0]!;
}

async function mutate(mutation: string, variables: Record<string, unknown>): Promise<Result> {
  const response = await stack.gql<Record<string, Result>>(mutation, variables);
  expect(response.body.errors).toBeUndefined();
  const result = Object.values(response.body.data!)[0]!;
  expect(result['__typename']).toMatch(/Success$/);
  return result;
}

/** Reads an invoice twice (the second time from the cache, no call), runs `change`, then reads it as Qonto has it since. */
async function readYourWrite(id: string, change: () => Promise<unknown>): Promise<Result | null> {
  await read(INVOICE, id);
  stack.sim.resetRequests();
  await read(INVOICE, id);
  expect(stack.calls()).toEqual([]);
  await change();
  const after = await read(INVOICE, id);
  // Read again from Qonto after the change (by the mutation itself or by this read).
  const calls = stack.calls();
  expect(calls.lastIndexOf(`GET /v2/client_invoices/${id}`)).toBeGreaterThan(calls.findIndex((call) => !call.startsWith('GET')));
  return after;
}

const action = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on Error { message } } }`;

describe('read cache', () => {
  it('a warm read costs no Qonto call (invoice, client, organization)', async () => {
    await start();
    const query = `query ($id: ID!) { clientInvoice(id: $id) { id client { id name } } organization { legalName } }`;
    const first = await stack.gql(query, { id: INVOICES.readyToSend });
    expect(first.body.errors).toBeUndefined();
    expect(stack.calls().length).toBeGreaterThanOrEqual(3);
    stack.sim.resetRequests();
    const second = await stack.gql(query, { id: INVOICES.readyToSend });
    expect(second.body).toEqual(first.body);
    expect(stack.calls()).toEqual([]);
    const metrics = await stack.app.metrics.registry.metrics();
    expect(metrics).toMatch(/qonto_cache_hits_total\{kind="invoice"\} 1/);
    expect(metrics).toMatch(/qonto_cache_misses_total\{kind="invoice"\} 1/);
    expect(metrics).toMatch(/qonto_cache_entries 3/);
  });

  it('QONTO_CACHE_TTL_MS=0: every read goes to Qonto', async () => {
    await start('0');
    await read(INVOICE, INVOICES.readyToSend);
    stack.sim.resetRequests();
    await read(INVOICE, INVOICES.readyToSend);
    expect(stack.calls()).toContain(`GET /v2/client_invoices/${INVOICES.readyToSend}`);
    expect(stack.app.services.readCache).toBeUndefined();
  });

  it("never serves one credential's entry to another: org B reading org A's cached invoice gets Qonto's 404", async () => {
    await start();
    await read(INVOICE, INVOICES.readyToSend);
    stack.sim.resetRequests();
    const other = `Bearer ${stack.sim.credentials[1]!.bearerToken}`;
    expect(await read(INVOICE, INVOICES.readyToSend, other)).toBeNull();
    expect(stack.calls()).toEqual([`GET /v2/client_invoices/${INVOICES.readyToSend}`]);
  });

  describe('after each mutation kind, the next read is fresh', () => {
    it('updateClient', async () => {
      await start();
      await read(CLIENT, CLIENTS.nova);
      await mutate(
        `mutation ($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { __typename ... on Error { message } } }`,
        { id: CLIENTS.nova, input: { name: 'Nova Renamed' } },
      );
      stack.sim.resetRequests();
      expect(await read(CLIENT, CLIENTS.nova)).toMatchObject({ name: 'Nova Renamed' });
      expect(stack.calls()).toEqual([`GET /v2/clients/${CLIENTS.nova}`]);
    });

    it('updateClientInvoice', async () => {
      await start();
      const mutation = `mutation ($id: ID!, $input: UpdateClientInvoiceInput!) { updateClientInvoice(id: $id, input: $input) { __typename ... on Error { message } } }`;
      const query = `query ($id: ID!) { clientInvoice(id: $id) { id purchaseOrder } }`;
      await read(query, INVOICES.draft);
      await mutate(mutation, { id: INVOICES.draft, input: { purchaseOrder: 'PO-CACHE-1' } });
      expect(await read(query, INVOICES.draft)).toMatchObject({ purchaseOrder: 'PO-CACHE-1' });
    });

    it('finalizeClientInvoice', async () => {
      await start();
      const after = await readYourWrite(INVOICES.draft, () => mutate(action('finalizeClientInvoice'), { id: INVOICES.draft }));
      expect(after).toMatchObject({ status: 'UNPAID' });
    });

    it('cancelClientInvoice', async () => {
      await start();
      const after = await readYourWrite(INVOICES.notReachable, () => mutate(action('cancelClientInvoice'), { id: INVOICES.notReachable }));
      expect(after).toMatchObject({ status: 'CANCELED' });
    });

    it('deleteClientInvoice', async () => {
      await start();
      const after = await readYourWrite(INVOICES.draft, () => mutate(action('deleteClientInvoice'), { id: INVOICES.draft }));
      expect(after).toBeNull();
    });

    it('markClientInvoiceAsPaid and unmarkClientInvoiceAsPaid', async () => {
      await start();
      const id = INVOICES.notReachable;
      expect(await readYourWrite(id, () => mutate(action('markClientInvoiceAsPaid'), { id }))).toMatchObject({ status: 'PAID' });
      expect(await readYourWrite(id, () => mutate(action('unmarkClientInvoiceAsPaid'), { id }))).toMatchObject({ status: 'UNPAID' });
    });

    it('sendInvoiceByEmail', async () => {
      await start();
      const id = INVOICES.notReachable;
      const email = `mutation ($id: ID!, $input: SendInvoiceByEmailInput!) { sendInvoiceByEmail(id: $id, input: $input) { __typename ... on Error { message } } }`;
      await readYourWrite(id, () => mutate(email, { id, input: { sendTo: ['a@b.example'], emailTitle: 'Invoice' } }));
    });

    it('sendInvoiceByEinvoice', async () => {
      await start();
      const id = INVOICES.readyToSend;
      const query = `query ($id: ID!) { clientInvoice(id: $id) { id einvoicingStatus } }`;
      expect(await read(query, id)).toMatchObject({ einvoicingStatus: null });
      await mutate(action('sendInvoiceByEinvoice'), { id });
      stack.sim.resetRequests();
      expect(await read(query, id)).not.toMatchObject({ einvoicingStatus: null });
      expect(stack.calls()).toEqual([`GET /v2/client_invoices/${id}`]);
    });
  });

  it('the e-invoice send decides on the invoice and client as Qonto has them, not on cached copies', async () => {
    await start();
    const id = INVOICES.readyToSend;
    const invoice = await read(INVOICE, id);
    const clientId = invoice!['client']['id'] as string;
    stack.sim.resetRequests();
    await mutate(action('sendInvoiceByEinvoice'), { id });
    expect(stack.calls().slice(0, 2)).toEqual([`GET /v2/client_invoices/${id}`, `GET /v2/clients/${clientId}`]);
  });

  it('an invoice in progress is refetched after the poll interval', async () => {
    stack = await startStack({ env: { QONTO_CACHE_TTL_MS: '60000', LIFECYCLE_POLL_INTERVAL_MS: '100' } });
    const id = INVOICES.inProgress;
    await read(INVOICE, id);
    stack.sim.resetRequests();
    await read(INVOICE, id);
    expect(stack.calls()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await read(INVOICE, id);
    expect(stack.calls()).toEqual([`GET /v2/client_invoices/${id}`]);
    // A settled invoice stays cached past the poll interval.
    await read(INVOICE, INVOICES.paid);
    await new Promise((resolve) => setTimeout(resolve, 120));
    stack.sim.resetRequests();
    await read(INVOICE, INVOICES.paid);
    expect(stack.calls()).toEqual([]);
  });
});
