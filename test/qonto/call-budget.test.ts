import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext, type GatewayServices } from '../../src/context.js';
import { qontoErrorToGraphQL } from '../../src/graphql/errors.js';
import { createLoaders } from '../../src/loaders.js';
import { isQontoError, QontoTransport, type QontoError, type QontoLocalRefusalKind } from '../../src/qonto/index.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { json, startFakeQonto, type FakeQonto } from './fake-qonto.js';

const AUTH = 'Bearer ory_at_budget-token';

let server: FakeQonto;
let transport: QontoTransport;
let refusals: QontoLocalRefusalKind[];

/** Any resource, unwrapped, with the id of the path. */
const ok = (req: { path: string }, res: ServerResponse) => json(res, 200, { id: req.path.split('/').pop(), name: 'x', slug: 'x' });

async function failure(promise: Promise<unknown>): Promise<QontoError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(isQontoError(error)).toBe(true);
  return error as QontoError;
}

beforeEach(async () => {
  server = await startFakeQonto(ok);
  refusals = [];
  transport = new QontoTransport({ baseUrl: server.url, environment: 'production', onLocalRefusal: (kind) => refusals.push(kind) });
});

afterEach(async () => {
  await transport.close();
  await server.close();
});

describe('per-client call budget', () => {
  it('refuses the calls past maxCalls without reaching Qonto', async () => {
    const client = transport.forAuthorization(AUTH, { maxCalls: 2 });
    await client.getOrganization();
    await client.getClient('c1');
    const error = await failure(client.getClientInvoice('i1'));
    expect(error).toMatchObject({ kind: 'call_budget_exceeded', method: 'GET', route: '/v2/client_invoices/{id}', attempts: 0 });
    expect(client.calls).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(refusals).toEqual(['call_budget_exceeded']);
    const mapped = qontoErrorToGraphQL(error);
    expect(mapped.extensions['code']).toBe('UPSTREAM_CALL_BUDGET_EXCEEDED');
    expect(mapped.message).toContain('ask for fewer items');
  });

  it('counts nothing against a client created without maxCalls', async () => {
    const client = transport.forAuthorization(AUTH);
    for (let n = 0; n < 5; n++) await client.getClient(`c${n}`);
    expect(client.calls).toBe(5);
  });

  it('gives the context’s client config.qonto.maxCallsPerOperation calls, renewed with the loaders', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', QONTO_MAX_CALLS_PER_OPERATION: '2' });
    const services = { config, transport } as unknown as GatewayServices;
    const ctx = createContext(services, AUTH);
    await ctx.qonto().getClient('a');
    await ctx.loaders.client.load('b');
    expect((await failure(ctx.qonto().getClient('c'))).kind).toBe('call_budget_exceeded');
    // a subscription renews the loaders before each update: each update has its own budget
    ctx.loaders = createLoaders(ctx.qonto);
    await ctx.loaders.client.load('d');
    await ctx.qonto().getClient('e');
    expect((await failure(ctx.qonto().getClient('f'))).kind).toBe('call_budget_exceeded');
    expect(server.requests.map((r) => r.path)).toEqual(['/v2/clients/a', '/v2/clients/b', '/v2/clients/d', '/v2/clients/e']);
  });
});

describe('per-operation call budget through the gateway', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { QONTO_MAX_CALLS_PER_OPERATION: '3' } });
  });
  afterAll(() => stack.close());

  it('answers UPSTREAM_CALL_BUDGET_EXCEEDED once an operation used its budget, and the next operation has a fresh one', async () => {
    stack.sim.resetRequests();
    const result = await stack.gql('{ clientInvoices(first: 10) { nodes { id einvoicingLifecycleEvents { statusCode } } } }');
    const codes = (result.body.errors ?? []).map((e) => e.extensions?.['code']);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['UPSTREAM_CALL_BUDGET_EXCEEDED']));
    expect(result.body.errors?.[0]?.message).toContain('ask for fewer items');
    expect(stack.calls()).toHaveLength(3);

    stack.sim.resetRequests();
    const next = await stack.gql('{ clients(first: 1) { totalCount } }');
    expect(next.body.errors).toBeUndefined();
    expect(stack.calls()).toEqual(['GET /v2/clients']);
  });
});
