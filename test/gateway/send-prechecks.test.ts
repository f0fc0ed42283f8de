import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGatewayApp, type GatewayApp } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { json, startFakeQonto, type FakeQonto } from '../qonto/fake-qonto.js';

// Cases the simulator never produces (a null reachability, an einvoicing_status without events):
// the send goes to Qonto, which decides (docs/decisions.md#pre-checks).
const CLIENTS: Record<string, object> = {
  'cli-null': { id: 'cli-null', name: 'Null Reach', e_invoicing_reachable: null },
  'cli-missing': { id: 'cli-missing', name: 'No Reach Field' },
};
const INVOICES: Record<string, object> = {
  'inv-null': { id: 'inv-null', status: 'unpaid', client: { id: 'cli-null' }, einvoicing_lifecycle_events: [] },
  'inv-missing': { id: 'inv-missing', status: 'unpaid', client_id: 'cli-missing', einvoicing_lifecycle_events: [] },
  'inv-status-only': { id: 'inv-status-only', status: 'unpaid', einvoicing_status: 'submission_failed', einvoicing_lifecycle_events: [] },
  'inv-declined': {
    id: 'inv-declined',
    status: 'unpaid',
    einvoicing_status: 'declined',
    einvoicing_lifecycle_events: [
      { status_code: 200, timestamp: '2026-11-01T10:00:00Z' },
      { status_code: '210', timestamp: '2026-11-01T10:05:00Z', reason: 'R', reason_message: 'Refused' },
    ],
  },
};

let fake: FakeQonto;
let app: GatewayApp;

beforeAll(async () => {
  fake = await startFakeQonto((req, res) => {
    const invoice = /^\/v2\/client_invoices\/([^/]+)$/.exec(req.path)?.[1];
    if (req.method === 'GET' && invoice && INVOICES[invoice]) return json(res, 200, { client_invoice: INVOICES[invoice] });
    const client = /^\/v2\/clients\/([^/]+)$/.exec(req.path)?.[1];
    if (req.method === 'GET' && client && CLIENTS[client]) return json(res, 200, { client: CLIENTS[client] });
    if (req.method === 'POST' && req.path === '/v2/client_invoices/inv-declined/send_by_einvoice') {
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && req.path.endsWith('/send_by_einvoice')) {
      return json(res, 412, {
        errors: [{ code: 'recipient_not_reachable_on_einvoicing', detail: 'Not reachable' }],
        trace_id: 'trace-412',
      });
    }
    return json(res, 404, { errors: [{ code: 'not_found' }] });
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

const SEND = `mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) {
  __typename
  ... on SendInvoiceByEinvoiceSuccess { alreadySubmitted }
  ... on EinvoicingPreconditionFailedError { code detail traceId }
} }`;

async function send(id: string): Promise<Record<string, unknown>> {
  const response = await app.yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'acme-1234:key' },
    body: JSON.stringify({ query: SEND, variables: { id } }),
  });
  const body = (await response.json()) as { data: { sendInvoiceByEinvoice: Record<string, unknown> } };
  return body.data.sendInvoiceByEinvoice;
}

const posts = () => fake.requests.filter((r) => r.method === 'POST').map((r) => r.path);

describe('sendInvoiceByEinvoice leaves undocumented cases to Qonto', () => {
  it.each(['inv-null', 'inv-missing', 'inv-status-only'])('%s: one POST, Qonto’s 412 as data', async (id) => {
    expect(await send(id)).toEqual({
      __typename: 'EinvoicingPreconditionFailedError',
      code: 'recipient_not_reachable_on_einvoicing',
      detail: 'Not reachable',
      traceId: 'trace-412',
    });
    expect(posts()).toEqual([`/v2/client_invoices/${id}/send_by_einvoice`]);
  });

  it('resends an invoice whose latest event is 210 (declined): one POST, 204 is success', async () => {
    expect(await send('inv-declined')).toEqual({ __typename: 'SendInvoiceByEinvoiceSuccess', alreadySubmitted: false });
    expect(posts()).toEqual(['/v2/client_invoices/inv-declined/send_by_einvoice']);
  });
});
