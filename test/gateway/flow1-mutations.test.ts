/**
 * Flow 1 mutations through yoga against the simulator: organization, createClient, updateClient,
 * createClientInvoice, updateClientInvoice, finalizeClientInvoice, cancelClientInvoice and
 * deleteClientInvoice, with the exact upstream calls each one makes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SEED } from 'qonto-simulator';
import { startStack, type TestStack } from '../helpers/stack.js';

const INVOICES = SEED.atelier.invoices;
const CLIENTS = SEED.atelier.clients;
const UNKNOWN = '00000000-0000-7000-8000-000000000000';

type Result = Record<string, any>;

let stack: TestStack;
beforeEach(async () => {
  stack = await startStack();
  stack.sim.resetRequests();
});
afterEach(() => stack.close());

const org = () => stack.sim.credentials[0]!.organizationId;
const writes = () => stack.calls().filter((c) => !c.startsWith('GET'));

const INVOICE_FIELDS = 'id status number purchaseOrder items { title quantity vatRate unitPrice { value } }';
const MEMBER_FIELDS: Record<string, string> = {
  ValidationError: 'field',
  NotFoundError: 'id',
  InvalidInvoiceStateError: 'status',
};
/** The error fragments of a result union with these members. */
const errors = (...members: string[]) => `... on Error { message } ${members.map((m) => `... on ${m} { ${MEMBER_FIELDS[m]} }`).join(' ')}`;

async function run(mutation: string, variables: Record<string, unknown>): Promise<Result> {
  const response = await stack.gql<Record<string, Result>>(mutation, variables);
  expect(response.body.errors).toBeUndefined();
  return Object.values(response.body.data!)[0]!;
}

const CREATE_CLIENT = `mutation ($input: CreateClientInput!) {
  createClient(input: $input) { __typename ${errors('ValidationError')} ... on CreateClientSuccess { client { id kind name email currency locale einvoicingReachable billingAddress { city countryCode } } } }
}`;
const UPDATE_CLIENT = `mutation ($id: ID!, $input: UpdateClientInput!) {
  updateClient(id: $id, input: $input) { __typename ${errors('NotFoundError', 'ValidationError')} ... on UpdateClientSuccess { client { id name email currency } } }
}`;
const CREATE_INVOICE = `mutation ($input: CreateClientInvoiceInput!) {
  createClientInvoice(input: $input) { __typename ${errors('ValidationError')} ... on CreateClientInvoiceSuccess { invoice { ${INVOICE_FIELDS} } } }
}`;
const UPDATE_INVOICE = `mutation ($id: ID!, $input: UpdateClientInvoiceInput!) {
  updateClientInvoice(id: $id, input: $input) { __typename ${errors('NotFoundError', 'InvalidInvoiceStateError', 'ValidationError')} ... on UpdateClientInvoiceSuccess { invoice { ${INVOICE_FIELDS} } } }
}`;
const action = (name: string, success: string) => `mutation ($id: ID!) {
  ${name}(id: $id) { __typename ${errors('NotFoundError', 'InvalidInvoiceStateError')} ... on ${success} { invoice { id status number } } }
}`;
const FINALIZE = action('finalizeClientInvoice', 'FinalizeClientInvoiceSuccess');
const CANCEL = action('cancelClientInvoice', 'CancelClientInvoiceSuccess');
const DELETE = `mutation ($id: ID!) { deleteClientInvoice(id: $id) { __typename ${errors('NotFoundError', 'InvalidInvoiceStateError')} ... on DeleteClientInvoiceSuccess { id } } }`;

const item = (overrides: Record<string, unknown> = {}) => ({
  title: 'Consulting',
  quantity: '2',
  unit: 'day',
  unitPrice: { value: '500.00', currency: 'EUR' },
  vatRate: '0.2',
  ...overrides,
});
const invoiceInput = (overrides: Record<string, unknown> = {}) => ({
  clientId: CLIENTS.reachable,
  issueDate: '2026-11-29',
  dueDate: '2026-12-29',
  termsAndConditions: 'Payment within 30 days.',
  items: [item()],
  ...overrides,
});

/** A fresh draft made through the simulator's API directly, so that each test owns its invoice. */
async function newDraft(): Promise<string> {
  const created = await run(CREATE_INVOICE, { input: invoiceInput() });
  stack.sim.resetRequests();
  return created['invoice'].id;
}

describe('organization', () => {
  it('reads the organization and its bank accounts with one GET', async () => {
    const response = await stack.gql<{ organization: Result }>('{ organization { id legalName bankAccounts { iban currency main } } }');
    expect(response.body.data!.organization).toEqual({
      id: org(),
      legalName: SEED.atelier.legalName,
      bankAccounts: [{ iban: SEED.atelier.iban, currency: 'EUR', main: true }],
    });
    expect(stack.calls()).toEqual(['GET /v2/organization']);
  });
});

