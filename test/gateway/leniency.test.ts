import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGatewayApp, type GatewayApp } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { json, startFakeQonto, type FakeQonto } from '../qonto/fake-qonto.js';

// Hand-written Qonto answers in variants our simulator never emits (docs/qonto-facts.md#leniency).
const INVOICE = {
  id: 'inv-odd',
  status: 'sent',
  number: null,
  einvoicing_status: 'in_transit',
  client_id: 'cli-odd',
  items: null,
  total_amount: { value: '10.5', currency: 'EUR' },
  einvoicing_lifecycle_events: [
    { status_code: 201, timestamp: '2025-06-02T10:01:00.000Z' },
    { status_code: 200, timestamp: '2025-06-02T10:00:00.000Z' },
    { status_code: '299', timestamp: '2025-06-02T10:02:00.000Z', reason: 'X', reason_message: 'Something new' },
  ],
  some_future_field: { nested: true },
};
const CLIENT = { id: 'cli-odd', kind: 'association', name: 'Odd Co' };

let fake: FakeQonto;
let app: GatewayApp;

beforeAll(async () => {
  fake = await startFakeQonto((req, res) => {
    if (req.path === '/v2/client_invoices/inv-odd') return json(res, 200, INVOICE); // unwrapped
    if (req.path === '/v2/clients/cli-odd') return json(res, 200, { client: CLIENT });
    if (req.path === '/v2/einvoicing/settings') return json(res, 200, { sending_status: 'suspended' });
    if (req.path === '/v2/clients')
      return json(res, 403, { errors: [{ code: 'forbidden', detail: 'Missing scope client.read' }], trace_id: 'abc123' });
    return json(res, 404, { errors: [{ code: 'not_found' }] });
  });
  app = createGatewayApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), qontoBaseUrl: fake.url, logger: createLogger('silent') });
});
afterAll(async () => {
  await app.close();
  await fake.close();
});

describe('leniency towards undocumented variants', () => {
  it('maps unknown enums to UNKNOWN, accepts numeric codes, unwrapped objects and client_id', async () => {
    const response = await app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'acme-1234:key' },
      body: JSON.stringify({
        query: `{ clientInvoice(id: "inv-odd") {
          status number einvoicingStatus items { title } totalAmount { value cents }
          client { name kind einvoicingReachable }
          einvoicingLifecycleEvents { statusCode rawStatusCode status label reason reasonMessage }
          einvoicingEligibility { eligible reasons unknowns }
        } einvoicingSettings { sendingStatus rawSendingStatus } }`,
      }),
    });
    const body = (await response.json()) as { data: Record<string, any>; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data['clientInvoice']).toEqual({
      status: 'UNKNOWN',
      number: null,
      einvoicingStatus: 'UNKNOWN',
      items: null,
      totalAmount: { value: '10.5', cents: 1050 },
      client: { name: 'Odd Co', kind: 'UNKNOWN', einvoicingReachable: null },
      einvoicingLifecycleEvents: [
        { statusCode: 200, rawStatusCode: '200', status: 'SUBMITTED', label: 'Submitted', reason: null, reasonMessage: null },
        {
          statusCode: 201,
          rawStatusCode: '201',
          status: 'ISSUED_BY_PLATFORM',
          label: 'Issued by platform',
          reason: null,
          reasonMessage: null,
        },
        { statusCode: 299, rawStatusCode: '299', status: 'UNKNOWN', label: 'Status 299', reason: 'X', reasonMessage: 'Something new' },
      ],
      einvoicingEligibility: { eligible: true, reasons: [], unknowns: ['SENDING_STATUS_UNKNOWN', 'CLIENT_REACHABILITY_UNKNOWN'] },
    });
    expect(body.data['einvoicingSettings']).toEqual({ sendingStatus: 'UNKNOWN', rawSendingStatus: 'suspended' });
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual(['acme-1234:key', 'acme-1234:key', 'acme-1234:key']);
  });
});

describe('Qonto 403', () => {
  it('becomes FORBIDDEN with HTTP 403 and the trace id', async () => {
    const response = await app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: 'Bearer scoped' },
      body: JSON.stringify({ query: '{ clients { totalCount } }' }),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(body.errors[0]).toMatchObject({
      message: 'These credentials may not do that in Qonto',
      extensions: { code: 'FORBIDDEN', traceId: 'abc123' },
    });
  });
});
