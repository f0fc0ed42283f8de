import { getNamedType, isObjectType } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { SEED } from 'qonto-simulator';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.sim.resetRequests());

const BAD_IDS: Array<[string, string]> = [
  ['a dot-dot segment', '..'],
  ['a dot segment', '.'],
  ['a slash', 'a/b'],
  ['10,000 characters', 'x'.repeat(10_000)],
  ['an encoded dot-dot', '%2e%2e'],
  ['a query string', 'abc?x=1'],
  ['an empty string', ''],
];

/** Every root field taking an `id`, with a document that reaches its resolver. */
const ID_OPERATIONS: Record<string, { document: string; variables?: Record<string, unknown> }> = {
  'Query.clientInvoice': { document: 'query ($id: ID!) { clientInvoice(id: $id) { id } }' },
  'Query.client': { document: 'query ($id: ID!) { client(id: $id) { id } }' },
  'Mutation.sendInvoiceByEinvoice': { document: 'mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }' },
  'Mutation.sendInvoiceByEmail': {
    document: 'mutation ($id: ID!, $input: SendInvoiceByEmailInput!) { sendInvoiceByEmail(id: $id, input: $input) { __typename } }',
    variables: { input: { sendTo: ['ap@example.com'], emailTitle: 'Your invoice' } },
  },
  'Mutation.markClientInvoiceAsPaid': { document: 'mutation ($id: ID!) { markClientInvoiceAsPaid(id: $id) { __typename } }' },
  'Mutation.unmarkClientInvoiceAsPaid': { document: 'mutation ($id: ID!) { unmarkClientInvoiceAsPaid(id: $id) { __typename } }' },
  'Mutation.updateClient': {
    document: 'mutation ($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { __typename } }',
    variables: { input: { email: 'ap@example.com' } },
  },
  'Mutation.updateClientInvoice': {
    document: 'mutation ($id: ID!, $input: UpdateClientInvoiceInput!) { updateClientInvoice(id: $id, input: $input) { __typename } }',
    variables: { input: { purchaseOrder: 'PO-1' } },
  },
  'Mutation.finalizeClientInvoice': { document: 'mutation ($id: ID!) { finalizeClientInvoice(id: $id) { __typename } }' },
  'Mutation.cancelClientInvoice': { document: 'mutation ($id: ID!) { cancelClientInvoice(id: $id) { __typename } }' },
  'Mutation.deleteClientInvoice': { document: 'mutation ($id: ID!) { deleteClientInvoice(id: $id) { __typename } }' },
  'Subscription.clientInvoiceLifecycle': {
    document: 'subscription ($id: ID!) { clientInvoiceLifecycle(id: $id) { event { statusCode } } }',
  },
};

describe('id arguments are checked before any upstream call', () => {
  it('covers every root field with an ID argument', () => {
    const withIds: string[] = [];
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      if (!root || !isObjectType(root)) continue;
      for (const field of Object.values(root.getFields())) {
        if (field.args.some((arg) => getNamedType(arg.type).name === 'ID')) withIds.push(`${root.name}.${field.name}`);
      }
    }
    expect(withIds.sort()).toEqual(Object.keys(ID_OPERATIONS).sort());
  });

  describe.each(Object.entries(ID_OPERATIONS))('%s', (_name, operation) => {
    it.each(BAD_IDS)('refuses %s with BAD_USER_INPUT naming the argument, calling nothing', async (_label, id) => {
      const result = await stack.gql(operation.document, { ...operation.variables, id });
      expect(result.body.errors).toHaveLength(1);
      const [error] = result.body.errors!;
      expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
      expect(error!.message).toMatch(/^id is not a Qonto id/);
      expect(error!.message.length).toBeLessThan(200); // the id is never echoed
      expect(stack.calls()).toEqual([]);
    });
  });

  it('still accepts the ids Qonto gives out (UUIDs) and forwards them unchanged', async () => {
    const id = SEED.atelier.invoices.paid;
    const result = await stack.gql<{ clientInvoice: { id: string } }>('query ($id: ID!) { clientInvoice(id: $id) { id } }', { id });
    expect(result.body.data?.clientInvoice.id).toBe(id);
    expect(stack.calls()).toEqual([`GET /v2/client_invoices/${id}`]);
  });

  it('answers null for a well-formed id Qonto does not know (one GET, Qonto decides)', async () => {
    const result = await stack.gql('query ($id: ID!) { clientInvoice(id: $id) { id } }', { id: 'inv_unknown-42' });
    expect(result.body).toEqual({ data: { clientInvoice: null } });
    expect(stack.calls()).toEqual(['GET /v2/client_invoices/inv_unknown-42']);
  });
});