describe('createClient / updateClient', () => {
  const company = {
    kind: 'COMPANY',
    name: 'Forge Numérique SAS',
    email: 'billing@forge.example',
    currency: 'EUR',
    locale: 'fr',
    vatNumber: 'FR12345678901',
    billingAddress: { streetAddress: '3 rue des Forges', city: 'Lyon', zipCode: '69002', countryCode: 'FR' },
  };

  it('creates a client with one POST; Qonto starts it unreachable', async () => {
    const result = await run(CREATE_CLIENT, { input: company });
    expect(result).toMatchObject({
      __typename: 'CreateClientSuccess',
      client: {
        kind: 'COMPANY',
        name: 'Forge Numérique SAS',
        email: 'billing@forge.example',
        currency: 'EUR',
        locale: 'fr',
        einvoicingReachable: false,
        billingAddress: { city: 'Lyon' },
      },
    });
    expect(stack.calls()).toEqual(['POST /v2/clients']);
    expect(stack.sim.store.getClient(org(), result['client'].id)).toMatchObject({ vat_number: 'FR12345678901' });
  });

  it('422 → ValidationError on the input path (a company without a name)', async () => {
    const result = await run(CREATE_CLIENT, { input: { kind: 'COMPANY', email: 'x@example.com' } });
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.name' });
    expect(stack.calls()).toEqual(['POST /v2/clients']);
  });

  it('refuses a name longer than Qonto allows before any call', async () => {
    const response = await stack.gql(CREATE_CLIENT, { input: { kind: 'COMPANY', name: 'x'.repeat(251) } });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.name' });
    expect(stack.calls()).toEqual([]);
  });

  it('updates only the fields given with one PATCH, and the returned client is current', async () => {
    const created = await run(CREATE_CLIENT, { input: company });
    stack.sim.resetRequests();
    const id = created['client'].id;
    const result = await run(UPDATE_CLIENT, { id, input: { email: 'accounts@forge.example' } });
    expect(result).toEqual({
      __typename: 'UpdateClientSuccess',
      client: { id, name: 'Forge Numérique SAS', email: 'accounts@forge.example', currency: 'EUR' },
    });
    expect(stack.calls()).toEqual([`PATCH /v2/clients/${id}`]);
    expect(stack.sim.store.getClient(org(), id)).toMatchObject({ vat_number: 'FR12345678901', locale: 'fr' });
  });

  it('NotFoundError for an unknown client', async () => {
    expect(await run(UPDATE_CLIENT, { id: UNKNOWN, input: { email: 'a@b.example' } })).toEqual({
      __typename: 'NotFoundError',
      id: UNKNOWN,
      message: `Client ${UNKNOWN} not found`,
    });
    expect(stack.calls()).toEqual([`PATCH /v2/clients/${UNKNOWN}`]);
  });

  it('refuses a malformed id before any call', async () => {
    const response = await stack.gql(UPDATE_CLIENT, { id: '../clients', input: { email: 'a@b.example' } });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(stack.calls()).toEqual([]);
  });
});

