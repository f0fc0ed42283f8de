import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED, type Simulator } from '../src/index.js';
import { api, type Api, startSimulator } from './helpers.js';

let sim: Simulator;
let atelier: Api;

beforeEach(async () => {
  sim = await startSimulator();
  atelier = api(sim);
});
afterEach(() => sim.close());

// docs/qonto-facts.md#simulator-status-codes, docs/qonto-facts.md#simulator-clients
describe('POST /v2/clients', () => {
  it('creates a company: 201 wrapped, e_invoicing_reachable false even when sent true', async () => {
    const result = await atelier.post('/v2/clients', {
      kind: 'company',
      name: 'Nouvelle Boutique SAS',
      email: 'compta@boutique.example',
      currency: 'EUR',
      locale: 'fr',
      vat_number: 'FR00123456789',
      tax_identification_number: '123456789',
      e_invoicing_address: '123456789_12345678900012_00001',
      e_invoicing_reachable: true,
      billing_address: { street_address: '1 rue X', city: 'Paris', zip_code: '75009', country_code: 'FR' },
    });
    expect(result.status).toBe(201);
    expect(result.body.client).toMatchObject({
      kind: 'company',
      type: 'company',
      name: 'Nouvelle Boutique SAS',
      e_invoicing_reachable: false,
      e_invoicing_address: '123456789_12345678900012_00001',
      address: '1 rue X',
      city: 'Paris',
      country_code: 'FR',
      billing_address: { street_address: '1 rue X', city: 'Paris', zip_code: '75009', province_code: null, country_code: 'fr' },
    });
    const id = result.body.client!.id;
    expect((await atelier.get(`/v2/clients/${id}`)).body.client).toEqual(result.body.client);
    expect((await atelier.get('/v2/clients')).body.meta!.total_count).toBe(SEED.atelier.clientCount + 1);
  });

  it('accepts type instead of kind, kind wins when both are sent, and maps root address fields to billing_address', async () => {
    const viaType = await atelier.post('/v2/clients', {
      type: 'individual',
      first_name: 'Léa',
      last_name: 'Roux',
      address: '3 rue Y',
      city: 'Nice',
      zip_code: '06000',
      country_code: 'FR',
    });
    expect(viaType.status).toBe(201);
    expect(viaType.body.client).toMatchObject({
      kind: 'individual',
      name: 'Léa Roux',
      billing_address: { street_address: '3 rue Y', city: 'Nice', zip_code: '06000', country_code: 'fr' },
    });
    const both = await atelier.post('/v2/clients', { kind: 'company', type: 'individual', name: 'Both SA' });
    expect(both.body.client).toMatchObject({ kind: 'company', type: 'company' });
  });

  it.each([
    [{}, 'blank', '/data/attributes/kind'],
    [{ kind: 'robot', name: 'X' }, 'not_in_list', '/data/attributes/kind'],
    [{ kind: 'freelancer', first_name: 'A', last_name: 'B' }, 'not_in_list', '/data/attributes/kind'],
    [{ kind: 'company' }, 'blank', '/data/attributes/name'],
    [{ kind: 'individual', first_name: 'A' }, 'blank', '/data/attributes/last_name'],
    [{ kind: 'company', name: 'x'.repeat(251) }, 'invalid', '/data/attributes/name'],
    [{ kind: 'company', name: 'X', vat_number: 'FR'.padEnd(21, '1') }, 'invalid', '/data/attributes/vat_number'],
    [{ kind: 'company', name: 'X', tax_identification_number: '1'.repeat(31) }, 'invalid', '/data/attributes/tax_identification_number'],
    [{ kind: 'company', name: 'X', email: 'not-an-email' }, 'invalid', '/data/attributes/email'],
    [{ kind: 'company', name: 'X', locale: 'xx' }, 'not_in_list', '/data/attributes/locale'],
    [{ kind: 'company', name: 'X', e_invoicing_address: '12345' }, 'invalid', '/data/attributes/e_invoicing_address'],
    [{ kind: 'company', name: 'X', extra_emails: ['ok@x.example', 'nope'] }, 'invalid', '/data/attributes/extra_emails'],
    [{ kind: 'company', name: 'X', billing_address: { city: 'y'.repeat(51) } }, 'invalid', '/data/attributes/billing_address/city'],
  ])('%o → 422 %s at %s', async (body, code, pointer) => {
    const result = await atelier.post('/v2/clients', body);
    expect(result.status).toBe(422);
    expect(result.body.errors).toContainEqual({ code, detail: expect.any(String), source: { pointer } });
    expect(result.body.trace_id).toBe(result.headers.get('x-tyk-trace-id'));
  });

  it('accepts the four documented e_invoicing_address forms', async () => {
    for (const address of ['987654321', '987654321_98765432100012', '987654321_98765432100012_00001', '987654321_00002']) {
      expect((await atelier.post('/v2/clients', { kind: 'company', name: `Form ${address}`, e_invoicing_address: address })).status).toBe(
        201,
      );
    }
  });

  it('allows freelancer for an Italian organisation', async () => {
    sim.store.setOrganizationCountry(SEED.atelier.organizationId, 'IT');
    const result = await atelier.post('/v2/clients', { kind: 'freelancer', first_name: 'Marco', last_name: 'Rossi' });
    expect(result.status).toBe(201);
    expect(result.body.client!.kind).toBe('freelancer');
  });
});

