import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED, type Simulator } from '../src/index.js';
import { api, type Api, startSimulator } from './helpers.js';

const NOW = new Date('2027-01-05T10:00:00.000Z');
let sim: Simulator;
let atelier: Api;

beforeEach(async () => {
  sim = await startSimulator({ now: () => NOW });
  atelier = api(sim);
});
afterEach(() => sim.close());

const inv = SEED.atelier.invoices;
const line = { title: 'Conseil', quantity: '1', unit_price: { value: '100.00', currency: 'EUR' }, vat_rate: '0.2' };
const validBody = () => ({
  client_id: SEED.atelier.clients.delacroix,
  issue_date: '2027-01-04',
  due_date: '2027-02-03',
  currency: 'EUR',
  terms_and_conditions: 'Paiement à 30 jours.',
  payment_methods: { iban: SEED.atelier.iban },
  items: [line],
});

// docs/qonto-facts.md#simulator-status-codes, docs/qonto-facts.md#simulator-invoices
describe('POST /v2/client_invoices', () => {
  it('creates a draft: 201 wrapped, number null, client copied, no events', async () => {
    const result = await atelier.post('/v2/client_invoices', {
      ...validBody(),
      purchase_order: 'PO-1',
      header: 'Bonjour',
      footer: 'Merci',
    });
    expect(result.status).toBe(201);
    const invoice = result.body.client_invoice!;
    expect(invoice).toMatchObject({
      status: 'draft',
      number: null,
      attachment_id: null,
      finalized_at: null,
      organization_id: SEED.atelier.organizationId,
      purchase_order: 'PO-1',
      header: 'Bonjour',
      footer: 'Merci',
      currency: 'EUR',
      issue_date: '2027-01-04',
      due_date: '2027-02-03',
      created_at: NOW.toISOString(),
      updated_at: NOW.toISOString(),
      einvoicing_status: null,
      einvoicing_lifecycle_events: [],
      client: { id: SEED.atelier.clients.delacroix, name: 'Maison Delacroix SARL' },
    });
    expect((await atelier.get(`/v2/client_invoices/${invoice.id}`)).body.client_invoice).toEqual(invoice);
  });

  it('accepts the {"client_invoice": {...}} wrapper and copies the three settings texts to the root', async () => {
    const result = await atelier.post('/v2/client_invoices', {
      client_invoice: {
        ...validBody(),
        settings: {
          discount_conditions: 'Aucun escompte',
          late_payment_penalties: '3x taux légal',
          legal_fixed_compensation: '40 €',
          vat_number: 'ignored',
        },
        report_einvoicing: true,
        unknown_key: 1,
      },
    });
    expect(result.status).toBe(201);
    expect(result.body.client_invoice).toMatchObject({
      discount_conditions: 'Aucun escompte',
      late_payment_penalties: '3x taux légal',
      legal_fixed_compensation: '40 €',
    });
    expect(result.body.client_invoice).not.toHaveProperty('settings');
  });

  it('creates and finalizes in one call with status unpaid', async () => {
    const result = await atelier.post('/v2/client_invoices', { ...validBody(), status: 'unpaid' });
    expect(result.status).toBe(201);
    expect(result.body.client_invoice).toMatchObject({
      status: 'unpaid',
      number: 'INV-2027-001',
      finalized_at: NOW.toISOString(),
      attachment_id: expect.any(String),
    });
  });

  it.each([
    ['client_id', 'blank', '/data/attributes/client_id'],
    ['issue_date', 'blank', '/data/attributes/issue_date'],
    ['due_date', 'blank', '/data/attributes/due_date'],
    ['currency', 'blank', '/data/attributes/currency'],
    ['terms_and_conditions', 'blank', '/data/attributes/terms_and_conditions'],
    ['items', 'blank', '/data/attributes/items'],
    ['payment_methods', 'blank', '/data/attributes/payment_methods/iban'],
  ])('without %s → 422 %s at %s', async (key, code, pointer) => {
    const body: Record<string, unknown> = validBody();
    delete body[key];
    const result = await atelier.post('/v2/client_invoices', body);
    expect(result.status).toBe(422);
    expect(result.body.errors).toEqual([{ code, detail: expect.any(String), source: { pointer } }]);
  });

  it.each([
    [{ client_id: '0199044a-4400-77e3-807b-000000000000' }, 'invalid', '/data/attributes/client_id'],
    [{ client_id: SEED.bureau.clients.phare }, 'invalid', '/data/attributes/client_id'],
    [{ issue_date: '2027-02-30' }, 'invalid', '/data/attributes/issue_date'],
    [{ currency: 'USD' }, 'not_in_list', '/data/attributes/currency'],
    [{ status: 'paid' }, 'not_in_list', '/data/attributes/status'],
    [{ payment_methods: { iban: SEED.bureau.iban } }, 'invalid', '/data/attributes/payment_methods/iban'],
    [{ payment_methods: {} }, 'blank', '/data/attributes/payment_methods/iban'],
    [{ upload_id: '0199044a-4400-77e3-807b-000000000000' }, 'invalid', '/data/attributes/upload_id'],
    [{ items: [] }, 'blank', '/data/attributes/items'],
    [{ items: [{ ...line, title: undefined }] }, 'blank', '/data/attributes/items/0/title'],
    [{ items: [{ ...line, quantity: undefined }] }, 'blank', '/data/attributes/items/0/quantity'],
    [{ items: [{ ...line, quantity: '-2' }] }, 'invalid', '/data/attributes/items/0/quantity'],
    [{ items: [{ ...line, unit_price: undefined }] }, 'blank', '/data/attributes/items/0/unit_price'],
    [{ items: [{ ...line, unit_price: { value: '1.234', currency: 'EUR' } }] }, 'invalid', '/data/attributes/items/0/unit_price/value'],
    [{ items: [line, { ...line, vat_rate: undefined }] }, 'blank', '/data/attributes/items/1/vat_rate'],
    [{ items: [{ ...line, vat_rate: '1.5' }] }, 'invalid', '/data/attributes/items/0/vat_rate'],
    [{ items: [{ ...line, discount: { type: 'gift', value: '1' } }] }, 'not_in_list', '/data/attributes/items/0/discount/type'],
    [{ discount: { type: 'percentage', value: '2' } }, 'invalid', '/data/attributes/discount/value'],
  ])('%o → 422 %s at %s', async (patch, code, pointer) => {
    const result = await atelier.post('/v2/client_invoices', { ...validBody(), ...patch });
    expect(result.status).toBe(422);
    expect(result.body.errors).toContainEqual({ code, detail: expect.any(String), source: { pointer } });
  });

  it('refuses a client without currency (pointer currency) or without address', async () => {
    const bare = (await atelier.post('/v2/clients', { kind: 'company', name: 'Sans Devise' })).body.client!;
    const result = await atelier.post('/v2/client_invoices', { ...validBody(), client_id: bare.id });
    expect(result.status).toBe(422);
    expect(result.body.errors).toContainEqual({
      code: 'invalid',
      detail: expect.any(String),
      source: { pointer: '/data/attributes/currency' },
    });
    expect(result.body.errors).toContainEqual({
      code: 'invalid',
      detail: expect.any(String),
      source: { pointer: '/data/attributes/client_id' },
    });
  });

  it('accepts an upload_id from POST /v2/client_invoices/uploads', async () => {
    const form = new FormData();
    form.append('client_invoices_upload', new Blob([Uint8Array.from(Buffer.from('%PDF-1.4'))], { type: 'application/pdf' }), 'a.pdf');
    const upload = await atelier.raw('/v2/client_invoices/uploads', { method: 'POST', body: form });
    const result = await atelier.post('/v2/client_invoices', { ...validBody(), upload_id: upload.body.client_invoice_upload!.id });
    expect(result.status).toBe(201);
  });
});