describe('createClientInvoice', () => {
  it("creates a draft paid on the organization's main account, in EUR: one GET of the organization, one POST", async () => {
    const result = await run(CREATE_INVOICE, { input: invoiceInput({ purchaseOrder: 'PO-7' }) });
    expect(result).toMatchObject({
      __typename: 'CreateClientInvoiceSuccess',
      invoice: {
        status: 'DRAFT',
        number: null,
        purchaseOrder: 'PO-7',
        items: [{ title: 'Consulting', quantity: '2', vatRate: '0.2', unitPrice: { value: '500.00' } }],
      },
    });
    expect(stack.calls()).toEqual(['GET /v2/organization', 'POST /v2/client_invoices']);
    expect(stack.sim.store.invoiceRecord(org(), result['invoice'].id)).toMatchObject({
      currency: 'EUR',
      payment_iban: SEED.atelier.iban,
    });
  });

  it('accepts one of the organization’s IBANs written with spaces', async () => {
    const spaced = SEED.atelier.iban.replace(/(.{4})/g, '$1 ').trim();
    const result = await run(CREATE_INVOICE, { input: invoiceInput({ iban: spaced }) });
    expect(result['__typename']).toBe('CreateClientInvoiceSuccess');
    expect(stack.sim.store.invoiceRecord(org(), result['invoice'].id)).toMatchObject({ payment_iban: SEED.atelier.iban });
  });

  it('ValidationError on input.iban for an IBAN that is not the organization’s, without a POST', async () => {
    const result = await run(CREATE_INVOICE, { input: invoiceInput({ iban: 'FR7630006000011234567890189' }) });
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.iban' });
    expect(stack.calls()).toEqual(['GET /v2/organization']);
  });

  it.each([
    ['a missing title', { title: '' }, 'input.items[0].title'],
    ['a bad vat rate', { vatRate: '20' }, 'input.items[0].vatRate'],
    ['a bad quantity', { quantity: '-1' }, 'input.items[0].quantity'],
    ['a bad unit price', { unitPrice: { value: '1.234', currency: 'EUR' } }, 'input.items[0].unitPrice.value'],
  ])("Qonto's 422 for %s → ValidationError on %s", async (_name, overrides, field) => {
    const result = await run(CREATE_INVOICE, { input: invoiceInput({ items: [item(), item(overrides)].slice(1) }) });
    expect(result).toMatchObject({ __typename: 'ValidationError', field });
    expect(stack.calls()).toEqual(['GET /v2/organization', 'POST /v2/client_invoices']);
  });

  it('maps the index of the line Qonto names', async () => {
    const result = await run(CREATE_INVOICE, { input: invoiceInput({ items: [item(), item(), item({ vatRate: '2' })] }) });
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.items[2].vatRate' });
  });

  it('ValidationError on input.clientId for a client Qonto does not know', async () => {
    const result = await run(CREATE_INVOICE, { input: invoiceInput({ clientId: UNKNOWN }) });
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.clientId' });
  });

  it.each([
    ['no line', [], 'input.items'],
    ['101 lines', Array.from({ length: 101 }, () => item()), 'input.items'],
  ])('refuses %s before any call', async (_name, items, argument) => {
    const response = await stack.gql(CREATE_INVOICE, { input: invoiceInput({ items }) });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(stack.calls()).toEqual([]);
  });

  it('refuses a malformed clientId before any call', async () => {
    const response = await stack.gql(CREATE_INVOICE, { input: invoiceInput({ clientId: 'a/b' }) });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.clientId' });
    expect(stack.calls()).toEqual([]);
  });
});

describe('updateClientInvoice', () => {
  it('changes only the fields given on a draft with one PATCH', async () => {
    const id = await newDraft();
    const result = await run(UPDATE_INVOICE, { id, input: { purchaseOrder: 'PO-9' } });
    expect(result).toMatchObject({ __typename: 'UpdateClientInvoiceSuccess', invoice: { id, status: 'DRAFT', purchaseOrder: 'PO-9' } });
    expect(result['invoice'].items).toHaveLength(1);
    expect(stack.calls()).toEqual([`PATCH /v2/client_invoices/${id}`]);
    expect(stack.sim.store.getInvoice(org(), id)).toMatchObject({ terms_and_conditions: 'Payment within 30 days.' });
  });

  it("Qonto's 422 on a line → ValidationError on its input path", async () => {
    const id = await newDraft();
    const result = await run(UPDATE_INVOICE, { id, input: { items: [item({ vatRate: 'abc' })] } });
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.items[0].vatRate' });
  });

  it('InvalidInvoiceStateError for a finalized invoice, with its status read again', async () => {
    expect(await run(UPDATE_INVOICE, { id: INVOICES.readyToSend, input: { purchaseOrder: 'PO-1' } })).toMatchObject({
      __typename: 'InvalidInvoiceStateError',
      status: 'UNPAID',
    });
    expect(stack.calls()).toEqual([`PATCH /v2/client_invoices/${INVOICES.readyToSend}`, `GET /v2/client_invoices/${INVOICES.readyToSend}`]);
  });

  it('NotFoundError for an unknown invoice', async () => {
    expect(await run(UPDATE_INVOICE, { id: UNKNOWN, input: { purchaseOrder: 'PO-1' } })).toMatchObject({
      __typename: 'NotFoundError',
      id: UNKNOWN,
    });
  });

  it('ValidationError on input.iban for a foreign IBAN, without a PATCH', async () => {
    const id = await newDraft();
    const result = await run(UPDATE_INVOICE, { id, input: { iban: 'FR7630006000011234567890189' } });
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.iban' });
    expect(stack.calls()).toEqual(['GET /v2/organization']);
  });
});

