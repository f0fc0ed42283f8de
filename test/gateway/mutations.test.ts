import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED } from 'qonto-simulator';
import { todayInParis } from '../../src/schema/mark-as-paid.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const INVOICES = SEED.atelier.invoices;
const UBL = readFileSync(new URL('../fixtures/ubl-invoice.xml', import.meta.url), 'utf8');

const SEND = `mutation ($id: ID!) {
  sendInvoiceByEinvoice(id: $id) {
    __typename
    ... on Error { message }
    ... on SendInvoiceByEinvoiceSuccess { alreadySubmitted invoice { id einvoicingStatus einvoicingLifecycleEvents { statusCode status } } }
    ... on ClientNotReachableError { client { id name einvoicingReachable } }
    ... on InvalidInvoiceStateError { status }
    ... on EinvoicingPreconditionFailedError { code detail traceId }
    ... on NotFoundError { id }
  }
}`;

type Result = Record<string, any>;

let stack: TestStack;
beforeEach(async () => {
  stack = await startStack();
  stack.sim.resetRequests();
});
afterEach(() => stack.close());

const posts = () => stack.calls().filter((c) => c.startsWith('POST'));
const send = async (id: string) => (await stack.gql<{ sendInvoiceByEinvoice: Result }>(SEND, { id })).body.data!.sendInvoiceByEinvoice;