// docs/qonto-facts.md#simulator-invoices
describe('totals and numbering', () => {
  it('computes each line half-up to the cent and sums the lines; the invoice discount is echoed, not applied', async () => {
    const result = await atelier.post('/v2/client_invoices', {
      ...validBody(),
      discount: { type: 'absolute', value: '10.00' },
      items: [
        {
          title: 'Consulting',
          quantity: '1.5',
          unit: 'hour',
          unit_price: { value: '100.00', currency: 'EUR' },
          vat_rate: '0.2',
          discount: { type: 'percentage', value: '0.1' },
        },
        { title: 'Livres', quantity: '3', unit_price: { value: '19.99', currency: 'EUR' }, vat_rate: '0.055' },
        {
          title: 'Tiers',
          quantity: '0.333',
          unit_price: { value: '10.00', currency: 'EUR' },
          vat_rate: '0.2',
          discount: { type: 'absolute', value: '1.00' },
        },
        { title: 'Arrondi', quantity: '1', unit_price: { value: '0.25', currency: 'EUR' }, vat_rate: '0.1' },
      ],
    });
    const invoice = result.body.client_invoice!;
    expect(invoice.items![0]).toEqual({
      title: 'Consulting',
      description: null,
      quantity: '1.5',
      unit: 'hour',
      unit_price: { value: '100.00', currency: 'EUR' },
      unit_price_cents: 10000,
      vat_rate: '0.2',
      vat_exemption_reason: null,
      discount: { type: 'percentage', value: '0.1', amount: { value: '15.00', currency: 'EUR' } },
      subtotal: { value: '135.00', currency: 'EUR' },
      subtotal_cents: 13500,
      total_vat: { value: '27.00', currency: 'EUR' },
      total_vat_cents: 2700,
      total_amount: { value: '162.00', currency: 'EUR' },
      total_amount_cents: 16200,
    });
    expect(invoice.items!.map((item) => [item.subtotal_cents, item.total_vat_cents, item.total_amount_cents])).toEqual([
      [13500, 2700, 16200],
      [5997, 330, 6327],
      [233, 47, 280],
      [25, 3, 28],
    ]);
    expect(invoice.total_amount).toEqual({ value: '228.35', currency: 'EUR' });
    expect(invoice.total_amount_cents).toBe(22835);
    expect(invoice.vat_amount).toEqual({ value: '30.80', currency: 'EUR' });
    expect(invoice.vat_amount_cents).toBe(3080);
    expect(invoice.discount).toEqual({ type: 'absolute', value: '10.00' });
  });

  it('numbers INV-<YYYY>-<NNN> per year on finalize, keeps a number given on the draft', async () => {
    const a = (await atelier.post('/v2/client_invoices', validBody())).body.client_invoice!;
    const b = (await atelier.post('/v2/client_invoices', validBody())).body.client_invoice!;
    const c = (await atelier.post('/v2/client_invoices', { ...validBody(), number: 'CUSTOM-7' })).body.client_invoice!;
    expect((await atelier.post(`/v2/client_invoices/${b.id}/finalize`)).body.client_invoice!.number).toBe('INV-2027-001');
    expect((await atelier.post(`/v2/client_invoices/${a.id}/finalize`)).body.client_invoice!.number).toBe('INV-2027-002');
    expect((await atelier.post(`/v2/client_invoices/${c.id}/finalize`)).body.client_invoice!.number).toBe('CUSTOM-7');
  });

  it('continues the seeded sequence of the current year', async () => {
    const local = await startSimulator({ now: () => new Date('2026-11-24T12:00:00.000Z') });
    try {
      const client = api(local);
      const numbers = (await client.get('/v2/client_invoices')).body
        .client_invoices!.map((invoice) => invoice.number)
        .filter((n): n is string => !!n?.startsWith('INV-2026-'));
      const highest = Math.max(...numbers.map((n) => Number(n.slice(-3))));
      const result = await client.post(`/v2/client_invoices/${inv.draft}/finalize`);
      expect(result.body.client_invoice!.number).toBe(`INV-2026-${String(highest + 1).padStart(3, '0')}`);
    } finally {
      await local.close();
    }
  });
});