// docs/qonto-facts.md#simulator-clients
describe('PATCH /v2/clients/{id}', () => {
  it('changes only the keys sent and keeps root and billing address in sync both ways', async () => {
    const id = SEED.atelier.clients.nova;
    const before = (await atelier.get(`/v2/clients/${id}`)).body.client!;
    const byRoot = await atelier.patch(`/v2/clients/${id}`, { city: 'Saint-Nazaire', e_invoicing_reachable: false });
    expect(byRoot.status).toBe(200);
    expect(byRoot.body.client).toMatchObject({
      ...before,
      city: 'Saint-Nazaire',
      billing_address: { ...before.billing_address, city: 'Saint-Nazaire' },
      e_invoicing_reachable: true,
      updated_at: expect.any(String),
    });
    expect(byRoot.body.client!.updated_at).not.toBe(before.updated_at);
    const byBilling = await atelier.patch(`/v2/clients/${id}`, { billing_address: { zip_code: '44600' } });
    expect(byBilling.body.client).toMatchObject({ zip_code: '44600', city: 'Saint-Nazaire', address: before.address });
  });

  it('validates the merged client and answers 404 for unknown ids', async () => {
    const result = await atelier.patch(`/v2/clients/${SEED.atelier.clients.nova}`, { name: null });
    expect(result.status).toBe(422);
    expect(result.body.errors![0]).toMatchObject({ code: 'blank', source: { pointer: '/data/attributes/name' } });
    expect((await atelier.patch('/v2/clients/0199044a-4400-77e3-807b-000000000000', { name: 'X' })).status).toBe(404);
  });
});

// docs/qonto-facts.md#simulator-status-codes, docs/qonto-facts.md#simulator-clients
describe('DELETE /v2/clients/{id}', () => {
  it('answers 204 without body; invoices keep their embedded client', async () => {
    const result = await atelier.delete(`/v2/clients/${SEED.atelier.clients.delacroix}`);
    expect(result.status).toBe(204);
    expect(result.text).toBe('');
    expect((await atelier.get(`/v2/clients/${SEED.atelier.clients.delacroix}`)).status).toBe(404);
    const invoice = (await atelier.get(`/v2/client_invoices/${SEED.atelier.invoices.alreadyApproved}`)).body.client_invoice!;
    expect(invoice.client).toMatchObject({ id: SEED.atelier.clients.delacroix, name: 'Maison Delacroix SARL' });
    expect((await atelier.delete(`/v2/clients/${SEED.atelier.clients.delacroix}`)).status).toBe(404);
  });
});
