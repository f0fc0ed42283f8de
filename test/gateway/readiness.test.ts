import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, createGatewayApp, type GatewayApp, type GatewayOptions } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import type { QontoHealthSource } from '../../src/observability/qonto-health.js';
import { createSimulator, type Simulator } from 'qonto-simulator';

let sim: Simulator | undefined;
let gateway: GatewayApp | undefined;
afterEach(async () => {
  await gateway?.close();
  await sim?.close();
  gateway = undefined;
  sim = undefined;
});

async function start(env: NodeJS.ProcessEnv = {}, options: Partial<GatewayOptions> = {}) {
  sim = await createSimulator({ manualClock: true });
  gateway = createGatewayApp({
    config: loadConfig({ LOG_LEVEL: 'silent', QONTO_MAX_RETRIES: '0', ...env }),
    qontoBaseUrl: sim.url,
    logger: createLogger('silent'),
    ...options,
  });
  return { sim, gateway };
}

// Every route is reached through yoga.fetch: no port needed.
const readiness = async (gw: GatewayApp) => {
  const response = await gw.yoga.fetch('http://gateway/readiness');
  return {
    status: response.status,
    body: (await response.json()) as { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> },
  };
};
const scrape = async (gw: GatewayApp) => (await gw.yoga.fetch('http://gateway/metrics')).text();
const query = async (gw: GatewayApp, authorization: string) => {
  const response = await gw.yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: '{ clients(first: 1) { totalCount } }' }),
  });
  return (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> };
};

/** Resolves with the next observation of Qonto's health from `source`. */
const nextObservation = (gw: GatewayApp, source: QontoHealthSource) =>
  new Promise<boolean>((resolve) => {
    const off = gw.qontoHealth.onObservation((up, from) => {
      if (from !== source) return;
      off();
      resolve(up);
    });
  });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('/readiness reflects the gateway itself, never Qonto', () => {
  it('answers 600 probes without a single upstream request', async () => {
    const { sim, gateway } = await start();
    sim.resetRequests();
    for (let batch = 0; batch < 12; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const response = await gateway.yoga.fetch('http://gateway/readiness');
          return { status: response.status, body: await response.json() };
        }),
      );
      for (const answer of answers) expect(answer).toEqual({ status: 200, body: { ok: true, checks: { config: { ok: true } } } });
    }
    expect(sim.requests).toEqual([]);
  });

  it('stays ready through a Qonto outage, which shows as qonto_up 0', async () => {
    const { sim, gateway } = await start();
    expect(await scrape(gateway)).not.toMatch(/^qonto_up /m);

    expect((await query(gateway, `Bearer ${sim.credentials[0]!.bearerToken}`)).errors).toBeUndefined();
    const before = await scrape(gateway);
    expect(before).toMatch(/^qonto_up 1$/m);
    const lastSeen = Number(/^qonto_last_seen_up_timestamp_seconds ([\d.e+]+)$/m.exec(before)?.[1]);
    expect(Math.abs(lastSeen - Date.now() / 1000)).toBeLessThan(60);

    sim.faults.set({ failNext: { count: 1000, status: 503 } });
    expect((await query(gateway, `Bearer ${sim.credentials[0]!.bearerToken}`)).errors?.[0]?.extensions?.['code']).toBe(
      'UPSTREAM_UNAVAILABLE',
    );
    expect(await scrape(gateway)).toMatch(/^qonto_up 0$/m);
    expect(await readiness(gateway)).toMatchObject({ status: 200, body: { ok: true } });

    sim.faults.reset();
    // A refused credential still shows Qonto answering.
    expect((await query(gateway, 'Bearer not-a-real-token')).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(await scrape(gateway)).toMatch(/^qonto_up 1$/m);
  });

  it('answers 503 at once when draining, and shutdown drains first', async () => {
    const { gateway } = await start();
    expect((await readiness(gateway)).status).toBe(200);
    gateway.readiness.startDraining();
    expect(await readiness(gateway)).toEqual({
      status: 503,
      body: { ok: false, checks: { config: { ok: true }, draining: { ok: false, detail: 'shutting down' } } },
    });
    expect((await gateway.yoga.fetch('http://gateway/health')).status).toBe(200);

    const other = await createGateway({
      config: { ...gateway.services.config, port: 0, host: '127.0.0.1' },
      qontoBaseUrl: sim!.url,
      logger: createLogger('silent'),
    });
    const closing = other.close();
    expect(other.readiness.draining).toBe(true);
    await closing;
  });

  it('answers 503 with a redis check when REDIS_URL cannot be reached', async () => {
    const port = await closedPort();
    const { gateway } = await start({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const answer = await readiness(gateway);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ ok: false, checks: { config: { ok: true }, redis: { ok: false } } });
  });
});

