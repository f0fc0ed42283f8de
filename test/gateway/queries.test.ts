import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;

interface Page {
  totalCount: number;
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function allInvoiceIds(): Promise<{ ids: string[]; total: number }> {
  const result = await stack.gql<{ clientInvoices: { totalCount: number; nodes: Array<{ id: string }> } }>(
    '{ clientInvoices(first: 100) { totalCount nodes { id } } }',
  );
  return { ids: result.body.data!.clientInvoices.nodes.map((n) => n.id), total: result.body.data!.clientInvoices.totalCount };
}

describe('connections over page-based pagination', () => {
  it.each([1, 3, 7, 13, 40, 100])('first: %i walks every invoice exactly once', async (first) => {
    const { ids, total } = await allInvoiceIds();
    expect(ids.length).toBe(total);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: { body: { data?: { clientInvoices: Page } | null } } = await stack.gql<{ clientInvoices: Page }>(
        'query ($first: Int, $after: String) { clientInvoices(first: $first, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }',
        { first, after },
      );
      const page: Page = result.body.data!.clientInvoices;
      expect(page.totalCount).toBe(total);
      expect(page.pageInfo.hasPreviousPage).toBe(pages > 0);
      seen.push(...page.edges.map((e) => e.node.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      expect(pages).toBeLessThan(200);
    }
    expect(seen).toEqual(ids);
  });

  it('rejects first above 100 and foreign cursors with BAD_USER_INPUT and no upstream call', async () => {
    stack.sim.resetRequests();
    const tooMany = await stack.gql('{ clientInvoices(first: 101) { totalCount } }');
    expect(tooMany.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors?.[0]?.message).toBe('first must be between 0 and 100');
    const badCursor = await stack.gql('{ clients(after: "nope") { totalCount } }');
    expect(badCursor.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(stack.calls()).toEqual([]);
  });

  it('first: 0 still reports totalCount', async () => {
    const { total } = await allInvoiceIds();
    const result = await stack.gql<{ clientInvoices: Page }>(
      '{ clientInvoices(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } } }',
    );
    expect(result.body.data!.clientInvoices).toEqual({ totalCount: total, edges: [], pageInfo: { hasNextPage: true } });
  });
});

describe('filters map to Qonto filter[...] parameters', () => {
  it('invoice status filter and order', async () => {
    stack.sim.resetRequests();
    const result = await stack.gql<{ clientInvoices: { nodes: Array<{ status: string }> } }>(
      '{ clientInvoices(first: 50, filter: { status: [PAID, CANCELED], createdAtFrom: "2020-01-01T00:00:00Z" }, orderBy: CREATED_AT_ASC) { nodes { status } } }',
    );
    expect(stack.sim.requests[0]!.query).toMatchObject({
      'filter[status]': 'paid,canceled',
      'filter[created_at_from]': '2020-01-01T00:00:00Z',
      sort_by: 'created_at:asc',
    });
    const statuses = new Set(result.body.data!.clientInvoices.nodes.map((n) => n.status));
    expect([...statuses].sort()).toEqual(['CANCELED', 'PAID']);
  });

  it('client filters', async () => {
    stack.sim.resetRequests();
    await stack.gql(
      '{ clients(filter: { name: "ab", email: "x@y.example", vatNumber: "FR1", taxIdentificationNumber: "123" }, orderBy: CREATED_AT_DESC) { totalCount } }',
    );
    expect(stack.sim.requests[0]!.query).toMatchObject({
      'filter[name]': 'ab',
      'filter[email]': 'x@y.example',
      'filter[vat_number]': 'FR1',
      'filter[tax_identification_number]': '123',
      sort_by: 'created_at:desc',
    });
  });

  it('rejects a one-character name filter before calling Qonto', async () => {
    stack.sim.resetRequests();
    const result = await stack.gql('{ clients(filter: { name: "a" }) { totalCount } }');
    expect(result.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(stack.calls()).toEqual([]);
  });
});

describe('types', () => {
  it('exposes an e-invoiced invoice with money, items, lifecycle events, cursors and eligibility', async () => {
    const list = await stack.gql<{ clientInvoices: { nodes: Array<{ id: string; einvoicingStatus: string | null }> } }>(
      '{ clientInvoices(first: 100) { nodes { id einvoicingStatus } } }',
    );
    const sent = list.body.data!.clientInvoices.nodes.find((n) => n.einvoicingStatus === 'APPROVED')!;
    expect(sent).toBeDefined();
    const result = await stack.gql<{ clientInvoice: Record<string, any> }>(
      `query ($id: ID!) { clientInvoice(id: $id) {
        id number status issueDate dueDate createdAt finalizedAt paidAt invoiceUrl einvoicingStatus
        totalAmount { value currency cents } vatAmount { value currency cents }
        items { title quantity unitPrice { value cents } vatRate totalAmount { cents } }
        client { id kind name einvoicingReachable einvoicingAddress billingAddress { city countryCode } }
        einvoicingLifecycleEvents { statusCode status label occurredAt reason reasonMessage cursor }
        einvoicingEligibility { eligible reasons }
      } }`,
      { id: sent.id },
    );
    expect(result.body.errors).toBeUndefined();
    const invoice = result.body.data!.clientInvoice;
    expect(invoice.id).toBe(sent.id);
    expect(invoice.totalAmount.cents).toBe(Math.round(Number(invoice.totalAmount.value) * 100));
    expect(invoice.items.length).toBeGreaterThan(0);
    const events = invoice.einvoicingLifecycleEvents as Array<Record<string, any>>;
    expect(events[0]).toMatchObject({ statusCode: 200, status: 'SUBMITTED', label: 'Submitted' });
    expect(events.map((e) => e.statusCode)).toEqual([...events.map((e) => e.statusCode)].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.cursor)).size).toBe(events.length);
    expect(events.at(-1)).toMatchObject({ statusCode: 205, status: 'APPROVED' });
    expect(invoice.client.einvoicingReachable).toBe(true);
    expect(invoice.einvoicingEligibility).toEqual({ eligible: true, reasons: [] });
  });

  it('answers eligibility reasons for drafts, canceled invoices and unreachable clients', async () => {
    const result = await stack.gql<{
      clientInvoices: {
        nodes: Array<{
          status: string;
          client: { einvoicingReachable: boolean } | null;
          einvoicingEligibility: { eligible: boolean; reasons: string[] };
        }>;
      };
    }>('{ clientInvoices(first: 100) { nodes { status client { einvoicingReachable } einvoicingEligibility { eligible reasons } } } }');
    const nodes = result.body.data!.clientInvoices.nodes;
    const draft = nodes.find((n) => n.status === 'DRAFT')!;
    expect(draft.einvoicingEligibility.reasons).toContain('INVOICE_NOT_FINALIZED');
    const canceled = nodes.find((n) => n.status === 'CANCELED')!;
    expect(canceled.einvoicingEligibility.reasons).toContain('INVOICE_CANCELED');
    const unreachable = nodes.find((n) => n.status === 'UNPAID' && n.client && !n.client.einvoicingReachable)!;
    expect(unreachable.einvoicingEligibility).toEqual({ eligible: false, reasons: ['CLIENT_NOT_REACHABLE'] });
  });

  it('returns null for an unknown invoice and for another organisation’s ids', async () => {
    const other = await stack.gql<{ clientInvoices: { nodes: Array<{ id: string }> } }>(
      '{ clientInvoices(first: 1) { nodes { id } } }',
      {},
      `Bearer ${stack.sim.credentials[1]!.bearerToken}`,
    );
    const foreignId = other.body.data!.clientInvoices.nodes[0]!.id;
    const result = await stack.gql<{ a: null; b: null; c: null }>(
      `query ($id: ID!) { a: clientInvoice(id: "00000000-0000-7000-8000-000000000000") { id } b: clientInvoice(id: $id) { id } c: client(id: "00000000-0000-7000-8000-000000000000") { id } }`,
      { id: foreignId },
    );
    expect(result.body).toEqual({ data: { a: null, b: null, c: null } });
  });

  it('serves e-invoicing settings with the environment', async () => {
    const result = await stack.gql('{ einvoicingSettings { sendingStatus receivingStatus environment } }');
    expect(result.body.data).toEqual({
      einvoicingSettings: { sendingStatus: 'ENABLED', receivingStatus: 'ENABLED', environment: 'PRODUCTION' },
    });
  });

  it('lists clients with kinds and names for people', async () => {
    const result = await stack.gql<{
      clients: { totalCount: number; nodes: Array<{ kind: string; name: string | null; firstName: string | null }> };
    }>('{ clients(first: 100) { totalCount nodes { id kind name firstName lastName } } }');
    const nodes = result.body.data!.clients.nodes;
    expect(nodes.length).toBe(result.body.data!.clients.totalCount);
    expect(nodes.some((n) => n.kind === 'COMPANY')).toBe(true);
    const person = nodes.find((n) => n.kind === 'INDIVIDUAL')!;
    expect(person.name).toContain(person.firstName!);
  });
});