describe('sendInvoiceByEinvoice', () => {
  it('sends a finalized invoice to a reachable client: one POST, re-fetched invoice with event 200', async () => {
    const result = await send(INVOICES.readyToSend);
    expect(result).toEqual({
      __typename: 'SendInvoiceByEinvoiceSuccess',
      alreadySubmitted: false,
      invoice: {
        id: INVOICES.readyToSend,
        einvoicingStatus: 'PENDING',
        einvoicingLifecycleEvents: [{ statusCode: 200, status: 'SUBMITTED' }],
      },
    });
    expect(posts()).toEqual([`POST /v2/client_invoices/${INVOICES.readyToSend}/send_by_einvoice`]);
  });

  it('answers alreadySubmitted without a POST for an invoice already on the network', async () => {
    const result = await send(INVOICES.alreadyApproved);
    expect(result).toMatchObject({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: true });
    expect(posts()).toEqual([]);
  });

  it('NotFoundError for an unknown id and for another organisation’s invoice, without a POST', async () => {
    for (const id of ['00000000-0000-7000-8000-000000000000', SEED.bureau.invoices.readyToSend]) {
      expect(await send(id)).toEqual({ __typename: 'NotFoundError', id, message: `Client invoice ${id} not found` });
    }
    expect(posts()).toEqual([]);
  });

  it.each([
    [INVOICES.draft, 'DRAFT', 'A draft cannot be sent: finalize it first'],
    [INVOICES.canceled, 'CANCELED', 'A canceled invoice cannot be sent'],
  ])('InvalidInvoiceStateError for %s without a POST', async (id, status, message) => {
    expect(await send(id)).toEqual({ __typename: 'InvalidInvoiceStateError', status, message });
    expect(posts()).toEqual([]);
  });

  it('ClientNotReachableError carries the client and points to email, without a POST', async () => {
    const result = await send(INVOICES.notReachableCompany);
    expect(result).toMatchObject({
      __typename: 'ClientNotReachableError',
      client: { id: SEED.atelier.clients.notReachableCompany, einvoicingReachable: false },
    });
    expect(result['message']).toContain('sendInvoiceByEmail');
    expect(posts()).toEqual([]);
  });

  it('decides on fresh client data: a client that became unreachable is refused', async () => {
    const org = stack.sim.credentials[0]!.organizationId;
    stack.sim.store.setClientReachable(org, SEED.atelier.clients.reachable, false);
    expect((await send(INVOICES.readyToSend))['__typename']).toBe('ClientNotReachableError');
    expect(posts()).toEqual([]);
  });

  it.each(['disabled', 'pending_activation'])('leaves a sending_status of %s to Qonto: one POST, its 412 as data', async (status) => {
    // The simulator's type names enabled and disabled only, but any string can be seeded (docs/qonto-facts.md#simulator-send-by-e-invoice).
    stack.sim.store.setEinvoicingSettings(stack.sim.credentials[0]!.organizationId, { sending_status: status as 'disabled' });
    expect(await send(INVOICES.readyToSend)).toMatchObject({
      __typename: 'EinvoicingPreconditionFailedError',
      code: 'einvoicing_not_activated',
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(posts()).toEqual([`POST /v2/client_invoices/${INVOICES.readyToSend}/send_by_einvoice`]);
  });

  it('sends an imported invoice without a client to Qonto and returns its 412 as data', async () => {
    const imported = await stack.gqlUpload<{ importClientInvoices: Result }>(
      'mutation ($files: [File!]!) { importClientInvoices(files: $files) { ... on ImportClientInvoicesSuccess { invoices { id client { id } } } } }',
      [{ name: 'scan.pdf', type: 'application/pdf', content: '%PDF-1.7\n% client-less\n%%EOF\n' }],
    );
    const invoice = imported.body.data!.importClientInvoices['invoices'][0];
    expect(invoice.client).toBeNull();
    stack.sim.resetRequests();
    const result = await send(invoice.id);
    expect(result).toMatchObject({
      __typename: 'EinvoicingPreconditionFailedError',
      code: 'recipient_not_reachable_on_einvoicing',
      detail: expect.any(String),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(posts()).toEqual([`POST /v2/client_invoices/${invoice.id}/send_by_einvoice`]);
  });

  it('resends after a failed submission (latest event 213): one POST, success', async () => {
    const result = await send(INVOICES.alreadyRejected);
    expect(result).toMatchObject({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: false });
    expect(posts()).toEqual([`POST /v2/client_invoices/${INVOICES.alreadyRejected}/send_by_einvoice`]);
  });

  it.each(['210', '213', '221'])('resends after a failed submission ending in %s (set through the store): one POST', async (code) => {
    stack.sim.store.appendLifecycleEvent(stack.sim.credentials[0]!.organizationId, INVOICES.inProgress, { status_code: code });
    stack.sim.resetRequests();
    expect(await send(INVOICES.inProgress)).toMatchObject({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: false });
    expect(posts()).toEqual([`POST /v2/client_invoices/${INVOICES.inProgress}/send_by_einvoice`]);
  });

  it('answers alreadySubmitted without a POST while an invoice is on its way (latest event not a failure)', async () => {
    expect(await send(INVOICES.inProgress)).toMatchObject({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: true });
    expect(posts()).toEqual([]);
  });

  it('EinvoicingPreconditionFailedError with Qonto’s code, detail and trace id on a 412', async () => {
    stack.sim.store.setEinvoicingSettings(stack.sim.credentials[0]!.organizationId, { annuaire_registered: false });
    const result = await send(INVOICES.readyToSend);
    expect(result).toMatchObject({ __typename: 'EinvoicingPreconditionFailedError', code: 'einvoicing_not_activated' });
    expect(result['detail']).toEqual(expect.any(String));
    expect(result['traceId']).toMatch(/^[0-9a-f]{32}$/);
    expect(posts()).toEqual([`POST /v2/client_invoices/${INVOICES.readyToSend}/send_by_einvoice`]);
  });

  it('NotFoundError when Qonto answers the POST with 404', async () => {
    stack.sim.faults.set({ failNext: { count: 1, status: 404, routes: ['POST /v2/client_invoices/{id}/send_by_einvoice'] } });
    expect(await send(INVOICES.readyToSend)).toMatchObject({ __typename: 'NotFoundError', id: INVOICES.readyToSend });
    expect(posts()).toHaveLength(1);
  });

  it('two simultaneous sends of one invoice make one POST', async () => {
    const [a, b] = await Promise.all([send(INVOICES.readyToSendNova), send(INVOICES.readyToSendNova)]);
    expect(a['__typename']).toBe('SendInvoiceByEinvoiceSuccess');
    expect(b['__typename']).toBe('SendInvoiceByEinvoiceSuccess');
    expect(posts()).toEqual([`POST /v2/client_invoices/${INVOICES.readyToSendNova}/send_by_einvoice`]);
  });

  it('keeps upstream outages as masked top-level errors', async () => {
    stack.sim.faults.set({ failNext: { count: 5, status: 503, routes: ['POST /v2/client_invoices/{id}/send_by_einvoice'] } });
    const result = await stack.gql(SEND, { id: INVOICES.readyToSend });
    expect(result.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('sendInvoiceByEinvoice in the sandbox', () => {
  let sandbox: TestStack;
  afterAll(() => sandbox?.close());
  it('EinvoicingUnavailableInSandboxError without a POST', async () => {
    sandbox = await startStack({ env: { QONTO_ENVIRONMENT: 'sandbox' } });
    const result = await sandbox.gql<{ sendInvoiceByEinvoice: Result }>(SEND, { id: INVOICES.readyToSend });
    expect(result.body.data!.sendInvoiceByEinvoice['__typename']).toBe('EinvoicingUnavailableInSandboxError');
    expect(sandbox.calls().filter((c) => c.startsWith('POST'))).toEqual([]);
    const eligibility = await sandbox.gql<{ clientInvoice: Result }>(
      'query ($id: ID!) { clientInvoice(id: $id) { einvoicingEligibility { eligible reasons } } }',
      { id: INVOICES.readyToSend },
    );
    expect(eligibility.body.data!.clientInvoice['einvoicingEligibility']).toEqual({ eligible: false, reasons: ['SANDBOX_ENVIRONMENT'] });
  });
});

const EMAIL = `mutation ($id: ID!, $input: SendInvoiceByEmailInput!) {
  sendInvoiceByEmail(id: $id, input: $input) {
    __typename
    ... on Error { message }
    ... on ValidationError { field }
    ... on InvalidInvoiceStateError { status }
    ... on SendInvoiceByEmailSuccess { invoice { id status } }
  }
}`;

describe('sendInvoiceByEmail', () => {
  const email = async (id: string, input: Record<string, unknown>) =>
    (await stack.gql<{ sendInvoiceByEmail: Result }>(EMAIL, { id, input })).body.data!.sendInvoiceByEmail;

  it('emails the invoice through Qonto', async () => {
    const result = await email(INVOICES.notReachable, {
      sendTo: ['camille.dubois@mail.example'],
      emailTitle: 'Your invoice',
      copyToSelf: false,
    });
    expect(result).toEqual({ __typename: 'SendInvoiceByEmailSuccess', invoice: { id: INVOICES.notReachable, status: 'UNPAID' } });
    expect(stack.sim.outbox).toMatchObject([
      { invoiceId: INVOICES.notReachable, sendTo: ['camille.dubois@mail.example'], emailTitle: 'Your invoice', copyToSelf: false },
    ]);
    expect(posts()).toEqual([`POST /v2/client_invoices/${INVOICES.notReachable}/send`]);
  });

  it.each([
    [{ sendTo: [], emailTitle: 'T' }, 'input.sendTo'],
    [{ sendTo: ['a@b.example', 'not-an-email'], emailTitle: 'T' }, 'input.sendTo[1]'],
    [{ sendTo: ['a@b.example'], emailTitle: '   ' }, 'input.emailTitle'],
    [{ sendTo: ['a@b.example'], emailTitle: 'x'.repeat(256) }, 'input.emailTitle'],
  ])('ValidationError naming the field (%o) without calling Qonto', async (input, field) => {
    const result = await email(INVOICES.notReachable, input);
    expect(result).toMatchObject({ __typename: 'ValidationError', field });
    expect(stack.calls()).toEqual([]);
  });

  it('InvalidInvoiceStateError when Qonto refuses the status (a draft)', async () => {
    const result = await email(INVOICES.draft, { sendTo: ['a@b.example'], emailTitle: 'T' });
    expect(result).toMatchObject({ __typename: 'InvalidInvoiceStateError', status: 'DRAFT' });
    expect(posts()).toHaveLength(1);
  });

  it('NotFoundError for an unknown invoice', async () => {
    const result = await email('00000000-0000-7000-8000-000000000000', { sendTo: ['a@b.example'], emailTitle: 'T' });
    expect(result['__typename']).toBe('NotFoundError');
  });
});

const MARK = `mutation ($id: ID!, $paidAt: Date) {
  markClientInvoiceAsPaid(id: $id, paidAt: $paidAt) {
    __typename
    ... on Error { message }
    ... on ValidationError { field }
    ... on InvalidInvoiceStateError { status }
    ... on MarkClientInvoiceAsPaidSuccess { invoice { id status paidAt } }
  }
}`;
const UNMARK = `mutation ($id: ID!) {
  unmarkClientInvoiceAsPaid(id: $id) {
    __typename
    ... on Error { message }
    ... on InvalidInvoiceStateError { status }
    ... on UnmarkClientInvoiceAsPaidSuccess { invoice { id status paidAt } }
  }
}`;

describe('mark and unmark as paid', () => {
  const mark = async (id: string, paidAt?: string) =>
    (await stack.gql<{ markClientInvoiceAsPaid: Result }>(MARK, { id, paidAt })).body.data!.markClientInvoiceAsPaid;
  const unmark = async (id: string) =>
    (await stack.gql<{ unmarkClientInvoiceAsPaid: Result }>(UNMARK, { id })).body.data!.unmarkClientInvoiceAsPaid;

  it('unpaid → paid on a given date, then back to unpaid', async () => {
    const paid = await mark(INVOICES.notReachable, '2026-11-20');
    expect(paid).toMatchObject({ __typename: 'MarkClientInvoiceAsPaidSuccess', invoice: { status: 'PAID' } });
    expect(String(paid['invoice'].paidAt)).toMatch(/^2026-11-20/);
    const unpaid = await unmark(INVOICES.notReachable);
    expect(unpaid).toMatchObject({ __typename: 'UnmarkClientInvoiceAsPaidSuccess', invoice: { status: 'UNPAID', paidAt: null } });
    expect(posts()).toEqual([
      `POST /v2/client_invoices/${INVOICES.notReachable}/mark_as_paid`,
      `POST /v2/client_invoices/${INVOICES.notReachable}/unmark_as_paid`,
    ]);
  });

  it('refuses a future paidAt without calling Qonto', async () => {
    const tomorrow = new Date(Date.parse(`${todayInParis()}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(await mark(INVOICES.notReachable, tomorrow)).toMatchObject({ __typename: 'ValidationError', field: 'paidAt' });
    expect(stack.calls()).toEqual([]);
  });

  it('InvalidInvoiceStateError for invalid transitions (Qonto 422)', async () => {
    expect(await mark(INVOICES.draft)).toMatchObject({ __typename: 'InvalidInvoiceStateError', status: 'DRAFT' });
    expect(await unmark(INVOICES.notReachable)).toMatchObject({ __typename: 'InvalidInvoiceStateError', status: 'UNPAID' });
    expect(posts()).toHaveLength(2);
  });

  it('NotFoundError for an unknown invoice', async () => {
    expect((await unmark('00000000-0000-7000-8000-000000000000'))['__typename']).toBe('NotFoundError');
  });
});

const IMPORT = `mutation ($files: [File!]!) {
  importClientInvoices(files: $files) {
    __typename
    ... on Error { message }
    ... on ValidationError { field }
    ... on ImportClientInvoicesSuccess { invoices { id number status totalAmount { value } client { name einvoicingReachable taxIdentificationNumber } einvoicingEligibility { eligible reasons unknowns } } }
  }
}`;

describe('importClientInvoices (Flow 2)', () => {
  const importFiles = async (files: Array<{ name: string; type: string; content: string | Uint8Array<ArrayBuffer> }>) =>
    (await stack.gqlUpload<{ importClientInvoices: Result }>(IMPORT, files)).body.data!.importClientInvoices;

  it('imports a UBL invoice, links its buyer, and returns the same invoice on re-import', async () => {
    const first = await importFiles([{ name: 'EXT-2026-0042.xml', type: 'application/xml', content: UBL }]);
    expect(first).toMatchObject({
      __typename: 'ImportClientInvoicesSuccess',
      invoices: [
        {
          number: 'EXT-2026-0042',
          status: 'UNPAID',
          totalAmount: { value: '1440.00' },
          client: { name: 'Fromagerie Rousseau SAS', einvoicingReachable: true },
          einvoicingEligibility: { eligible: true, reasons: [], unknowns: [] },
        },
      ],
    });
    const again = await importFiles([{ name: 'copy.xml', type: 'application/xml', content: UBL }]);
    expect(again['invoices'][0].id).toBe(first['invoices'][0].id);
    expect(posts()).toEqual(['POST /v2/client_invoices/bulk', 'POST /v2/client_invoices/bulk']);
  });

  it('imports a PDF as an invoice without a buyer: eligible, with CLIENT_MISSING left to Qonto', async () => {
    const result = await importFiles([{ name: 'scan.pdf', type: 'application/pdf', content: '%PDF-1.7\n% test invoice\n%%EOF\n' }]);
    expect(result).toMatchObject({
      invoices: [{ number: null, client: null, einvoicingEligibility: { eligible: true, reasons: [], unknowns: ['CLIENT_MISSING'] } }],
    });
  });

  it('recognises the type by extension when the browser sends none', async () => {
    const result = await importFiles([{ name: 'photo.JPG', type: '', content: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) }]);
    expect(result['__typename']).toBe('ImportClientInvoicesSuccess');
  });

  const big = (mb: number) => new Uint8Array(Math.round(mb * 1024 * 1024));
  it.each([
    [[], 'files'],
    [
      [
        { name: 'a.pdf', type: 'application/pdf', content: '%PDF' },
        { name: 'notes.docx', type: 'application/msword', content: 'x' },
      ],
      'files[1]',
    ],
  ])('ValidationError naming the file, without calling Qonto (%#)', async (files, field) => {
    const result = await importFiles(files as never);
    expect(result).toMatchObject({ __typename: 'ValidationError', field });
    expect(stack.calls()).toEqual([]);
  });

  // Qonto's count and size limits are enforced while the upload streams in (src/http/multipart-parser.ts).
  it.each([
    [Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.pdf`, type: 'application/pdf', content: '%PDF' })), /at most 5 files/],
    [[{ name: 'huge.pdf', type: 'application/pdf', content: big(5.1) }], /"huge\.pdf" \(part 0\) is larger than 5 MB/],
    [[1, 2, 3, 4].map((i) => ({ name: `part${i}.pdf`, type: 'application/pdf', content: big(4) })), /more than 15 MB.*"part4\.pdf"/],
  ])('413 naming the limit for files over Qonto’s limits, without calling Qonto (%#)', async (files, message) => {
    const result = await stack.gqlUpload(IMPORT, files);
    expect(result.status).toBe(413);
    expect(result.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(stack.calls()).toEqual([]);
  });

  it('ValidationError when Qonto refuses the content (malformed XML)', async () => {
    const result = await importFiles([{ name: 'broken.xml', type: 'application/xml', content: '<Invoice><oops' }]);
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'files' });
    expect(posts()).toEqual(['POST /v2/client_invoices/bulk']);
  });
});
