import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGatewayApp, type GatewayApp } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { json, startFakeQonto, type FakeQonto } from '../qonto/fake-qonto.js';

// Hand-written answers: the simulator does not serve attachments yet (docs/qonto-facts.md#attachments).
const INVOICES = [
  {
    id: 'inv-1',
    status: 'paid',
    attachment_id: 'att-1',
    amount_paid: { value: '120.00', currency: 'EUR' },
    amount_paid_cents: 12000,
    credit_notes_ids: ['cn-1', 2],
  },
  { id: 'inv-2', status: 'unpaid', attachment_id: 'att-1' },
  { id: 'inv-3', status: 'unpaid', attachment_id: 'att-2', amount_paid: { value: '7.5', currency: 'EUR' } },
  { id: 'inv-4', status: 'unpaid', attachment_id: 'att-gone' },
  { id: 'inv-5', status: 'draft', attachment_id: null },
];
const ATTACHMENTS: Record<string, object> = {
  'att-1': {
    attachment: {
      id: 'att-1',
      file_name: 'F-2026-001.pdf',
      file_content_type: 'application/pdf',
      file_size: '48211',
      url: 'https://files.example/att-1?sig=x',
      created_at: '2026-11-02T10:00:00.000Z',
    },
  },
  'att-2': { id: 'att-2', file_name: null, file_content_type: 'application/pdf', url: 'https://files.example/att-2' },
};

let fake: FakeQonto;
let app: GatewayApp;

beforeAll(async () => {
  fake = await startFakeQonto((req, res) => {
    if (req.path === '/v2/client_invoices') {
      return json(res, 200, { client_invoices: INVOICES, meta: { current_page: 1, next_page: null, total_count: INVOICES.length } });
    }
    const attachment = /^\/v2\/attachments\/([^/]+)$/.exec(req.path)?.[1];
    if (attachment && ATTACHMENTS[attachment]) return json(res, 200, ATTACHMENTS[attachment]);
    return json(res, 404, { errors: [{ code: 'not_found', detail: 'Not found' }], trace_id: 't' });
  });
  app = createGatewayApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), qontoBaseUrl: fake.url, logger: createLogger('silent') });
});
afterAll(async () => {
  await app.close();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

async function gql(query: string): Promise<{ data: Record<string, any>; errors?: unknown }> {
  const response = await app.yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'acme-1234:key' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data: Record<string, any>; errors?: unknown };
}

const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);

describe('ClientInvoice.attachment', () => {
  it('makes one GET per distinct attachment when selected; null without an id or on 404', async () => {
    const body = await gql('{ clientInvoices(first: 5) { nodes { id attachment { id fileName contentType url } } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data['clientInvoices'].nodes).toEqual([
      {
        id: 'inv-1',
        attachment: { id: 'att-1', fileName: 'F-2026-001.pdf', contentType: 'application/pdf', url: 'https://files.example/att-1?sig=x' },
      },
      {
        id: 'inv-2',
        attachment: { id: 'att-1', fileName: 'F-2026-001.pdf', contentType: 'application/pdf', url: 'https://files.example/att-1?sig=x' },
      },
      { id: 'inv-3', attachment: { id: 'att-2', fileName: null, contentType: 'application/pdf', url: 'https://files.example/att-2' } },
      { id: 'inv-4', attachment: null },
      { id: 'inv-5', attachment: null },
    ]);
    expect(calls()[0]).toBe('GET /v2/client_invoices');
    expect(calls().slice(1).sort()).toEqual(['GET /v2/attachments/att-1', 'GET /v2/attachments/att-2', 'GET /v2/attachments/att-gone']);
  });

  it('makes no attachment call when the field is not selected', async () => {
    await gql('{ clientInvoices(first: 5) { nodes { id number status } } }');
    expect(calls()).toEqual(['GET /v2/client_invoices']);
  });
});

describe('ClientInvoice.amountPaid and creditNoteIds', () => {
  it('read amount_paid and credit_notes_ids when present; null and [] otherwise, without extra calls', async () => {
    const body = await gql('{ clientInvoices(first: 5) { nodes { id amountPaid { value currency cents } creditNoteIds } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data['clientInvoices'].nodes.slice(0, 3)).toEqual([
      { id: 'inv-1', amountPaid: { value: '120.00', currency: 'EUR', cents: 12000 }, creditNoteIds: ['cn-1', '2'] },
      { id: 'inv-2', amountPaid: null, creditNoteIds: [] },
      { id: 'inv-3', amountPaid: { value: '7.5', currency: 'EUR', cents: 750 }, creditNoteIds: [] },
    ]);
    expect(calls()).toEqual(['GET /v2/client_invoices']);
  });
});