describe('Qonto probe in static auth mode', () => {
  it('probes periodically with the gateway’s own credentials, through the transport, never unauthenticated', async () => {
    const simulator = await createSimulator({ manualClock: true });
    sim = simulator;
    const demo = simulator.credentials[0]!;
    gateway = createGatewayApp({
      config: loadConfig({
        LOG_LEVEL: 'silent',
        QONTO_MAX_RETRIES: '0',
        QONTO_AUTH_MODE: 'static',
        GATEWAY_API_KEYS: 'gw-key',
        QONTO_ACCESS_TOKEN: demo.bearerToken,
      }),
      qontoBaseUrl: simulator.url,
      logger: createLogger('silent'),
      qontoProbeIntervalMs: 20,
    });
    const probes = [await nextObservation(gateway, 'probe'), await nextObservation(gateway, 'probe')];
    expect(probes).toEqual([true, true]);
    expect(simulator.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of simulator.requests.filter((r) => r.status !== 0)) {
      expect(request).toMatchObject({ method: 'GET', path: '/v2/organization', status: 200, organizationId: demo.organizationId });
    }
    expect(await scrape(gateway)).toMatch(/^qonto_upstream_requests_total\{method="GET",route="\/v2\/organization",status="200"\} \d+$/m);

    simulator.faults.set({ failNext: { count: 100_000, status: 503 } });
    while (await nextObservation(gateway, 'probe')) {
      // a probe already in flight may still see Qonto up
    }
    expect(await scrape(gateway)).toMatch(/^qonto_up 0$/m);
    expect((await readiness(gateway)).status).toBe(200);
  });
});

describe('/metrics shows the guard of Qonto quota', () => {
  it('exposes window use against the limit, the breaker state and the 401 budget', async () => {
    const { sim, gateway } = await start({ QONTO_RATE_LIMIT: '250', QONTO_401_BUDGET_PER_HOUR: '40', QONTO_BREAKER_FAILURES: '2' });
    expect((await query(gateway, `Bearer ${sim.credentials[0]!.bearerToken}`)).errors).toBeUndefined();
    expect((await query(gateway, 'Bearer not-a-real-token')).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    let text = await scrape(gateway);
    expect(text).toMatch(/^qonto_rate_window_limit\{window="10s"\} 250$/m);
    expect(text).toMatch(/^qonto_rate_window_limit\{window="10m"\} 2500$/m);
    expect(text).toMatch(/^qonto_rate_window_used\{window="10s"\} 2$/m);
    expect(text).toMatch(/^qonto_unauthorized_last_hour 1$/m);
    expect(text).toMatch(/^qonto_unauthorized_budget_per_hour 40$/m);
    expect(text).toMatch(/^qonto_refused_credentials 1$/m);
    expect(text).toMatch(/^qonto_verified_credentials 1$/m);
    expect(text).toMatch(/^qonto_circuit_open 0$/m);

    sim.faults.set({ failNext: { count: 1000, status: 503 } });
    for (let i = 0; i < 2; i++) await query(gateway, `Bearer ${sim.credentials[0]!.bearerToken}`);
    text = await scrape(gateway);
    expect(text).toMatch(/^qonto_circuit_open 1$/m);
    expect(text).toMatch(/^qonto_local_refusals_total\{kind="credential_refused"\} 0$|^qonto_circuit_open 1$/m);
  });
});