// docs/qonto-facts.md#simulator-invoices, docs/qonto-facts.md#simulator-invoice-transitions
describe('PATCH and DELETE', () => {
  it('updates a draft: only keys sent, totals recomputed, client copy refreshed', async () => {
    await atelier.patch(`/v2/clients/${SEED.atelier.clients.delacroix}`, { name: 'Maison Delacroix & Cie' });
    const result = await atelier.patch(`/v2/client_invoices/${inv.draft}`, { items: [{ ...line, quantity: '2' }], purchase_order: 'PO-9' });
    expect(result.status).toBe(200);
    expect(result.body.client_invoice).toMatchObject({
      status: 'draft',
      purchase_order: 'PO-9',
      total_amount_cents: 24000,
      vat_amount_cents: 4000,
      terms_and_conditions: 'Paiement à 30 jours à réception de facture.',
      client: { name: 'Maison Delacroix & Cie' },
      updated_at: NOW.toISOString(),
    });
  });

  it('freezes the client copy at finalize', async () => {
    await atelier.patch(`/v2/clients/${SEED.atelier.clients.delacroix}`, { name: 'Renamed Later' });
    const frozen = (await atelier.get(`/v2/client_invoices/${inv.readyToSend}`)).body.client_invoice!;
    expect(frozen.client!.name).toBe('Maison Delacroix SARL');
  });

  it('refuses PATCH on a non-draft with 422 invalid_transition and validates draft patches', async () => {
    for (const id of [inv.readyToSend, inv.paid, inv.canceled]) {
      const result = await atelier.patch(`/v2/client_invoices/${id}`, { purchase_order: 'X' });
      expect(result.status).toBe(422);
      expect(result.body.errors).toEqual([{ code: 'invalid_transition', detail: expect.any(String) }]);
    }
    const bad = await atelier.patch(`/v2/client_invoices/${inv.draft}`, { terms_and_conditions: null });
    expect(bad.body.errors![0]).toMatchObject({ code: 'blank', source: { pointer: '/data/attributes/terms_and_conditions' } });
  });

  it('deletes a draft with 204 and refuses other statuses', async () => {
    const result = await atelier.delete(`/v2/client_invoices/${inv.draft}`);
    expect(result.status).toBe(204);
    expect(result.text).toBe('');
    expect((await atelier.get(`/v2/client_invoices/${inv.draft}`)).status).toBe(404);
    for (const id of [inv.readyToSend, inv.paid, inv.canceled]) {
      expect((await atelier.delete(`/v2/client_invoices/${id}`)).body.errors![0]!.code).toBe('invalid_transition');
    }
  });
});

