import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED, type Simulator } from '../src/index.js';
import { api, type Api, startSimulator } from './helpers.js';

let sim: Simulator;
let atelier: Api;
let bureau: Api;

beforeAll(async () => {
  sim = await startSimulator();
  atelier = api(sim);
  bureau = api(sim, `Bearer ${SEED.bureau.bearerToken}`);
});
afterAll(() => sim.close());

const TRACE = /^[0-9a-f]{32}$/;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// docs/qonto-facts.md#simulator-authentication, docs/qonto-facts.md#simulator-ids-and-trace-ids, docs/qonto-facts.md#simulator-status-codes
describe('authentication', () => {
  it('accepts the Bearer token and the API key of each organisation', async () => {
    for (const credentials of sim.credentials) {
      for (const authorization of [`Bearer ${credentials.bearerToken}`, credentials.apiKey]) {
        const result = await api(sim, authorization).get('/v2/organization');
        expect(result.status).toBe(200);
        expect(result.body.organization!.id).toBe(credentials.organizationId);
      }
    }
    expect(sim.credentials.map((c) => c.legalName)).toEqual(['Atelier Lumière SAS', 'Bureau Isolé SARL']);
    expect(sim.credentials[0]).toEqual({
      organizationId: SEED.atelier.organizationId,
      slug: 'atelier-lumiere-4821',
      legalName: 'Atelier Lumière SAS',
      apiKey: 'atelier-lumiere-4821:sim-secret-atelier',
      bearerToken: 'sim_demo_token_atelier',
      iban: SEED.atelier.iban,
    });
  });

  it('answers 401 unauthorized with a trace id for missing, wrong or Basic-encoded credentials', async () => {
    const encoded = `Basic ${Buffer.from(SEED.atelier.apiKey).toString('base64')}`;
    for (const authorization of [null, 'Bearer nope', 'atelier-lumiere-4821:wrong', encoded, SEED.atelier.bearerToken]) {
      const result = await api(sim, authorization).get('/v2/clients');
      expect(result.status).toBe(401);
      const trace = result.headers.get('x-tyk-trace-id');
      expect(trace).toMatch(TRACE);
      expect(result.body).toEqual({ errors: [{ code: 'unauthorized', detail: expect.any(String) }], trace_id: trace });
    }
  });

  it('puts X-Tyk-Trace-Id on successful answers too, a new one each time', async () => {
    const first = await atelier.get('/v2/einvoicing/settings');
    const second = await atelier.get('/v2/einvoicing/settings');
    expect(first.headers.get('x-tyk-trace-id')).toMatch(TRACE);
    expect(first.headers.get('x-tyk-trace-id')).not.toBe(second.headers.get('x-tyk-trace-id'));
  });

  it('ignores X-Qonto-Staging-Token', async () => {
    const result = await atelier.raw('/v2/organization', { headers: { 'X-Qonto-Staging-Token': 'whatever' } });
    expect(result.status).toBe(200);
  });
});

describe('isolation between organisations', () => {
  it("answers 404 for another organisation's invoice and client", async () => {
    const invoice = await bureau.get(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}`);
    expect(invoice.status).toBe(404);
    expect(invoice.body.errors![0]!.code).toBe('not_found');
    expect((await bureau.get(`/v2/clients/${SEED.atelier.clients.delacroix}`)).status).toBe(404);
    expect((await bureau.post(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}/send_by_einvoice`)).status).toBe(404);
    expect((await atelier.get(`/v2/client_invoices/${SEED.bureau.invoices.readyToSend}`)).status).toBe(404);
  });

  it('lists only the caller organisation resources', async () => {
    const list = await bureau.get('/v2/client_invoices');
    expect(list.body.meta!.total_count).toBe(SEED.bureau.invoiceCount);
    expect(list.body.client_invoices!.every((invoice) => invoice.organization_id === SEED.bureau.organizationId)).toBe(true);
    const clients = await bureau.get('/v2/clients');
    expect(clients.body.clients!.map((client) => client.id).sort()).toEqual(Object.values(SEED.bureau.clients).sort());
  });
});

