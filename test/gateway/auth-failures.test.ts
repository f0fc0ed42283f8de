import { createClient, type Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import type { VerifiedCredentials } from '../../src/edge/auth-failures.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, SEED, type Simulator } from 'qonto-simulator';
import { LIFECYCLE, subscribe, type LifecycleMessage } from '../helpers/live.js';

const QUERY = '{ clients(first: 1) { totalCount } }';

interface GraphQLBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

let sim: Simulator | undefined;
let gateway: Gateway | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await gateway?.close();
  await sim?.close();
  gateway = undefined;
  sim = undefined;
});

/** A simulator and a gateway; with `verifyGood`, the demo organisation's credential counts as verified. */
async function start(env: NodeJS.ProcessEnv, options: { verifyGood?: boolean } = {}) {
  sim = await createSimulator({ manualClock: true });
  const good = `Bearer ${sim.credentials[0]!.bearerToken}`;
  const otherGood = `Bearer ${sim.credentials[1]!.bearerToken}`;
  const verifiedCredentials: VerifiedCredentials = { isVerified: (authorization) => options.verifyGood === true && authorization === good };
  gateway = await createGateway({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', QONTO_MAX_RETRIES: '0', ...env }),
    qontoBaseUrl: sim.url,
    logger: createLogger('silent'),
    verifiedCredentials,
  });
  return { sim, gateway, good, otherGood };
}

async function post(gw: Gateway, authorization: string | undefined, headers: Record<string, string> = {}, query = QUERY) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as GraphQLBody };
}

const code = (body: GraphQLBody) => body.errors?.[0]?.extensions?.['code'];
const upstream401s = (simulator: Simulator) => simulator.requests.filter((r) => r.status === 401).length;

