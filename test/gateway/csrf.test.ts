import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED } from 'qonto-simulator';
import { startStack, type TestStack } from '../helpers/stack.js';

const ENDPOINT = 'http://gateway/graphql';

let plain: TestStack;
beforeAll(async () => {
  plain = await startStack();
});
afterAll(() => plain.close());
beforeEach(() => plain.sim.resetRequests());

describe('CSRF prevention', () => {
  const invoice = SEED.atelier.invoices.readyToSend;
  const send = `mutation { sendInvoiceByEinvoice(id: "${invoice}") { __typename } }`;
  const refusal = {
    errors: [
      {
        message:
          'Refused: a form-encoded, multipart or text/plain request must carry the x-graphql-yoga-csrf header (any value) so that browsers preflight it',
        extensions: { code: 'CSRF_HEADER_REQUIRED' },
      },
    ],
  };
  const post = (contentType: string | undefined, body: BodyInit, extra: Record<string, string> = {}) =>
    plain.app.yoga.fetch(ENDPOINT, {
      method: 'POST',
      headers: { authorization: plain.auth, ...(contentType ? { 'content-type': contentType } : {}), ...extra },
      body,
    });
  const uploadForm = () => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation ($files: [File!]!) { importClientInvoices(files: $files) { __typename } }',
        variables: { files: [null] },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.files.0'] }));
    form.append('0', new Blob(['%PDF-1.7\n%%EOF\n'], { type: 'application/pdf' }), 'scan.pdf');
    return form;
  };

  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded', () => new URLSearchParams({ query: send }).toString()],
    ['text/plain', 'text/plain', () => JSON.stringify({ query: send })],
    ['multipart', undefined, uploadForm],
  ])('refuses a %s mutation without the header, before any upstream call', async (_kind, contentType, body) => {
    const response = await post(contentType, body());
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual(refusal);
    expect(plain.calls()).toEqual([]);
  });

  it('runs them with the header (any of the accepted names)', async () => {
    const form = await post('application/x-www-form-urlencoded', new URLSearchParams({ query: send }).toString(), {
      'x-graphql-yoga-csrf': '1',
    });
    expect(await form.json()).toEqual({ data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } } });
    const upload = await post(undefined, uploadForm(), { 'apollo-require-preflight': 'true' });
    expect(await upload.json()).toEqual({ data: { importClientInvoices: { __typename: 'ImportClientInvoicesSuccess' } } });
    expect(plain.calls().filter((call) => call.startsWith('POST'))).toEqual([
      `POST /v2/client_invoices/${invoice}/send_by_einvoice`,
      'POST /v2/client_invoices/bulk',
    ]);
  });

  it('needs nothing for JSON POSTs (browsers always preflight them)', async () => {
    const response = await post('application/json', JSON.stringify({ query: send }));
    expect(await response.json()).toEqual({ data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } } });
  });

  it('never runs a mutation over GET, header or not; GET queries need no header', async () => {
    const variants: Array<Record<string, string>> = [{}, { 'x-graphql-yoga-csrf': '1' }];
    for (const headers of variants) {
      const response = await plain.app.yoga.fetch(`${ENDPOINT}?query=${encodeURIComponent(send)}`, {
        headers: { authorization: plain.auth, accept: 'application/json', ...headers },
      });
      expect(response.status).toBe(405);
      expect(await response.json()).toMatchObject({ errors: [{ message: 'Can only perform a mutation operation from a POST request.' }] });
    }
    expect(plain.calls()).toEqual([]);
    const get = await plain.app.yoga.fetch(`${ENDPOINT}?query=${encodeURIComponent('{ einvoicingSettings { sendingStatus } }')}`, {
      headers: { authorization: plain.auth, accept: 'application/json' },
    });
    expect(await get.json()).toEqual({ data: { einvoicingSettings: { sendingStatus: 'ENABLED' } } });
  });
});