// docs/qonto-facts.md#simulator-out-of-scope
describe('unknown paths and out-of-scope endpoints', () => {
  it.each([
    ['GET', '/v2/credit_notes'],
    ['POST', '/v2/credit_notes'],
    ['GET', '/v2/credit_notes/0199044a-4400-77e3-807b-c17c0abd3989'],
    ['GET', '/v2/organizations'],
    ['GET', '/v2/transactions'],
    ['PUT', '/v2/client_invoices'],
    ['GET', '/v2/client_invoices/not-a-uuid'],
  ])('%s %s → 404 not_found', async (method, path) => {
    const result = await atelier.raw(path, { method });
    expect(result.status).toBe(404);
    expect(result.body.errors![0]!.code).toBe('not_found');
    expect(result.body.trace_id).toBe(result.headers.get('x-tyk-trace-id'));
  });

  it('answers 401 before 404 when the credentials are wrong', async () => {
    expect((await api(sim, null).get('/v2/credit_notes')).status).toBe(401);
  });
});

// docs/qonto-facts.md#organization, docs/qonto-facts.md#simulator-einvoicing-status-and-settings
describe('organization and e-invoicing settings', () => {
  it('serves the seeded organization with one active EUR account', async () => {
    const { body, status } = await atelier.get('/v2/organization', { include_external_accounts: 'true' });
    expect(status).toBe(200);
    expect(body.organization).toMatchObject({
      id: SEED.atelier.organizationId,
      slug: 'atelier-lumiere-4821',
      legal_name: 'Atelier Lumière SAS',
      legal_country: 'FR',
    });
    expect(body.organization!.bank_accounts).toEqual([
      expect.objectContaining({
        iban: SEED.atelier.iban,
        currency: 'EUR',
        status: 'active',
        main: true,
        balance_cents: expect.any(Number),
      }),
    ]);
  });

  it('serves the settings unwrapped', async () => {
    const { body } = await atelier.get('/v2/einvoicing/settings');
    expect(body).toEqual({ sending_status: 'enabled', receiving_status: 'enabled' });
  });
});

