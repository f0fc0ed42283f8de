import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QontoTransport } from '../../src/qonto/transport.js';
import { SEED } from 'qonto-simulator';
import { startStack, type TestStack } from '../helpers/stack.js';

const UBL = readFileSync(new URL('../fixtures/ubl-invoice.xml', import.meta.url), 'utf8');

let stack: TestStack;
let rest: QontoTransport;
beforeAll(async () => {
  stack = await startStack();
  rest = new QontoTransport({ baseUrl: stack.sim.url, environment: 'production' });
});
afterAll(async () => {
  await rest.close();
  await stack.close();
});

type Invoice = {
  status: string;
  einvoicingStatus: string | null;
  einvoicingEligibility: { eligible: boolean; reasons: string[] };
  einvoicingLifecycleEvents: Array<{ statusCode: number; label: string }>;
};
const INVOICE = `query ($id: ID!) { clientInvoice(id: $id) { status einvoicingStatus einvoicingEligibility { eligible reasons } einvoicingLifecycleEvents { statusCode label } } }`;
const readInvoice = async (id: string) => (await stack.gql<{ clientInvoice: Invoice }>(INVOICE, { id })).body.data!.clientInvoice;
const SEND = `mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename ... on SendInvoiceByEinvoiceSuccess { alreadySubmitted } } }`;

describe('Flow 1: an invoice made in Qonto, sent by e-invoice, approved, paid', () => {
  it('goes from draft to approved and cashed', async () => {
    const qonto = rest.forAuthorization(stack.auth);
    const draft = await qonto.createClientInvoice({
      client_id: SEED.atelier.clients.reachable,
      issue_date: '2026-11-24',
      due_date: '2026-12-24',
      currency: 'EUR',
      terms_and_conditions: 'Payment within 30 days',
      payment_methods: { iban: stack.sim.credentials[0]!.iban },
      items: [{ title: 'Lighting audit', quantity: '1', unit_price: { value: '800.00', currency: 'EUR' }, vat_rate: '0.2' }],
    });
    expect((await readInvoice(draft.id)).einvoicingEligibility).toEqual({ eligible: false, reasons: ['INVOICE_NOT_FINALIZED'] });

    await qonto.finalizeClientInvoice(draft.id);
    expect((await readInvoice(draft.id)).einvoicingEligibility).toEqual({ eligible: true, reasons: [] });

    const sent = await stack.gql<{ sendInvoiceByEinvoice: { __typename: string; alreadySubmitted: boolean } }>(SEND, { id: draft.id });
    expect(sent.body.data!.sendInvoiceByEinvoice).toEqual({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: false });

    await stack.sim.network.flush();
    const approved = await readInvoice(draft.id);
    expect(approved.einvoicingStatus).toBe('APPROVED');
    expect(approved.einvoicingLifecycleEvents.map((e) => e.statusCode)).toEqual([200, 201, 202, 203, 204, 205]);

    const resend = await stack.gql<{ sendInvoiceByEinvoice: { alreadySubmitted: boolean } }>(SEND, { id: draft.id });
    expect(resend.body.data!.sendInvoiceByEinvoice.alreadySubmitted).toBe(true);

    await stack.gql('mutation ($id: ID!) { markClientInvoiceAsPaid(id: $id) { __typename } }', { id: draft.id });
    const cashed = await readInvoice(draft.id);
    expect(cashed.status).toBe('PAID');
    expect(cashed.einvoicingLifecycleEvents.at(-1)).toEqual({ statusCode: 212, label: 'Payment received' });
  });

  it('ends rejected or refused for the seeded clients that do so', async () => {
    for (const [id, last, status] of [
      [SEED.atelier.invoices.rejectedClient, 213, 'SUBMISSION_FAILED'],
      [SEED.atelier.invoices.refusedClient, 210, 'DECLINED'],
    ] as const) {
      await stack.gql(SEND, { id });
      await stack.sim.network.flush();
      const invoice = await readInvoice(id);
      expect(invoice.einvoicingStatus).toBe(status);
      expect(invoice.einvoicingLifecycleEvents.at(-1)?.statusCode).toBe(last);
    }
  });
});

describe('Flow 2: an invoice made elsewhere, imported, then sent', () => {
  it('imports a UBL file and follows it to approval', async () => {
    const imported = await stack.gqlUpload<{ importClientInvoices: { invoices: Array<{ id: string }> } }>(
      'mutation ($files: [File!]!) { importClientInvoices(files: $files) { ... on ImportClientInvoicesSuccess { invoices { id } } } }',
      [{ name: 'EXT-2026-0042.xml', type: 'application/xml', content: UBL }],
    );
    const id = imported.body.data!.importClientInvoices.invoices[0]!.id;
    expect((await readInvoice(id)).einvoicingEligibility.eligible).toBe(true);
    const sent = await stack.gql<{ sendInvoiceByEinvoice: { __typename: string } }>(SEND, { id });
    expect(sent.body.data!.sendInvoiceByEinvoice.__typename).toBe('SendInvoiceByEinvoiceSuccess');
    await stack.sim.network.flush();
    const invoice = await readInvoice(id);
    expect(invoice.einvoicingStatus).toBe('APPROVED');
    expect(invoice.einvoicingLifecycleEvents.map((e) => e.label)).toEqual([
      'Submitted',
      'Issued by platform',
      'Received by platform',
      'Made available',
      'In hand',
      'Approved',
    ]);
  });
});
