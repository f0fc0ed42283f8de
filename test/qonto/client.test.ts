import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isQontoError, QontoTransport, type QontoClient, type UpstreamCallEvent } from '../../src/qonto/index.js';
import { json, rawHeader, sequence, startFakeQonto, type FakeQonto, type SeenRequest } from './fake-qonto.js';

const AUTH = 'Bearer tok-client-test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: FakeQonto;
let transport: QontoTransport;
let client: QontoClient;
let events: UpstreamCallEvent[];

const invoice = (id = 'inv-1', extra: Record<string, unknown> = {}) => ({ id, status: 'draft', ...extra });

beforeEach(async () => {
  server = await startFakeQonto();
  events = [];
  transport = new QontoTransport({
    baseUrl: server.url,
    environment: 'production',
    random: () => 0.5,
    sleep: async () => {},
    onUpstreamCall: (event) => events.push(event),
  });
  client = transport.forAuthorization(AUTH);
});

afterEach(async () => {
  await transport.close();
  await server.close();
});

const last = (): SeenRequest => server.requests[server.requests.length - 1]!;
const query = (req: SeenRequest) => Object.fromEntries(req.query.entries());

describe('lists and filters', () => {
  it('listClients maps paging, sort and every filter to Qonto query parameters', async () => {
    const meta = { current_page: 2, next_page: null, prev_page: 1, total_pages: 2, total_count: 3, per_page: 2 };
    server.handle((_req, res) => json(res, 200, { clients: [{ id: 'c3', name: 'Zed' }], meta }));
    const list = await client.listClients({
      page: 2,
      perPage: 2,
      sortBy: 'name:desc',
      filter: {
        name: 'Acme',
        email: 'a@b.example',
        vatNumber: 'FR12',
        taxIdentificationNumber: '987',
        updatedAtFrom: '2025-01-01T00:00:00Z',
        updatedAtTo: '2025-02-01T00:00:00Z',
      },
    });
    expect(list).toEqual({ clients: [{ id: 'c3', name: 'Zed' }], meta });
    expect(last().path).toBe('/v2/clients');
    expect(query(last())).toEqual({
      page: '2',
      per_page: '2',
      sort_by: 'name:desc',
      'filter[name]': 'Acme',
      'filter[email]': 'a@b.example',
      'filter[vat_number]': 'FR12',
      'filter[tax_identification_number]': '987',
      'filter[updated_at_from]': '2025-01-01T00:00:00Z',
      'filter[updated_at_to]': '2025-02-01T00:00:00Z',
    });
    expect(events[0]).toMatchObject({ method: 'GET', route: '/v2/clients', status: 200 });
  });

  it('listClientInvoices comma-joins statuses and maps date filters; no parameters when none given', async () => {
    server.handle((_req, res) => json(res, 200, { client_invoices: [invoice()], meta: {} }));
    await client.listClientInvoices({
      perPage: 100,
      sortBy: 'created_at:desc',
      filter: {
        status: ['draft', 'unpaid'],
        createdAtFrom: 'a',
        createdAtTo: 'b',
        updatedAtFrom: 'c',
        updatedAtTo: 'd',
      },
    });
    expect(query(last())).toEqual({
      per_page: '100',
      sort_by: 'created_at:desc',
      'filter[status]': 'draft,unpaid',
      'filter[created_at_from]': 'a',
      'filter[created_at_to]': 'b',
      'filter[updated_at_from]': 'c',
      'filter[updated_at_to]': 'd',
    });
    await client.listClientInvoices();
    expect(query(last())).toEqual({});
  });

  it('fills in a missing or partial meta', async () => {
    server.handle(
      sequence(
        (_req, res) => json(res, 200, { client_invoices: [invoice('a'), invoice('b')] }),
        (_req, res) => json(res, 200, { client_invoices: [invoice('c')], meta: { current_page: '1', total_pages: 3 } }),
      ),
    );
    expect((await client.listClientInvoices({ page: 3, perPage: 2 })).meta).toEqual({
      current_page: 3,
      next_page: null,
      prev_page: 2,
      total_pages: 3,
      total_count: 6,
      per_page: 2,
    });
    expect((await client.listClientInvoices()).meta).toMatchObject({ current_page: 1, next_page: 2, prev_page: null });
  });

  it('accepts a list under "subscriptions" or as a bare array, and rejects a body without a list', async () => {
    server.handle(
      sequence(
        (_req, res) => json(res, 200, { subscriptions: [{ id: 'c1' }] }),
        (_req, res) => json(res, 200, [{ id: 'c2' }]),
        (_req, res) => json(res, 200, { nothing: true }),
      ),
    );
    expect((await client.listClients()).clients).toEqual([{ id: 'c1' }]);
    expect((await client.listClients()).clients).toEqual([{ id: 'c2' }]);
    const error = await client.listClients().catch((e: unknown) => e);
    expect(isQontoError(error) && error.kind).toBe('invalid_response');
  });
});

