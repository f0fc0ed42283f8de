import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack.js';

interface InvoiceNode {
  id: string;
  client: { id: string; name: string | null } | null;
}

let stack: TestStack;
let invoices: InvoiceNode[];

beforeAll(async () => {
  stack = await startStack();
  const result = await stack.gql<{ clientInvoices: { nodes: InvoiceNode[] } }>(
    '{ clientInvoices(first: 40) { nodes { id client { id name } } } }',
  );
  invoices = result.body.data!.clientInvoices.nodes;
  expect(invoices.length).toBe(40);
});
afterAll(() => stack.close());
beforeEach(() => stack.sim.resetRequests());

describe('upstream calls', () => {
  it('one invoice with its client and events costs one invoice GET and one client GET', async () => {
    const invoice = invoices.find((i) => i.client)!;
    const result = await stack.gql(
      `query ($id: ID!) { clientInvoice(id: $id) { id number client { id name } einvoicingLifecycleEvents { status } } }`,
      { id: invoice.id },
    );
    expect(result.body.errors).toBeUndefined();
    expect(stack.calls()).toEqual([`GET /v2/client_invoices/${invoice.id}`, `GET /v2/clients/${invoice.client!.id}`]);
  });

  it('40 invoices with their clients cost 1 list call plus 1 call per distinct client', async () => {
    const result = await stack.gql<{ clientInvoices: { nodes: InvoiceNode[] } }>(
      '{ clientInvoices(first: 40) { nodes { id number status totalAmount { value } client { id name einvoicingReachable } } } }',
    );
    expect(result.body.errors).toBeUndefined();
    const distinctClients = new Set(invoices.flatMap((i) => (i.client ? [i.client.id] : [])));
    const calls = stack.calls();
    expect(calls.filter((c) => c === 'GET /v2/client_invoices')).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('GET /v2/clients/')).sort()).toEqual(
      [...distinctClients].map((id) => `GET /v2/clients/${id}`).sort(),
    );
    expect(calls).toHaveLength(1 + distinctClients.size);
    expect(stack.sim.requests[0]!.query).toMatchObject({ page: '1', per_page: '40' });
  });

  it('a list without lifecycle fields never calls the invoice detail endpoint', async () => {
    await stack.gql('{ clientInvoices(first: 40) { nodes { id number einvoicingStatus } } }');
    expect(stack.calls()).toEqual(['GET /v2/client_invoices']);
  });

  it('a list with lifecycle fields adds exactly one detail call per invoice', async () => {
    const result = await stack.gql<{ clientInvoices: { nodes: Array<{ id: string; einvoicingLifecycleEvents: unknown[] }> } }>(
      '{ clientInvoices(first: 40) { nodes { id einvoicingLifecycleEvents { statusCode label cursor } } } }',
    );
    expect(result.body.errors).toBeUndefined();
    const calls = stack.calls();
    expect(calls[0]).toBe('GET /v2/client_invoices');
    expect(calls.slice(1).sort()).toEqual(invoices.map((i) => `GET /v2/client_invoices/${i.id}`).sort());
  });

  it('shares one client GET between aliases and repeated references in one request', async () => {
    const invoice = invoices.find((i) => i.client)!;
    await stack.gql(`query ($c: ID!) { a: client(id: $c) { name } b: client(id: $c) { email } }`, { c: invoice.client!.id });
    expect(stack.calls()).toEqual([`GET /v2/clients/${invoice.client!.id}`]);
  });

  it('never shares loaders between requests', async () => {
    const invoice = invoices.find((i) => i.client)!;
    const query = `query ($c: ID!) { client(id: $c) { name } }`;
    await stack.gql(query, { c: invoice.client!.id });
    await stack.gql(query, { c: invoice.client!.id });
    expect(stack.calls()).toEqual([`GET /v2/clients/${invoice.client!.id}`, `GET /v2/clients/${invoice.client!.id}`]);
  });
});