// docs/qonto-facts.md#invoice-fields, docs/qonto-facts.md#simulator-ids-and-trace-ids, docs/qonto-facts.md#simulator-invoices
describe('representation', () => {
  // docs/qonto-facts.md#invoice-fields, docs/qonto-facts.md#simulator-invoices
  it('returns a single invoice wrapped, with every documented key plus updated_at and its events', async () => {
    const { body } = await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.alreadyApproved}`);
    const invoice = body.client_invoice!;
    expect(Object.keys(invoice).sort()).toEqual(
      [
        'id',
        'organization_id',
        'attachment_id',
        'number',
        'status',
        'purchase_order',
        'invoice_url',
        'contact_email',
        'terms_and_conditions',
        'discount_conditions',
        'late_payment_penalties',
        'legal_fixed_compensation',
        'header',
        'footer',
        'currency',
        'total_amount',
        'total_amount_cents',
        'vat_amount',
        'vat_amount_cents',
        'issue_date',
        'due_date',
        'performance_date',
        'performance_start_date',
        'performance_end_date',
        'created_at',
        'updated_at',
        'finalized_at',
        'paid_at',
        'stamp_duty_amount',
        'discount',
        'items',
        'client',
        'einvoicing_status',
        'einvoicing_lifecycle_events',
      ].sort(),
    );
    expect(invoice).not.toHaveProperty('client_id');
    expect(invoice.id).toMatch(UUID_V7);
    expect(invoice.created_at).toMatch(TIMESTAMP);
    expect(invoice.invoice_url).toBe(`${sim.url}/invoices/${invoice.id}`);
    expect(invoice.einvoicing_status).toBe('approved');
    expect(invoice.einvoicing_lifecycle_events!.map((event) => event.status_code)).toEqual(['200', '201', '202', '203', '204', '205']);
    expect(invoice.einvoicing_lifecycle_events![0]).toEqual({
      status_code: '200',
      timestamp: expect.stringMatching(TIMESTAMP),
      reason: null,
      reason_message: null,
    });
    expect(invoice.client).toMatchObject({ id: SEED.atelier.clients.delacroix, name: 'Maison Delacroix SARL', type: 'company' });
    expect(invoice.client).not.toHaveProperty('e_invoicing_reachable');
    expect(invoice.total_amount).toEqual({ value: '2340.00', currency: 'EUR' });
    expect(invoice.total_amount_cents).toBe(234000);
  });

  it('gives never-sent invoices einvoicing_status null and no events, drafts no number and no attachment', async () => {
    const ready = (await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}`)).body.client_invoice!;
    expect(ready.einvoicing_status).toBeNull();
    expect(ready.einvoicing_lifecycle_events).toEqual([]);
    expect(ready.attachment_id).toMatch(UUID_V7);
    const draft = (await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.draft}`)).body.client_invoice!;
    expect(draft).toMatchObject({ status: 'draft', number: null, attachment_id: null, finalized_at: null });
  });

  it('leaves the events out of list items only', async () => {
    const { body } = await atelier.get('/v2/client_invoices');
    expect(body.client_invoices).toHaveLength(SEED.atelier.invoiceCount);
    for (const item of body.client_invoices!) expect(item).not.toHaveProperty('einvoicing_lifecycle_events');
    const approved = body.client_invoices!.find((item) => item.id === SEED.atelier.invoices.alreadyApproved)!;
    expect(approved.einvoicing_status).toBe('approved');
  });

  it('serves invoice_url as a small HTML page', async () => {
    const invoice = (await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.readyToSend}`)).body.client_invoice!;
    const page = await fetch(invoice.invoice_url!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain(invoice.number!);
  });

  // docs/qonto-facts.md#client-fields, docs/qonto-facts.md#simulator-clients
  it('returns a client wrapped with the documented keys, kind and type equal, root address mirroring billing_address', async () => {
    const { body } = await atelier.get(`/v2/clients/${SEED.atelier.clients.boulangerie}`);
    const client = body.client!;
    expect(client).toMatchObject({
      id: SEED.atelier.clients.boulangerie,
      kind: 'company',
      type: 'company',
      e_invoicing_reachable: true,
      e_invoicing_address: '802345671_80234567100013',
      address: '4 place Bellecour',
      city: 'Lyon',
      zip_code: '69002',
      country_code: 'FR',
      billing_address: { street_address: '4 place Bellecour', city: 'Lyon', zip_code: '69002', province_code: null, country_code: 'fr' },
    });
    const person = (await atelier.get(`/v2/clients/${SEED.atelier.clients.dubois}`)).body.client!;
    expect(person).toMatchObject({
      kind: 'individual',
      first_name: 'Camille',
      last_name: 'Dubois',
      name: 'Camille Dubois',
      e_invoicing_reachable: false,
    });
  });
});

// docs/qonto-facts.md#pagination, docs/qonto-facts.md#simulator-pagination-and-filters
describe('pagination', () => {
  it('pages with the exact meta envelope', async () => {
    const first = await atelier.get('/v2/client_invoices', { per_page: '15' });
    expect(first.body.meta).toEqual({ current_page: 1, next_page: 2, prev_page: null, total_pages: 3, total_count: 40, per_page: 15 });
    const last = await atelier.get('/v2/client_invoices', { per_page: '15', page: '3' });
    expect(last.body.meta).toEqual({ current_page: 3, next_page: null, prev_page: 2, total_pages: 3, total_count: 40, per_page: 15 });
    expect(last.body.client_invoices).toHaveLength(10);
    const ids = new Set<string>();
    for (const page of ['1', '2', '3']) {
      for (const invoice of (await atelier.get('/v2/client_invoices', { per_page: '15', page })).body.client_invoices!) ids.add(invoice.id);
    }
    expect(ids.size).toBe(40);
  });

  it('defaults to page 1 and 100 per page', async () => {
    const { body } = await atelier.get('/v2/clients');
    expect(body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 10, per_page: 100 });
  });

  it('returns [] with correct meta after the last page', async () => {
    const { body, status } = await atelier.get('/v2/clients', { page: '5', per_page: '4' });
    expect(status).toBe(200);
    expect(body.clients).toEqual([]);
    expect(body.meta).toEqual({ current_page: 5, next_page: null, prev_page: 4, total_pages: 3, total_count: 10, per_page: 4 });
  });

  it.each([
    [{ per_page: '0' }, 'per_page'],
    [{ per_page: '101' }, 'per_page'],
    [{ per_page: 'ten' }, 'per_page'],
    [{ page: '0' }, 'page'],
    [{ page: '-1' }, 'page'],
  ])('%o → 422 invalid on %s', async (query, parameter) => {
    const { status, body } = await atelier.get('/v2/client_invoices', query);
    expect(status).toBe(422);
    expect(body.errors).toEqual([{ code: 'invalid', detail: expect.any(String), source: { parameter } }]);
  });

  it('ignores unknown parameters and filter keys', async () => {
    const { status, body } = await atelier.get('/v2/client_invoices', { foo: 'bar', 'filter[nope]': 'x' });
    expect(status).toBe(200);
    expect(body.meta!.total_count).toBe(40);
  });
});

