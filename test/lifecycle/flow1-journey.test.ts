/**
 * Flow 1 end to end on real ports, through GraphQL alone: createClient → createClientInvoice →
 * finalizeClientInvoice → sendInvoiceByEinvoice, watched over graphql-ws by clientInvoiceLifecycle
 * from Submitted (200) to Approved (205). The simulator creates API clients unreachable
 * (docs/qonto-facts.md#simulator-clients), so the journey makes its client reachable through the
 * simulator's store test hook, standing in for the Annuaire registration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from 'qonto-simulator';
import { LIFECYCLE, startLiveStack, subscribe, type LifecycleMessage, type LiveStack } from '../helpers/live.js';

let stack: LiveStack;
afterEach(() => stack?.close());

type Result = Record<string, any>;

async function mutate(stackRef: LiveStack, document: string, variables: Record<string, unknown>): Promise<Result> {
  const response = await stackRef.http<Record<string, Result>>(document, variables);
  expect(response.errors).toBeUndefined();
  return Object.values(response.data!)[0]!;
}

const CREATE_CLIENT = `mutation ($input: CreateClientInput!) {
  createClient(input: $input) { __typename ... on Error { message } ... on CreateClientSuccess { client { id einvoicingReachable } } }
}`;
const CREATE_INVOICE = `mutation ($input: CreateClientInvoiceInput!) {
  createClientInvoice(input: $input) { __typename ... on Error { message } ... on CreateClientInvoiceSuccess { invoice { id status } } }
}`;
const FINALIZE = `mutation ($id: ID!) {
  finalizeClientInvoice(id: $id) { __typename ... on Error { message } ... on FinalizeClientInvoiceSuccess { invoice { id status number einvoicingEligibility { eligible reasons } } } }
}`;
const SEND = `mutation ($id: ID!) {
  sendInvoiceByEinvoice(id: $id) { __typename ... on Error { message } ... on SendInvoiceByEinvoiceSuccess { alreadySubmitted } }
}`;

describe('Flow 1 through GraphQL alone', () => {
  it('creates a client and an invoice, finalizes and e-invoices it; the subscription sees 200 … 205', async () => {
    stack = await startLiveStack();

    const created = await mutate(stack, CREATE_CLIENT, {
      input: {
        kind: 'COMPANY',
        name: 'Forge Numérique SAS',
        email: 'billing@forge.example',
        taxIdentificationNumber: '987654321',
        einvoicingAddress: '987654321',
        currency: 'EUR',
        locale: 'fr',
        billingAddress: { streetAddress: '3 rue des Forges', city: 'Lyon', zipCode: '69002', countryCode: 'FR' },
      },
    });
    expect(created).toMatchObject({ __typename: 'CreateClientSuccess', client: { einvoicingReachable: false } });
    const clientId: string = created['client'].id;
    stack.sim.store.setClientReachable(stack.sim.credentials[0]!.organizationId, clientId, true);

    const draft = await mutate(stack, CREATE_INVOICE, {
      input: {
        clientId,
        issueDate: '2026-11-29',
        dueDate: '2026-12-29',
        termsAndConditions: 'Payment within 30 days.',
        items: [{ title: 'Forge audit', quantity: '1', unitPrice: { value: '1200.00', currency: 'EUR' }, vatRate: '0.2' }],
      },
    });
    expect(draft).toMatchObject({ __typename: 'CreateClientInvoiceSuccess', invoice: { status: 'DRAFT' } });
    const id: string = draft['invoice'].id;

    const finalized = await mutate(stack, FINALIZE, { id });
    expect(finalized).toMatchObject({
      __typename: 'FinalizeClientInvoiceSuccess',
      invoice: { id, status: 'UNPAID', einvoicingEligibility: { eligible: true, reasons: [] } },
    });

    const queue = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id });
    await stack.gateways[0]!.services.lifecycle.whenSubscribers(1);
    expect(await mutate(stack, SEND, { id })).toEqual({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: false });

    const codes: number[] = [(await queue.next()).clientInvoiceLifecycle.event.statusCode];
    let last: LifecycleMessage | undefined;
    while (codes.length < 6) {
      await stack.sim.network.advance();
      last = await queue.next();
      codes.push(last.clientInvoiceLifecycle.event.statusCode);
    }
    expect(codes).toEqual([200, 201, 202, 203, 204, 205]);
    expect(last!.clientInvoiceLifecycle.invoice).toEqual({ id, einvoicingStatus: 'APPROVED' });
    queue.unsubscribe();
  });

  it('sends again an invoice whose first submission ended in 213: the POST reaches Qonto and a new run starts at 200', async () => {
    stack = await startLiveStack();
    const id = SEED.atelier.invoices.alreadyRejected;
    const queue = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id });
    await stack.gateways[0]!.services.lifecycle.whenSubscribers(1);
    stack.sim.resetRequests();

    expect(await mutate(stack, SEND, { id })).toEqual({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: false });
    expect(
      stack.sim.requests
        .filter((request) => request.method === 'POST')
        .map((request) => `${request.method} ${request.path} ${request.status}`),
    ).toEqual([`POST /v2/client_invoices/${id}/send_by_einvoice 204`]);
    expect((await queue.next()).clientInvoiceLifecycle.event.statusCode).toBe(200);
    await stack.sim.network.advance();
    expect((await queue.next()).clientInvoiceLifecycle.event.statusCode).toBe(201);
    queue.unsubscribe();
  });
});
