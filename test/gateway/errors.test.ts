import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let invoiceId: string;

beforeAll(async () => {
  stack = await startStack();
  const list = await stack.gql<{ clientInvoices: { nodes: Array<{ id: string }> } }>('{ clientInvoices(first: 1) { nodes { id } } }');
  invoiceId = list.body.data!.clientInvoices.nodes[0]!.id;
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.sim.faults.reset();
  stack.sim.resetRequests();
});

const noStack = (body: unknown) => expect(JSON.stringify(body)).not.toMatch(/at [\w.<>]+ \(|\.ts:\d+|node_modules/);

describe('errors', () => {
  it('asks for credentials (401 UNAUTHENTICATED) without calling Qonto, but allows introspection', async () => {
    const result = await stack.gql('{ clientInvoices { totalCount } }', {}, null);
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(stack.calls()).toEqual([]);
    const introspection = await stack.gql('{ __schema { queryType { name } } }', {}, null);
    expect(introspection.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('maps a Qonto 401 to UNAUTHENTICATED with HTTP 401 and the trace id', async () => {
    const result = await stack.gql('{ clientInvoices { totalCount } }', {}, 'Bearer wrong-token');
    expect(result.status).toBe(401);
    const error = result.body.errors?.[0];
    expect(error?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(error?.extensions?.['traceId']).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(result.body)).not.toContain('wrong-token');
    noStack(result.body);
  });

  it('gives UPSTREAM_UNAVAILABLE with Qonto’s trace id when an outage outlasts the retries', async () => {
    stack.sim.faults.set({ failNext: { count: 10, status: 503 } });
    const result = await stack.gql(`query ($id: ID!) { clientInvoice(id: $id) { id } }`, { id: invoiceId });
    const error = result.body.errors?.[0];
    expect(error?.message).toBe('Qonto is unavailable right now; try again later');
    expect(error?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(error?.extensions?.['traceId']).toMatch(/^[0-9a-f]{32}$/);
    expect(result.body.data).toEqual({ clientInvoice: null });
    // QONTO_MAX_RETRIES=1 in the test stack: the first attempt plus one retry.
    expect(stack.calls()).toEqual([`GET /v2/client_invoices/${invoiceId}`, `GET /v2/client_invoices/${invoiceId}`]);
    noStack(result.body);
  });

  it('recovers transparently when a retry succeeds', async () => {
    stack.sim.faults.set({ failNext: { count: 1, status: 500 } });
    const result = await stack.gql(`query ($id: ID!) { clientInvoice(id: $id) { id } }`, { id: invoiceId });
    expect(result.body).toEqual({ data: { clientInvoice: { id: invoiceId } } });
  });

  it('masks unexpected errors as INTERNAL_SERVER_ERROR without internals', async () => {
    const original = stack.app.services.transport.forAuthorization;
    stack.app.services.transport.forAuthorization = () => {
      throw new TypeError('secret internal detail at /src/somewhere.ts:12');
    };
    try {
      const result = await stack.gql('{ clients { totalCount } }');
      expect(result.body.errors?.[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(result.body)).not.toContain('secret internal detail');
    } finally {
      stack.app.services.transport.forAuthorization = original;
    }
  });
});

describe('static auth mode', () => {
  let staticStack: TestStack;
  beforeAll(async () => {
    staticStack = await startStack({ env: { QONTO_AUTH_MODE: 'static', GATEWAY_API_KEYS: 'gw-key-1,gw-key-2' } });
    const demo = staticStack.sim.credentials[0]!;
    const auth = staticStack.app.services.config.qonto.auth;
    if (auth.mode === 'static') auth.authorization = demo.apiKey;
  });
  afterAll(() => staticStack.close());

  it('accepts a gateway key and calls Qonto with the gateway’s own credentials', async () => {
    const result = await staticStack.gql('{ clients(first: 1) { totalCount } }', {}, 'Bearer gw-key-2');
    expect(result.body.errors).toBeUndefined();
  });

  it('refuses an unknown key with 401 before any upstream call', async () => {
    staticStack.sim.resetRequests();
    const result = await staticStack.gql('{ clients(first: 1) { totalCount } }', {}, 'Bearer nope');
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(staticStack.calls()).toEqual([]);
  });
});