// docs/qonto-facts.md#invoice-status-transitions, docs/qonto-facts.md#simulator-invoice-transitions
describe('status transitions', () => {
  const cases: Array<[action: string, from: keyof typeof inv, expected: number, status?: string]> = [
    ['finalize', 'draft', 200, 'unpaid'],
    ['finalize', 'readyToSend', 422],
    ['finalize', 'paid', 422],
    ['finalize', 'canceled', 422],
    ['mark_as_paid', 'readyToSend', 200, 'paid'],
    ['mark_as_paid', 'paid', 200, 'paid'],
    ['mark_as_paid', 'draft', 422],
    ['mark_as_paid', 'canceled', 422],
    ['unmark_as_paid', 'paid', 200, 'unpaid'],
    ['unmark_as_paid', 'readyToSend', 422],
    ['unmark_as_paid', 'draft', 422],
    ['unmark_as_paid', 'canceled', 422],
    ['mark_as_canceled', 'readyToSend', 200, 'canceled'],
    ['mark_as_canceled', 'draft', 422],
    ['mark_as_canceled', 'paid', 422],
    ['mark_as_canceled', 'canceled', 422],
  ];
  it.each(cases)('%s on %s → %i', async (action, from, expected, status) => {
    const result = await atelier.post(`/v2/client_invoices/${inv[from]}/${action}`);
    expect(result.status).toBe(expected);
    if (expected === 200) expect(result.body.client_invoice!.status).toBe(status);
    else expect(result.body.errors).toEqual([{ code: 'invalid_transition', detail: expect.any(String) }]);
  });

  it('answers 404 for unknown invoices on every action', async () => {
    for (const action of ['finalize', 'mark_as_paid', 'unmark_as_paid', 'mark_as_canceled', 'send', 'send_by_einvoice']) {
      expect((await atelier.post(`/v2/client_invoices/0199044a-4400-77e3-807b-000000000000/${action}`)).status).toBe(404);
    }
  });

  it('mark_as_paid uses today by default, accepts a past paid_at, refuses a future or malformed one', async () => {
    expect((await atelier.post(`/v2/client_invoices/${inv.readyToSend}/mark_as_paid`)).body.client_invoice!.paid_at).toBe('2027-01-05');
    const updated = await atelier.post(`/v2/client_invoices/${inv.readyToSend}/mark_as_paid`, { paid_at: '2026-12-31' });
    expect(updated.body.client_invoice!.paid_at).toBe('2026-12-31');
    for (const paidAt of ['2027-01-06', '31/12/2026']) {
      const result = await atelier.post(`/v2/client_invoices/${inv.readyToSendNova}/mark_as_paid`, { paid_at: paidAt });
      expect(result.status).toBe(422);
      expect(result.body.errors![0]).toMatchObject({ code: 'invalid', source: { pointer: '/data/attributes/paid_at' } });
    }
  });

  it('unmark_as_paid clears paid_at', async () => {
    const result = await atelier.post(`/v2/client_invoices/${inv.paid}/unmark_as_paid`);
    expect(result.body.client_invoice).toMatchObject({ status: 'unpaid', paid_at: null });
  });
});