describe('filters are bounded before any upstream call', () => {
  it.each([
    ['name', 'x'.repeat(251), 'filter.name is longer than 250 characters'],
    ['email', `${'x'.repeat(250)}@a.fr`, 'filter.email is longer than 254 characters'],
    ['vatNumber', 'FR'.repeat(11), 'filter.vatNumber is longer than 20 characters'],
    ['taxIdentificationNumber', '1'.repeat(31), 'filter.taxIdentificationNumber is longer than 30 characters'],
    ['name', 'x'.repeat(900_000), 'filter.name is longer than 250 characters'],
  ])('clients(filter: { %s }) over the limit', async (field, value, message) => {
    const result = await stack.gql('query ($filter: ClientFilter) { clients(filter: $filter) { totalCount } }', {
      filter: { [field]: value },
    });
    expect(result.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', argument: `filter.${field}` } });
    expect(stack.calls()).toEqual([]);
  });

  it('accepts filters at the limits and sends them as given', async () => {
    const filter = { name: 'x'.repeat(250), vatNumber: 'F'.repeat(20), taxIdentificationNumber: '1'.repeat(30) };
    const result = await stack.gql('query ($filter: ClientFilter) { clients(filter: $filter) { totalCount } }', { filter });
    expect(result.body.errors).toBeUndefined();
    expect(stack.sim.requests).toHaveLength(1);
    expect(stack.sim.requests[0]!.query).toMatchObject({
      'filter[name]': filter.name,
      'filter[vat_number]': filter.vatNumber,
      'filter[tax_identification_number]': filter.taxIdentificationNumber,
    });
  });

  it('refuses more status values than there are statuses, and sends repeats once', async () => {
    const query = 'query ($filter: ClientInvoiceFilter) { clientInvoices(filter: $filter) { totalCount } }';
    const tooMany = await stack.gql(query, { filter: { status: Array.from({ length: 50_000 }, () => 'PAID') } });
    expect(tooMany.body.errors?.[0]).toMatchObject({
      message: 'filter.status takes at most 4 values',
      extensions: { code: 'BAD_USER_INPUT', argument: 'filter.status' },
    });
    const empty = await stack.gql(query, { filter: { status: [] } });
    expect(empty.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.status' });
    expect(stack.calls()).toEqual([]);

    const repeated = await stack.gql(query, { filter: { status: ['PAID', 'UNPAID', 'PAID'] } });
    expect(repeated.body.errors).toBeUndefined();
    expect(stack.sim.requests.map((r) => r.query['filter[status]'])).toEqual(['paid,unpaid']);
  });

  it('takes dates as dates: a timestamp with a 10,000-digit fraction is refused by the scalar', async () => {
    const result = await stack.gql('query ($filter: ClientInvoiceFilter) { clientInvoices(filter: $filter) { totalCount } }', {
      filter: { createdAtFrom: `2025-01-01T00:00:00.${'1'.repeat(10_000)}Z` },
    });
    expect(result.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(stack.calls()).toEqual([]);
  });
});

describe('mutation inputs are bounded before any upstream call', () => {
  const EMAIL = `mutation ($id: ID!, $input: SendInvoiceByEmailInput!) {
    sendInvoiceByEmail(id: $id, input: $input) { __typename ... on ValidationError { field message } }
  }`;
  const IMPORT =
    'mutation ($files: [File!]!) { importClientInvoices(files: $files) { __typename ... on ValidationError { field message } } }';
  const pdf = (name: string) => ({ name, type: 'application/pdf', content: '%PDF-1.7 test' });

  it('refuses a 10,000-character recipient and 101 recipients with a ValidationError', async () => {
    const id = SEED.atelier.invoices.paid;
    const long = await stack.gql<{ sendInvoiceByEmail: Record<string, unknown> }>(EMAIL, {
      id,
      input: { sendTo: [`${'a'.repeat(10_000)}@example.com`], emailTitle: 'Invoice' },
    });
    expect(long.body.data?.sendInvoiceByEmail).toEqual({
      __typename: 'ValidationError',
      field: 'input.sendTo[0]',
      message: 'Recipient 1 is longer than 254 characters',
    });
    const many = await stack.gql<{ sendInvoiceByEmail: Record<string, unknown> }>(EMAIL, {
      id,
      input: { sendTo: Array.from({ length: 101 }, (_, i) => `r${i}@example.com`), emailTitle: 'Invoice' },
    });
    expect(many.body.data?.sendInvoiceByEmail).toMatchObject({ __typename: 'ValidationError', field: 'input.sendTo' });
    expect(stack.calls()).toEqual([]);
  });

  it('refuses more than 5 files (413 before the body is parsed), and a file name longer than 255 characters, sending nothing', async () => {
    const six = await stack.gqlUpload(
      IMPORT,
      Array.from({ length: 6 }, (_, i) => pdf(`invoice-${i}.pdf`)),
    );
    expect(six.status).toBe(413);
    expect(six.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/at most 5 files/),
      extensions: { code: 'PAYLOAD_TOO_LARGE' },
    });
    const longName = await stack.gqlUpload<{ importClientInvoices: Record<string, unknown> }>(IMPORT, [pdf(`${'n'.repeat(300)}.pdf`)]);
    expect(longName.body.data?.importClientInvoices).toEqual({
      __typename: 'ValidationError',
      field: 'files[0]',
      message: 'File 1 has a name longer than 255 characters',
    });
    expect(stack.calls()).toEqual([]);
  });
});