describe('single resources', () => {
  it('unwraps wrapped and unwrapped objects, and normalizes a numeric id', async () => {
    server.handle(
      sequence(
        (_req, res) => json(res, 200, { client: { id: 'c1', name: 'Acme' } }),
        (_req, res) => json(res, 200, { id: 'c2', name: 'Bare' }),
        (_req, res) => json(res, 200, { client_invoice: { id: 42, status: 'brand_new_status' } }),
        (_req, res) => json(res, 200, invoice('i2')),
      ),
    );
    expect(await client.getClient('c1')).toEqual({ id: 'c1', name: 'Acme' });
    expect(await client.getClient('c2')).toEqual({ id: 'c2', name: 'Bare' });
    expect(await client.getClientInvoice('42')).toEqual({ id: '42', status: 'brand_new_status' });
    expect(await client.getClientInvoice('i2')).toEqual(invoice('i2'));
    expect(server.requests.map((r) => r.path)).toEqual([
      '/v2/clients/c1',
      '/v2/clients/c2',
      '/v2/client_invoices/42',
      '/v2/client_invoices/i2',
    ]);
    expect(events.map((e) => e.route)).toEqual([
      '/v2/clients/{id}',
      '/v2/clients/{id}',
      '/v2/client_invoices/{id}',
      '/v2/client_invoices/{id}',
    ]);
  });

  it('URL-encodes ids and refuses an empty one', async () => {
    server.handle((_req, res) => json(res, 200, { client_invoice: invoice('x') }));
    await client.getClientInvoice('a/b c?d');
    expect(last().path).toBe('/v2/client_invoices/a%2Fb%20c%3Fd');
    await expect(client.getClient('')).rejects.toThrow(TypeError);
  });

  it('reports a 2xx without the resource as invalid_response with the trace id', async () => {
    server.handle((_req, res) => json(res, 200, { something: 'else' }, { 'x-tyk-trace-id': 't-1' }));
    const error = await client.getOrganization().catch((e: unknown) => e);
    expect(isQontoError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'invalid_response', route: '/v2/organization', traceId: 't-1' });
  });

  it('getOrganization and getEinvoicingSettings (unwrapped or wrapped)', async () => {
    server.handle(
      sequence(
        (_req, res) => json(res, 200, { organization: { id: 'o1', slug: 'acme-1234' } }),
        (_req, res) => json(res, 200, { sending_status: 'enabled', receiving_status: 'pending_creation' }),
        (_req, res) => json(res, 200, { einvoicing_settings: { sending_status: 'disabled' } }),
      ),
    );
    expect(await client.getOrganization()).toEqual({ id: 'o1', slug: 'acme-1234' });
    expect(await client.getEinvoicingSettings()).toEqual({ sending_status: 'enabled', receiving_status: 'pending_creation' });
    expect(await client.getEinvoicingSettings()).toEqual({ sending_status: 'disabled' });
    expect(server.requests.map((r) => r.path)).toEqual(['/v2/organization', '/v2/einvoicing/settings', '/v2/einvoicing/settings']);
  });
});