// docs/qonto-facts.md#client-invoices, docs/qonto-facts.md#simulator-pagination-and-filters
describe('invoice list filters and sort', () => {
  it('filters by a comma-separated status list', async () => {
    const all = (await atelier.get('/v2/client_invoices')).body.client_invoices!;
    const { body } = await atelier.get('/v2/client_invoices', { 'filter[status]': 'draft,canceled' });
    const expected = all.filter((invoice) => invoice.status === 'draft' || invoice.status === 'canceled');
    expect(expected.length).toBeGreaterThan(2);
    expect(body.client_invoices!.map((invoice) => invoice.id).sort()).toEqual(expected.map((invoice) => invoice.id).sort());
  });

  it('rejects unknown statuses and sorts with 422 not_in_list', async () => {
    const status = await atelier.get('/v2/client_invoices', { 'filter[status]': 'unpaid,lost' });
    expect(status.status).toBe(422);
    expect(status.body.errors![0]).toMatchObject({ code: 'not_in_list', source: { parameter: 'filter[status]' } });
    const sort = await atelier.get('/v2/client_invoices', { sort_by: 'number:asc' });
    expect(sort.body.errors![0]).toMatchObject({ code: 'not_in_list', source: { parameter: 'sort_by' } });
  });

  it('sorts by created_at both ways (desc by default)', async () => {
    const desc = (await atelier.get('/v2/client_invoices')).body.client_invoices!.map((invoice) => invoice.created_at!);
    const asc = (await atelier.get('/v2/client_invoices', { sort_by: 'created_at:asc' })).body.client_invoices!.map(
      (invoice) => invoice.created_at!,
    );
    expect(desc).toEqual([...desc].sort().reverse());
    expect(asc).toEqual([...desc].reverse());
  });

  it('filters by created_at and updated_at ranges, inclusive', async () => {
    const { body } = await atelier.get('/v2/client_invoices', {
      'filter[created_at_from]': '2026-11-10T00:00:00.000Z',
      'filter[created_at_to]': '2026-11-16T23:59:59.999Z',
    });
    expect(body.client_invoices!.length).toBeGreaterThan(0);
    for (const invoice of body.client_invoices!) {
      expect(invoice.created_at! >= '2026-11-10T00:00:00.000Z' && invoice.created_at! <= '2026-11-16T23:59:59.999Z').toBe(true);
    }
    const updated = await atelier.get('/v2/client_invoices', { 'filter[updated_at_from]': '2030-01-01T00:00:00Z' });
    expect(updated.body.client_invoices).toEqual([]);
    const bad = await atelier.get('/v2/client_invoices', { 'filter[created_at_from]': 'yesterday' });
    expect(bad.body.errors![0]).toMatchObject({ code: 'invalid', source: { parameter: 'filter[created_at_from]' } });
  });
});

