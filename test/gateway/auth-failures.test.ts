import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { VerifiedCredentials } from '../../src/edge/auth-failures.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, SEED, type Simulator } from '../../src/simulator/index.js';

const QUERY = '{ clients(first: 1) { totalCount } }';

interface GraphQLBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

let sim: Simulator | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
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
    expect(local.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Too many failed authentications/), extensions: { retryAfterMs: expect.any(Number) } });

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
  });

  it('counts per X-Forwarded-For client with GATEWAY_TRUSTED_PROXIES=1', async () => {
    const { sim, gateway } = await start({ GATEWAY_AUTH_FAILURES_PER_ADDRESS: '3', GATEWAY_TRUSTED_PROXIES: '1' });
    const from = (client: string) => ({ 'x-forwarded-for': `203.0.113.250, ${client}` });
    for (let i = 0; i < 3; i++) expect(code((await post(gateway, `Bearer garbage-${i}`, from('203.0.113.7'))).body)).toBe('UNAUTHENTICATED');
    expect(code((await post(gateway, 'Bearer garbage-x', from('203.0.113.7'))).body)).toBe('TOO_MANY_AUTH_FAILURES');
    // another client behind the same proxy is not affected
    expect(code((await post(gateway, 'Bearer garbage-y', from('203.0.113.8'))).body)).toBe('UNAUTHENTICATED');
    expect(upstream401s(sim)).toBe(4);
  });

  it('counts refused gateway API keys in static auth mode (no Qonto call at all)', async () => {
    const { sim, gateway } = await start({ GATEWAY_AUTH_FAILURES_PER_ADDRESS: '2', QONTO_AUTH_MODE: 'static', GATEWAY_API_KEYS: 'gw-key', QONTO_ACCESS_TOKEN: SEED.atelier.bearerToken });
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