// docs/qonto-facts.md#simulator-send-by-email
describe('send by email', () => {
  it('records the message in the outbox and answers 204 without changing the status', async () => {
    const result = await atelier.post(`/v2/client_invoices/${inv.readyToSend}/send`, {
      send_to: ['compta@maison-delacroix.example'],
      email_title: 'Votre facture',
      email_body: 'Bonjour,',
    });
    expect(result.status).toBe(204);
    expect(result.text).toBe('');
    expect(sim.outbox).toEqual([
      {
        invoiceId: inv.readyToSend,
        organizationId: SEED.atelier.organizationId,
        sendTo: ['compta@maison-delacroix.example'],
        emailTitle: 'Votre facture',
        emailBody: 'Bonjour,',
        copyToSelf: true,
        at: NOW.toISOString(),
      },
    ]);
    await atelier.post(`/v2/client_invoices/${inv.paid}/send`, { send_to: ['a@b.example'], email_title: 'Reçu', copy_to_self: false });
    expect(sim.outbox[1]).toEqual({
      invoiceId: inv.paid,
      organizationId: SEED.atelier.organizationId,
      sendTo: ['a@b.example'],
      emailTitle: 'Reçu',
      copyToSelf: false,
      at: NOW.toISOString(),
    });
    expect((await atelier.get(`/v2/client_invoices/${inv.readyToSend}`)).body.client_invoice!.status).toBe('unpaid');
  });

  it('refuses drafts and canceled invoices with 422 invalid_transition', async () => {
    for (const id of [inv.draft, inv.canceled]) {
      const result = await atelier.post(`/v2/client_invoices/${id}/send`, { send_to: ['a@b.example'], email_title: 'x' });
      expect(result.status).toBe(422);
      expect(result.body.errors![0]!.code).toBe('invalid_transition');
    }
    expect(sim.outbox).toEqual([]);
  });

  it.each([
    [{ email_title: 'x' }, 'blank', 'send_to'],
    [{ send_to: [], email_title: 'x' }, 'blank', 'send_to'],
    [{ send_to: ['nope'], email_title: 'x' }, 'invalid', 'send_to'],
    [{ send_to: ['a@b.example'] }, 'blank', 'email_title'],
  ])('%o → 422 %s at %s', async (body, code, field) => {
    const result = await atelier.post(`/v2/client_invoices/${inv.readyToSend}/send`, body);
    expect(result.status).toBe(422);
    expect(result.body.errors).toContainEqual({ code, detail: expect.any(String), source: { pointer: `/data/attributes/${field}` } });
    expect(sim.outbox).toEqual([]);
  });
});