/** A graphql-ws client; `forwardedFor` is sent as X-Forwarded-For on the upgrade. */
function wsClient(
  gw: Gateway,
  authorization: string,
  forwardedFor?: string,
): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  class ForwardedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {});
    }
  }
  const client = createClient({
    url: `${gw.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: ForwardedWebSocket,
    connectionParams: { authorization },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  clients.push(client);
  return { client, closed };
}

/** Runs one query over graphql-ws and resolves with its result. */
const wsQuery = (client: Client, query: string) =>
  new Promise<unknown>((resolve, reject) => {
    let value: unknown;
    client.subscribe({ query }, { next: (v) => (value = v), error: reject, complete: () => resolve(value) });
  });

describe('failed authentications per client address, over HTTP', () => {
  it('refuses a flood of garbage tokens locally once the address reached its limit, whatever X-Forwarded-For says', async () => {
    const { sim, gateway } = await start({ GATEWAY_AUTH_FAILURES_PER_ADDRESS: '5' });
    sim.resetRequests();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(gateway, `Bearer garbage-${i}`, { 'x-forwarded-for': `198.51.100.${i}` })),
    );
    const refusedUpstream = answers.filter((a) => code(a.body) === 'UNAUTHENTICATED');
    const refusedLocally = answers.filter((a) => code(a.body) === 'TOO_MANY_AUTH_FAILURES');
    expect(refusedUpstream).toHaveLength(5);
    expect(refusedLocally).toHaveLength(35);
    expect(upstream401s(sim)).toBe(5);
    expect(sim.requests).toHaveLength(5);

    const local = refusedLocally[0]!;
    expect(local.status).toBe(429);
    expect(Number(local.retryAfter)).toBeGreaterThan(0);
    expect(local.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/Too many failed authentications/),
      extensions: { retryAfterMs: expect.any(Number) },
    });

    // later garbage stays local too
    for (let i = 0; i < 5; i++) expect(code((await post(gateway, `Bearer late-${i}`)).body)).toBe('TOO_MANY_AUTH_FAILURES');
    expect(upstream401s(sim)).toBe(5);
  });

  it('serves verified credentials from a locked-out address (an office behind one proxy), refuses unverified ones', async () => {
    const { sim, gateway, good, otherGood } = await start({ GATEWAY_AUTH_FAILURES_PER_ADDRESS: '3' }, { verifyGood: true });
    for (let i = 0; i < 10; i++) await post(gateway, `Bearer garbage-${i}`);
    expect(upstream401s(sim)).toBe(3);

    const served = await post(gateway, good);
    expect(served.status).toBe(200);
    expect(served.body).toEqual({ data: { clients: { totalCount: expect.any(Number) } } });
    // valid at Qonto, but not known to be: refused locally like any unverified credential
    expect(code((await post(gateway, otherGood)).body)).toBe('TOO_MANY_AUTH_FAILURES');
    // requests without credentials never reach Qonto and are not limited
    expect((await post(gateway, undefined, {}, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    expect(upstream401s(sim)).toBe(3);

    // SSE is HTTP: the same rule applies
    const sse = (authorization: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization },
        body: JSON.stringify({ query: LIFECYCLE, variables: { id: SEED.atelier.invoices.readyToSend } }),
      });
    const refusedStream = await sse(otherGood);
    expect(refusedStream.status).toBe(429);
    expect(code((await refusedStream.json()) as GraphQLBody)).toBe('TOO_MANY_AUTH_FAILURES');
    const stream = await sse(good);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await gateway.services.lifecycle.whenSubscribers(1);
    await stream.body?.cancel();
  });

  it('counts per X-Forwarded-For client with GATEWAY_TRUSTED_PROXIES=1', async () => {
    const { sim, gateway } = await start({ GATEWAY_AUTH_FAILURES_PER_ADDRESS: '3', GATEWAY_TRUSTED_PROXIES: '1' });
    const from = (client: string) => ({ 'x-forwarded-for': `203.0.113.250, ${client}` });
    for (let i = 0; i < 3; i++)
      expect(code((await post(gateway, `Bearer garbage-${i}`, from('203.0.113.7'))).body)).toBe('UNAUTHENTICATED');
    expect(code((await post(gateway, 'Bearer garbage-x', from('203.0.113.7'))).body)).toBe('TOO_MANY_AUTH_FAILURES');
    // another client behind the same proxy is not affected
    expect(code((await post(gateway, 'Bearer garbage-y', from('203.0.113.8'))).body)).toBe('UNAUTHENTICATED');
    expect(upstream401s(sim)).toBe(4);
  });

  it('counts refused gateway API keys in static auth mode (no Qonto call at all)', async () => {
    const { sim, gateway } = await start({
      GATEWAY_AUTH_FAILURES_PER_ADDRESS: '2',
      QONTO_AUTH_MODE: 'static',
      GATEWAY_API_KEYS: 'gw-key',
      QONTO_ACCESS_TOKEN: SEED.atelier.bearerToken,
    });
    for (let i = 0; i < 2; i++) {
      const refused = await post(gateway, `Bearer wrong-${i}`);
      expect(refused.status).toBe(401);
      expect(code(refused.body)).toBe('UNAUTHENTICATED');
    }
    expect((await post(gateway, 'Bearer wrong-3')).status).toBe(429);
    // the right key is verified locally and keeps working from the same address
    expect(code((await post(gateway, 'Bearer gw-key', {}, '{ __typename }')).body)).toBeUndefined();
    // only the gateway's own probe reached Qonto, with its own (good) credentials
    expect(sim.requests.filter((r) => r.path !== '/v2/organization' || r.status === 401)).toEqual([]);
  });
});

describe('failed authentications per client address, over graphql-ws connection_init', () => {
  it('refuses garbage connections locally after the limit, and still accepts a verified credential', async () => {
    const { sim, gateway, good, otherGood } = await start({ GATEWAY_AUTH_FAILURES_PER_ADDRESS: '3' }, { verifyGood: true });
    sim.resetRequests();

    const refusals = await Promise.all(Array.from({ length: 8 }, (_, i) => wsClient(gateway, `Bearer garbage-${i}`).closed));
    expect(refusals.map((r) => r.code)).toEqual(Array(8).fill(4403));
    expect(refusals.filter((r) => /Too many failed authentications/.test(r.reason))).toHaveLength(5);
    expect(upstream401s(sim)).toBe(3);
    expect(sim.requests).toHaveLength(3);

    // an unverified (even valid) credential from the locked-out address: refused without calling Qonto
    const unverified = await wsClient(gateway, otherGood).closed;
    expect(unverified.code).toBe(4403);
    expect(unverified.reason).toMatch(/retry in \d+ s/);
    expect(sim.requests).toHaveLength(3);

    // the verified one connects (no key check needed) and works
    const { client } = wsClient(gateway, good);
    expect(await wsQuery(client, '{ einvoicingSettings { sendingStatus } }')).toEqual({
      data: { einvoicingSettings: { sendingStatus: 'ENABLED' } },
    });

    // HTTP shares the same limit
    expect(code((await post(gateway, 'Bearer garbage-http')).body)).toBe('TOO_MANY_AUTH_FAILURES');
  });

  it('keys WebSocket clients by X-Forwarded-For with GATEWAY_TRUSTED_PROXIES=1', async () => {
    const { sim, gateway, good } = await start({ GATEWAY_AUTH_FAILURES_PER_ADDRESS: '2', GATEWAY_TRUSTED_PROXIES: '1' });
    for (let i = 0; i < 3; i++) await wsClient(gateway, `Bearer garbage-${i}`, '203.0.113.7').closed;
    expect(upstream401s(sim)).toBe(2);
    // a good (unverified) credential from another client behind the proxy is checked with Qonto and accepted
    const { client } = wsClient(gateway, good, '203.0.113.8');
    const queue = subscribe<LifecycleMessage>(client, LIFECYCLE, { id: SEED.atelier.invoices.readyToSend });
    await gateway.services.lifecycle.whenSubscribers(1);
    await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: good },
      body: JSON.stringify({
        query: 'mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }',
        variables: { id: SEED.atelier.invoices.readyToSend },
      }),
    });
    expect((await queue.next()).clientInvoiceLifecycle.event.statusCode).toBe(200);
    // while the same good credential from the locked-out client is refused locally
    expect((await wsClient(gateway, good, '203.0.113.7').closed).reason).toMatch(/Too many failed authentications/);
  });
});
