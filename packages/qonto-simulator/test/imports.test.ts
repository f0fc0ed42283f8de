import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED, type Simulator } from '../src/index.js';
import { ciiInvoice, pdf, ublInvoice } from './fixtures.js';
import { api, type Api, formWith, startSimulator } from './helpers.js';

let sim: Simulator;
let atelier: Api;

beforeEach(async () => {
  sim = await startSimulator();
  atelier = api(sim);
});
afterEach(() => sim.close());

type FileSpec = { name: string; type?: string; content: string | Buffer };

function bulk(files: FileSpec[], as: Api = atelier) {
  return as.raw('/v2/client_invoices/bulk', { method: 'POST', body: formWith('client_invoices', files) });
}
function upload(files: FileSpec[], field = 'client_invoices_upload') {
  return atelier.raw('/v2/client_invoices/uploads', { method: 'POST', body: formWith(field, files) });
}
async function counts(): Promise<[number, number]> {
  const invoices = (await atelier.get('/v2/client_invoices', { per_page: '1' })).body.meta!.total_count;
  const clients = (await atelier.get('/v2/clients', { per_page: '1' })).body.meta!.total_count;
  return [invoices, clients];
}

// docs/qonto-facts.md#bulk-import, docs/qonto-facts.md#simulator-bulk-import-and-uploads
describe('POST /v2/client_invoices/bulk', () => {
  it('imports a PDF as an unpaid invoice without client, items, amounts or number', async () => {
    const result = await bulk([{ name: 'facture-externe.pdf', type: 'application/pdf', content: pdf('a') }]);
    expect(result.status).toBe(201);
    expect(result.body).toEqual({ client_invoices: [{ invoice_id: expect.any(String), file_name: 'facture-externe.pdf' }] });
    const id = result.body.client_invoices![0]!.invoice_id!;
    const invoice = (await atelier.get(`/v2/client_invoices/${id}`)).body.client_invoice!;
    expect(invoice).toMatchObject({
      status: 'unpaid',
      client: null,
      items: [],
      total_amount: null,
      total_amount_cents: null,
      vat_amount: null,
      vat_amount_cents: null,
      number: null,
      einvoicing_status: null,
      einvoicing_lifecycle_events: [],
    });
    const file = await fetch(invoice.invoice_url!);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(pdf('a'));
  });

  it('recognises files by content type or extension (PDF, JPEG, PNG) in one request', async () => {
    const result = await bulk([
      { name: 'scan', type: 'image/jpeg', content: 'jpeg bytes' },
      { name: 'photo.PNG', type: 'application/octet-stream', content: 'png bytes' },
      { name: 'doc.pdf', content: pdf('ext') },
    ]);
    expect(result.status).toBe(201);
    expect(result.body.client_invoices!.map((entry) => entry.file_name)).toEqual(['scan', 'photo.PNG', 'doc.pdf']);
    expect(new Set(result.body.client_invoices!.map((entry) => entry.invoice_id)).size).toBe(3);
  });

  it('links a UBL invoice to the existing client with that SIREN and reads number, dates and totals', async () => {
    const xml = ublInvoice({ number: 'EXT-2026-0042', buyerName: 'Cabinet Moreau & Associés'.replace('&', '&amp;'), siren: '804567893' });
    const result = await bulk([{ name: 'ubl.xml', type: 'application/xml', content: xml }]);
    expect(result.status).toBe(201);
    const invoice = (await atelier.get(`/v2/client_invoices/${result.body.client_invoices![0]!.invoice_id}`)).body.client_invoice!;
    expect(invoice).toMatchObject({
      status: 'unpaid',
      number: 'EXT-2026-0042',
      issue_date: '2026-11-02',
      due_date: '2026-12-02',
      currency: 'EUR',
      total_amount: { value: '1200.00', currency: 'EUR' },
      total_amount_cents: 120000,
      vat_amount: { value: '200.00', currency: 'EUR' },
      items: [],
      client: { id: SEED.atelier.clients.moreau, name: 'Cabinet Moreau & Associés' },
    });
  });

  it('links a UBL buyer by VAT number when there is no SIREN', async () => {
    const result = await bulk([{ name: 'vat.xml', content: ublInvoice({ number: 'V-1', buyerName: 'Delacroix', vat: 'FR42801234560' }) }]);
    const invoice = (await atelier.get(`/v2/client_invoices/${result.body.client_invoices![0]!.invoice_id}`)).body.client_invoice!;
    expect(invoice.client!.id).toBe(SEED.atelier.clients.delacroix);
  });

  it('creates the CII buyer as a reachable client when no client matches', async () => {
    const [invoicesBefore, clientsBefore] = await counts();
    const xml = ciiInvoice({ number: 'FX-77', buyerName: 'Nouveau Client SAS', siren: '912000004', vat: 'FR11912000004' });
    const result = await bulk([{ name: 'facturx.xml', type: 'text/xml', content: xml }]);
    expect(result.status).toBe(201);
    const invoice = (await atelier.get(`/v2/client_invoices/${result.body.client_invoices![0]!.invoice_id}`)).body.client_invoice!;
    expect(invoice).toMatchObject({
      number: 'FX-77',
      issue_date: '2026-11-03',
      due_date: '2026-12-03',
      total_amount_cents: 60000,
      vat_amount_cents: 10000,
    });
    const client = (await atelier.get(`/v2/clients/${invoice.client!.id}`)).body.client!;
    expect(client).toMatchObject({
      kind: 'company',
      name: 'Nouveau Client SAS',
      tax_identification_number: '912000004',
      vat_number: 'FR11912000004',
      e_invoicing_reachable: true,
      city: 'Paris',
    });
    expect(await counts()).toEqual([invoicesBefore + 1, clientsBefore + 1]);
    const again = await bulk([
      {
        name: 'other.xml',
        content: ciiInvoice({ number: 'FX-78', buyerName: 'Nouveau Client SAS', siren: '912000004', vat: 'FR11912000004' }),
      },
    ]);
    const second = (await atelier.get(`/v2/client_invoices/${again.body.client_invoices![0]!.invoice_id}`)).body.client_invoice!;
    expect(second.client!.id).toBe(client.id);
  });

  it('deduplicates by SHA-256: the same bytes return the existing invoice_id', async () => {
    const first = await bulk([{ name: 'a.pdf', content: pdf('same') }]);
    const [invoicesAfterFirst] = await counts();
    const second = await bulk([
      { name: 'renamed.pdf', content: pdf('same') },
      { name: 'copy.pdf', content: pdf('same') },
    ]);
    expect(second.status).toBe(201);
    const id = first.body.client_invoices![0]!.invoice_id;
    expect(second.body.client_invoices).toEqual([
      { invoice_id: id, file_name: 'renamed.pdf' },
      { invoice_id: id, file_name: 'copy.pdf' },
    ]);
    expect((await counts())[0]).toBe(invoicesAfterFirst);
  });

  it.each([
    ['no file', []],
    ['six files', Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.pdf`, content: pdf(`six-${i}`) }))],
    [
      'a text file',
      [
        { name: 'ok.pdf', content: pdf('ok-1') },
        { name: 'notes.txt', type: 'text/plain', content: 'hello' },
      ],
    ],
    [
      'an empty file',
      [
        { name: 'ok.pdf', content: pdf('ok-2') },
        { name: 'empty.pdf', content: Buffer.alloc(0) },
      ],
    ],
    ['a file over 5 MB', [{ name: 'big.pdf', content: Buffer.alloc(5 * 1024 * 1024 + 1, 1) }]],
    [
      'malformed XML',
      [
        { name: 'ok.pdf', content: pdf('ok-3') },
        { name: 'bad.xml', content: '<Invoice><ID>1</Invoice>' },
      ],
    ],
    ['unrecognised XML', [{ name: 'order.xml', content: '<?xml version="1.0"?><Order><ID>1</ID></Order>' }]],
    [
      'a buyer to create next to a bad file',
      [
        { name: 'new.xml', content: ciiInvoice({ number: 'N', buyerName: 'Jamais Créé', siren: '913000005', vat: 'FR00913000005' }) },
        { name: 'x.gif', type: 'image/gif', content: 'gif' },
      ],
    ],
  ] as Array<[string, FileSpec[]]>)('refuses %s with 422 invalid on client_invoices and creates nothing', async (_label, files) => {
    const before = await counts();
    const result = await bulk(files);
    expect(result.status).toBe(422);
    expect(result.body.errors).toEqual([{ code: 'invalid', detail: expect.any(String), source: { parameter: 'client_invoices' } }]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a body that is not multipart', async () => {
    const result = await atelier.post('/v2/client_invoices/bulk', { client_invoices: [] });
    expect(result.status).toBe(422);
    expect(result.body.errors![0]!.source).toEqual({ parameter: 'client_invoices' });
  });

  it('answers 403 forbidden to an Italian organization', async () => {
    sim.store.setOrganizationCountry(SEED.atelier.organizationId, 'IT');
    const result = await bulk([{ name: 'a.pdf', content: pdf('it') }]);
    expect(result.status).toBe(403);
    expect(result.body.errors![0]!.code).toBe('forbidden');
  });

  it('lets an imported invoice be deleted until it has lifecycle events', async () => {
    const deletable = (await bulk([{ name: 'del.pdf', content: pdf('del') }])).body.client_invoices![0]!.invoice_id!;
    expect((await atelier.delete(`/v2/client_invoices/${deletable}`)).status).toBe(204);
    const again = (await bulk([{ name: 'del.pdf', content: pdf('del') }])).body.client_invoices![0]!.invoice_id;
    expect(again).not.toBe(deletable);
    const sent = (await bulk([{ name: 'sent.xml', content: ublInvoice({ number: 'S-1', buyerName: 'Moreau', siren: '804567893' }) }])).body
      .client_invoices![0]!.invoice_id!;
    expect((await atelier.post(`/v2/client_invoices/${sent}/send_by_einvoice`)).status).toBe(204);
    expect((await atelier.delete(`/v2/client_invoices/${sent}`)).body.errors![0]!.code).toBe('invalid_transition');
  });

  it('sends imported invoices with the approved outcome; one without buyer is not reachable', async () => {
    const linked = (await bulk([{ name: 'm.xml', content: ublInvoice({ number: 'M-1', buyerName: 'Moreau', siren: '804567893' }) }])).body
      .client_invoices![0]!.invoice_id!;
    await atelier.post(`/v2/client_invoices/${linked}/send_by_einvoice`);
    await sim.network.flush();
    const sent = (await atelier.get(`/v2/client_invoices/${linked}`)).body.client_invoice!;
    expect(sent.einvoicing_lifecycle_events!.map((event) => event.status_code)).toEqual(['200', '201', '202', '203', '204', '205']);
    expect(sent.einvoicing_status).toBe('approved');
    const orphan = (await bulk([{ name: 'o.pdf', content: pdf('orphan') }])).body.client_invoices![0]!.invoice_id!;
    const refused = await atelier.post(`/v2/client_invoices/${orphan}/send_by_einvoice`);
    expect(refused.status).toBe(412);
    expect(refused.body.errors![0]!.code).toBe('recipient_not_reachable_on_einvoicing');
  });
});

// docs/qonto-facts.md#uploads, docs/qonto-facts.md#simulator-bulk-import-and-uploads
describe('uploads', () => {
  it('stores a PDF: 201 wrapped, GET by id, url serves the bytes', async () => {
    const bytes = pdf('upload');
    const result = await upload([{ name: 'justificatif.pdf', type: 'application/pdf', content: bytes }]);
    expect(result.status).toBe(201);
    const created = result.body.client_invoice_upload!;
    expect(created).toEqual({
      id: expect.any(String),
      organization_id: SEED.atelier.organizationId,
      filename: 'justificatif.pdf',
      content_type: 'application/pdf',
      file_size: bytes.length,
      url: `${sim.url}/uploads/${created.id}`,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await atelier.get(`/v2/client_invoices/uploads/${created.id}`)).body.client_invoice_upload).toEqual(created);
    const served = await fetch(created.url);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
    expect((await api(sim, SEED.bureau.apiKey).get(`/v2/client_invoices/uploads/${created.id}`)).status).toBe(404);
  });

  it('accepts JPEG and PNG by extension', async () => {
    expect((await upload([{ name: 'a.jpg', content: 'x' }])).body.client_invoice_upload!.content_type).toBe('image/jpeg');
    expect((await upload([{ name: 'a.png', content: 'x' }])).body.client_invoice_upload!.content_type).toBe('image/png');
  });

  it.each([
    ['XML', [{ name: 'a.xml', content: '<a/>' }]],
    ['text', [{ name: 'a.txt', type: 'text/plain', content: 'x' }]],
    ['over 5 MB', [{ name: 'big.pdf', content: Buffer.alloc(5 * 1024 * 1024 + 1) }]],
    ['no file', []],
    [
      'two files',
      [
        { name: 'a.pdf', content: pdf('1') },
        { name: 'b.pdf', content: pdf('2') },
      ],
    ],
  ] as Array<[string, FileSpec[]]>)('refuses %s with 422 invalid on client_invoices_upload', async (_label, files) => {
    const result = await upload(files);
    expect(result.status).toBe(422);
    expect(result.body.errors![0]).toMatchObject({ code: 'invalid', source: { parameter: 'client_invoices_upload' } });
  });
});