describe('finalizeClientInvoice / cancelClientInvoice', () => {
  it('finalizes a draft with one POST: unpaid, numbered', async () => {
    const id = await newDraft();
    const result = await run(FINALIZE, { id });
    expect(result).toMatchObject({ __typename: 'FinalizeClientInvoiceSuccess', invoice: { id, status: 'UNPAID' } });
    expect(result['invoice'].number).toMatch(/^INV-\d{4}-\d{3}$/);
    expect(writes()).toEqual([`POST /v2/client_invoices/${id}/finalize`]);
  });

  it('InvalidInvoiceStateError when finalizing an unpaid invoice', async () => {
    expect(await run(FINALIZE, { id: INVOICES.readyToSend })).toMatchObject({ __typename: 'InvalidInvoiceStateError', status: 'UNPAID' });
  });

  it('NotFoundError when finalizing an unknown invoice', async () => {
    expect(await run(FINALIZE, { id: UNKNOWN })).toMatchObject({ __typename: 'NotFoundError', id: UNKNOWN });
    expect(stack.calls()).toEqual([`POST /v2/client_invoices/${UNKNOWN}/finalize`]);
  });

  it('cancels an unpaid invoice with one POST to mark_as_canceled', async () => {
    const id = await newDraft();
    await run(FINALIZE, { id });
    stack.sim.resetRequests();
    expect(await run(CANCEL, { id })).toMatchObject({ __typename: 'CancelClientInvoiceSuccess', invoice: { id, status: 'CANCELED' } });
    expect(stack.calls()).toEqual([`POST /v2/client_invoices/${id}/mark_as_canceled`]);
  });

  it('InvalidInvoiceStateError when canceling a draft', async () => {
    const id = await newDraft();
    expect(await run(CANCEL, { id })).toMatchObject({ __typename: 'InvalidInvoiceStateError', status: 'DRAFT' });
  });
});

describe('deleteClientInvoice', () => {
  it('deletes a draft with one DELETE', async () => {
    const id = await newDraft();
    expect(await run(DELETE, { id })).toEqual({ __typename: 'DeleteClientInvoiceSuccess', id });
    expect(stack.calls()).toEqual([`DELETE /v2/client_invoices/${id}`]);
    expect(stack.sim.store.getInvoice(org(), id)).toBeUndefined();
  });

  it('refuses to delete a finalized invoice: InvalidInvoiceStateError, and the invoice stays', async () => {
    const id = await newDraft();
    await run(FINALIZE, { id });
    stack.sim.resetRequests();
    expect(await run(DELETE, { id })).toMatchObject({ __typename: 'InvalidInvoiceStateError', status: 'UNPAID' });
    expect(stack.calls()).toEqual([`DELETE /v2/client_invoices/${id}`, `GET /v2/client_invoices/${id}`]);
    expect(stack.sim.store.getInvoice(org(), id)).toMatchObject({ status: 'unpaid' });
  });

  it('NotFoundError for an unknown invoice', async () => {
    expect(await run(DELETE, { id: UNKNOWN })).toMatchObject({ __typename: 'NotFoundError', id: UNKNOWN });
  });
});

describe('after a mutation', () => {
  it('tells the lifecycle hub which invoice or client changed', async () => {
    const hub = stack.app.services.lifecycle;
    const invoiceChanged = vi.spyOn(hub, 'invoiceChanged');
    const clientChanged = vi.spyOn(hub, 'clientChanged');
    const id = await newDraft();
    for (const document of [FINALIZE, CANCEL]) await run(document, { id });
    expect(invoiceChanged.mock.calls).toEqual([[id], [id], [id]]);
    const created = await run(CREATE_CLIENT, { input: { kind: 'COMPANY', name: 'Hub SAS' } });
    await run(UPDATE_CLIENT, { id: created['client'].id, input: { email: 'hub@example.com' } });
    expect(clientChanged.mock.calls).toEqual([[created['client'].id], [created['client'].id]]);
  });

  it('later fields of the operation read the current invoice, not the one loaded before', async () => {
    const id = await newDraft();
    const response = await stack.gql<Record<string, Result>>(
      `mutation ($id: ID!) {
        before: updateClientInvoice(id: $id, input: { purchaseOrder: "PO-1" }) { ... on UpdateClientInvoiceSuccess { invoice { purchaseOrder } } }
        after: finalizeClientInvoice(id: $id) { ... on FinalizeClientInvoiceSuccess { invoice { status purchaseOrder } } }
      }`,
      { id },
    );
    expect(response.body.data).toEqual({
      before: { invoice: { purchaseOrder: 'PO-1' } },
      after: { invoice: { status: 'UNPAID', purchaseOrder: 'PO-1' } },
    });
    expect(stack.calls()).toEqual([`PATCH /v2/client_invoices/${id}`, `POST /v2/client_invoices/${id}/finalize`]);
  });
});