describe('POST actions', () => {
  it('each logical call gets a fresh UUID idempotency key, kept across its retries', async () => {
    const unavailable = (_req: unknown, res: ServerResponse) => json(res, 503, {});
    const answer = (_req: unknown, res: ServerResponse) => json(res, 200, { client_invoice: invoice('i1', { status: 'unpaid' }) });
    server.handle(sequence(unavailable, answer, unavailable, answer));
    await client.finalizeClientInvoice('i1');
    await client.finalizeClientInvoice('i1');
    const keys = server.requests.map((r) => rawHeader(r, 'X-Qonto-Idempotency-Key'));
    expect(keys.every((k) => k !== undefined && UUID.test(k))).toBe(true);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).toBe(keys[3]);
    expect(keys[0]).not.toBe(keys[2]);
  });

  it('uses the caller-supplied idempotency key when given', async () => {
    server.handle((_req, res) => json(res, 201, { client: { id: 'c9' } }));
    await client.createClient({ kind: 'company', name: 'Acme' }, { idempotencyKey: 'fixed-key' });
    expect(rawHeader(last(), 'X-Qonto-Idempotency-Key')).toBe('fixed-key');
  });

  it('hits the documented path of every action with the right body', async () => {
    server.handle((req, res) => {
      if (req.path.endsWith('/send') || req.path.endsWith('/send_by_einvoice')) {
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.path === '/v2/clients') return json(res, 201, { client: { id: 'c1' } });
      if (req.path === '/v2/webhook_subscriptions') {
        return json(res, 201, { id: 'sub-1', callback_url: 'https://x.example/hook', types: ['v1/client-invoices'], secret: 's' });
      }
      return json(res, 200, { client_invoice: invoice('i1') });
    });
    const createInvoiceBody = {
      client_id: 'c1',
      issue_date: '2025-06-01',
      due_date: '2025-06-30',
      currency: 'EUR',
      items: [{ title: 'Work', quantity: '1', unit_price: { value: '10.00', currency: 'EUR' }, vat_rate: '0.2' }],
      payment_methods: { iban: 'FR7612345' },
    };
    expect(await client.createClient({ kind: 'company', name: 'Acme' })).toEqual({ id: 'c1' });
    expect(await client.createClientInvoice(createInvoiceBody)).toEqual(invoice('i1'));
    await client.finalizeClientInvoice('i1');
    await client.markClientInvoiceAsPaid('i1', { paidAt: '2025-06-10' });
    await client.markClientInvoiceAsPaid('i1');
    await client.unmarkClientInvoiceAsPaid('i1');
    await client.markClientInvoiceAsCanceled('i1');
    expect(await client.sendClientInvoiceByEinvoice('i1')).toBeUndefined();
    expect(
      await client.sendClientInvoiceByEmail('i1', { send_to: ['a@x.example'], email_title: 'Invoice', copy_to_self: false }),
    ).toBeUndefined();
    expect(await client.createWebhookSubscription({ callback_url: 'https://x.example/hook', types: ['v1/client-invoices'] })).toMatchObject(
      { id: 'sub-1', secret: 's' },
    );

    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.body.toString()}`)).toEqual([
      'POST /v2/clients {"kind":"company","name":"Acme"}',
      `POST /v2/client_invoices ${JSON.stringify(createInvoiceBody)}`,
      'POST /v2/client_invoices/i1/finalize ',
      'POST /v2/client_invoices/i1/mark_as_paid {"paid_at":"2025-06-10"}',
      'POST /v2/client_invoices/i1/mark_as_paid ',
      'POST /v2/client_invoices/i1/unmark_as_paid ',
      'POST /v2/client_invoices/i1/mark_as_canceled ',
      'POST /v2/client_invoices/i1/send_by_einvoice ',
      'POST /v2/client_invoices/i1/send {"send_to":["a@x.example"],"email_title":"Invoice","copy_to_self":false}',
      'POST /v2/webhook_subscriptions {"callback_url":"https://x.example/hook","types":["v1/client-invoices"]}',
    ]);
    expect(server.requests.every((r) => r.headers.authorization === AUTH)).toBe(true);
    expect(server.requests.every((r) => UUID.test(String(r.headers['x-qonto-idempotency-key'])))).toBe(true);
    expect(events.map((e) => e.route)).toEqual([
      '/v2/clients',
      '/v2/client_invoices',
      '/v2/client_invoices/{id}/finalize',
      '/v2/client_invoices/{id}/mark_as_paid',
      '/v2/client_invoices/{id}/mark_as_paid',
      '/v2/client_invoices/{id}/unmark_as_paid',
      '/v2/client_invoices/{id}/mark_as_canceled',
      '/v2/client_invoices/{id}/send_by_einvoice',
      '/v2/client_invoices/{id}/send',
      '/v2/webhook_subscriptions',
    ]);
  });

  it('send_by_einvoice accepts any 2xx, with or without a body', async () => {
    server.handle(
      sequence(
        (_req, res) => json(res, 200, {}),
        (_req, res) => json(res, 202, { accepted: true }),
      ),
    );
    await expect(client.sendClientInvoiceByEinvoice('i1')).resolves.toBeUndefined();
    await expect(client.sendClientInvoiceByEinvoice('i1')).resolves.toBeUndefined();
  });

  it('surfaces a 412 precondition failure as a QontoError with its code', async () => {
    server.handle((_req, res) =>
      json(res, 412, {
        errors: [{ code: 'recipient_not_reachable_on_einvoicing', detail: 'Client not reachable' }],
        trace_id: 'f'.repeat(32),
      }),
    );
    const error = await client.sendClientInvoiceByEinvoice('i1').catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'http',
      status: 412,
      code: 'recipient_not_reachable_on_einvoicing',
      route: '/v2/client_invoices/{id}/send_by_einvoice',
      attempts: 1,
    });
  });
});

describe('bulk import', () => {
  it('sends one multipart field client_invoices per file, resent identically on retry', async () => {
    const seen: Array<Array<{ name: string; type: string; text: string }>> = [];
    let calls = 0;
    server.handle(async (req, res) => {
      const form = await new Response(new Uint8Array(req.body), {
        headers: { 'content-type': String(req.headers['content-type']) },
      }).formData();
      const files = await Promise.all(
        form.getAll('client_invoices').map(async (entry) => {
          const file = entry as File;
          return { name: file.name, type: file.type, text: await file.text() };
        }),
      );
      seen.push(files);
      expect([...form.keys()].every((k) => k === 'client_invoices')).toBe(true);
      calls++;
      if (calls === 1) return json(res, 502, {});
      json(res, 201, {
        client_invoices: files.map((f, i) => ({ invoice_id: `imp-${i}`, file_name: f.name })),
      });
    });
    const entries = await client.bulkImportClientInvoices([
      { name: 'a.pdf', type: 'application/pdf', data: new TextEncoder().encode('%PDF-1.7 a') },
      { name: 'b.xml', type: 'application/xml', data: new Blob(['<Invoice/>']) },
    ]);
    expect(entries).toEqual([
      { invoice_id: 'imp-0', file_name: 'a.pdf' },
      { invoice_id: 'imp-1', file_name: 'b.xml' },
    ]);
    const expected = [
      { name: 'a.pdf', type: 'application/pdf', text: '%PDF-1.7 a' },
      { name: 'b.xml', type: 'application/xml', text: '<Invoice/>' },
    ];
    expect(seen).toEqual([expected, expected]);
    expect(String(server.requests[0]?.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(server.requests[0]?.body.equals(server.requests[1]!.body)).toBe(true);
    expect(rawHeader(server.requests[0]!, 'X-Qonto-Idempotency-Key')).toBe(rawHeader(server.requests[1]!, 'X-Qonto-Idempotency-Key'));
    expect(events.map((e) => [e.route, e.status])).toEqual([
      ['/v2/client_invoices/bulk', 502],
      ['/v2/client_invoices/bulk', 201],
    ]);
  });
});

describe('webhook subscriptions', () => {
  it('follows pagination to list every subscription', async () => {
    server.handle((req, res) => {
      const page = Number(req.query.get('page'));
      const meta = {
        current_page: page,
        next_page: page < 3 ? page + 1 : null,
        prev_page: page > 1 ? page - 1 : null,
        total_pages: 3,
        total_count: 3,
        per_page: 1,
      };
      json(res, 200, { subscriptions: [{ id: `s${page}`, callback_url: 'u', types: ['v1/clients'] }], meta });
    });
    const all = await client.listWebhookSubscriptions();
    expect(all.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect(server.requests.map((r) => `${r.path}?${r.query.toString()}`)).toEqual([
      '/v2/webhook_subscriptions?page=1&per_page=100',
      '/v2/webhook_subscriptions?page=2&per_page=100',
      '/v2/webhook_subscriptions?page=3&per_page=100',
    ]);
  });

  it('stops on an unpaginated list and deletes by id', async () => {
    server.handle((req, res) => {
      if (req.method === 'DELETE') {
        res.writeHead(204);
        res.end();
        return;
      }
      json(res, 200, { webhook_subscriptions: [{ id: 'only', callback_url: 'u', types: [] }] });
    });
    expect((await client.listWebhookSubscriptions()).map((s) => s.id)).toEqual(['only']);
    await expect(client.deleteWebhookSubscription('only')).resolves.toBeUndefined();
    expect(last()).toMatchObject({ method: 'DELETE', path: '/v2/webhook_subscriptions/only' });
    expect(events[events.length - 1]?.route).toBe('/v2/webhook_subscriptions/{id}');
  });
});

describe('cancellation', () => {
  it('passes the caller signal through', async () => {
    server.handle(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = client.getClient('c1', { signal: controller.signal });
    await server.received(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