// docs/qonto-facts.md#clients
describe('client list filters and sort', () => {
  it('sorts by name:asc by default and supports every documented sort', async () => {
    const names = (await atelier.get('/v2/clients')).body.clients!.map((client) => client.name!);
    const collator = new Intl.Collator('fr', { sensitivity: 'base' });
    expect(names).toEqual([...names].sort(collator.compare));
    const desc = (await atelier.get('/v2/clients', { sort_by: 'name:desc' })).body.clients!.map((client) => client.name!);
    expect(desc).toEqual([...names].reverse());
    for (const sort of ['created_at:asc', 'created_at:desc', 'updated_at:asc', 'updated_at:desc']) {
      const result = await atelier.get('/v2/clients', { sort_by: sort });
      const field = sort.startsWith('created') ? 'created_at' : 'updated_at';
      const values = result.body.clients!.map((client) => client[field]!);
      expect(values).toEqual(sort.endsWith('asc') ? [...values].sort() : [...values].sort().reverse());
    }
    expect((await atelier.get('/v2/clients', { sort_by: 'email:asc' })).body.errors![0]!.code).toBe('not_in_list');
  });

  it('filters by name ignoring case and accents, including first + last name of people', async () => {
    const hotel = await atelier.get('/v2/clients', { 'filter[name]': 'HOTEL du' });
    expect(hotel.body.clients!.map((client) => client.id)).toEqual([SEED.atelier.clients.hotelParc]);
    const person = await atelier.get('/v2/clients', { 'filter[name]': 'julien lefevre' });
    expect(person.body.clients!.map((client) => client.id)).toEqual([SEED.atelier.clients.lefevre]);
    const short = await atelier.get('/v2/clients', { 'filter[name]': 'a' });
    expect(short.status).toBe(422);
    expect(short.body.errors![0]).toMatchObject({ code: 'invalid', source: { parameter: 'filter[name]' } });
  });

  it('filters exactly, ignoring case, by email, vat_number and tax_identification_number', async () => {
    const email = await atelier.get('/v2/clients', { 'filter[email]': 'COMPTA@maison-delacroix.example' });
    expect(email.body.clients!.map((client) => client.id)).toEqual([SEED.atelier.clients.delacroix]);
    const partial = await atelier.get('/v2/clients', { 'filter[email]': 'compta@' });
    expect(partial.body.clients).toEqual([]);
    const vat = await atelier.get('/v2/clients', { 'filter[vat_number]': 'fr42801234560' });
    expect(vat.body.clients!.map((client) => client.id)).toEqual([SEED.atelier.clients.delacroix]);
    const siren = await atelier.get('/v2/clients', { 'filter[tax_identification_number]': '804567893' });
    expect(siren.body.clients!.map((client) => client.id)).toEqual([SEED.atelier.clients.moreau]);
  });

  it('filters by updated_at range', async () => {
    const { body } = await atelier.get('/v2/clients', {
      'filter[updated_at_from]': '2025-11-01T00:00:00Z',
      'filter[updated_at_to]': '2025-11-30T23:59:59Z',
    });
    expect(body.clients!.map((client) => client.id).sort()).toEqual(
      [SEED.atelier.clients.hotelParc, SEED.atelier.clients.verdure, SEED.atelier.clients.dubois].sort(),
    );
  });
});

describe('malformed input never crashes the simulator', () => {
  it('answers 422 with a Qonto error body for malformed JSON and non-object bodies', async () => {
    for (const body of ['{"name":', '[1,2]', '"text"']) {
      const result = await atelier.post('/v2/clients', body);
      expect(result.status).toBe(422);
      expect(result.body.errors![0]).toMatchObject({ code: 'invalid', source: { pointer: '/data' } });
    }
    expect((await atelier.get('/v2/organization')).status).toBe(200);
  });

  it('records every /v2 request with its status, organisation and idempotency key', async () => {
    sim.resetRequests();
    await atelier.get('/v2/client_invoices', { per_page: '2' });
    await api(sim, null).get('/v2/clients');
    await atelier.post('/v2/clients', { kind: 'company', name: 'Recorded' }, { 'X-Qonto-Idempotency-Key': 'rec-1' });
    await fetch(`${sim.url}/health`);
    expect(sim.requests).toEqual([
      {
        method: 'GET',
        path: '/v2/client_invoices',
        query: { per_page: '2' },
        status: 200,
        organizationId: SEED.atelier.organizationId,
        at: expect.any(Number),
      },
      { method: 'GET', path: '/v2/clients', query: {}, status: 401, at: expect.any(Number) },
      {
        method: 'POST',
        path: '/v2/clients',
        query: {},
        status: 201,
        organizationId: SEED.atelier.organizationId,
        idempotencyKey: 'rec-1',
        at: expect.any(Number),
      },
    ]);
  });
});
