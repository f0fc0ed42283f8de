import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createGateway, createGatewayApp, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, type Simulator } from 'qonto-simulator';

let sim: Simulator;
let gateway: Gateway;
let auth: string;
const logLines: string[] = [];

beforeAll(async () => {
  sim = await createSimulator({ manualClock: true });
  auth = `Bearer ${sim.credentials[0]!.bearerToken}`;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  gateway = await createGateway({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug' }),
    qontoBaseUrl: sim.url,
    logger: createLogger('debug', sink),
    graphiql: { headers: { Authorization: auth } },
  });
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

describe('HTTP surface on a real port', () => {
  it('passes every MUST audit of graphql-http', async () => {
    const audits = serverAudits({
      url: `${gateway.url}/graphql`,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', auth);
        return fetch(input, { ...init, headers });
      },
    });
    const failures: string[] = [];
    for (const audit of audits) {
      if (!audit.name.startsWith('MUST')) continue;
      const result = await audit.fn();
      if (result.status !== 'ok') failures.push(`${audit.name}: ${result.reason}`);
    }
    expect(failures).toEqual([]);
  });

  it('serves /health, /readiness and /metrics', async () => {
    const health = await fetch(`${gateway.url}/health`, { headers: { 'x-request-id': 'req-health-1' } });
    expect(health.headers.get('x-request-id')).toBe('req-health-1');
    expect(await health.json()).toEqual({ status: 'ok' });
    const readiness = await fetch(`${gateway.url}/readiness`);
    expect(readiness.status).toBe(200);
    expect(await readiness.json()).toEqual({ ok: true, checks: { config: { ok: true } } });

    const query = () =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ query: 'query Dashboard { clients(first: 2) { totalCount } }' }),
      });
    const scrape = async () => (await fetch(`${gateway.url}/metrics`)).text();
    await query();
    const metrics = await scrape();
    expect(metrics).toMatch(/graphql_operations_total\{operation="Dashboard",type="query",outcome="ok"\} 1/);
    expect(metrics).toMatch(/graphql_operation_duration_seconds_count\{operation="Dashboard",type="query"\} 1/);
    expect(metrics).toMatch(/qonto_upstream_requests_total\{method="GET",route="\/v2\/clients",status="200"\} 1/);
    expect(metrics).toMatch(
      /qonto_upstream_request_duration_seconds_bucket\{le="[\d.]+",method="GET",route="\/v2\/clients",status="200"\}/,
    );
    const graphqlRequests = Number(/http_requests_total\{route="\/graphql",method="POST",status="200"\} (\d+)/.exec(metrics)?.[1]);
    expect(graphqlRequests).toBeGreaterThanOrEqual(1);

    // a second operation counts on the same series
    await query();
    const again = await scrape();
    expect(again).toMatch(/qonto_upstream_requests_total\{method="GET",route="\/v2\/clients",status="200"\} 2/);
    expect(again).toMatch(/qonto_upstream_request_duration_seconds_count\{method="GET",route="\/v2\/clients",status="200"\} 2/);
    expect(again).toContain(`http_requests_total{route="/graphql",method="POST",status="200"} ${graphqlRequests + 1}`);
    expect(again).toMatch(/^http_requests_total\{route="\/health",method="GET",status="200"\} [1-9]/m);
    expect(again).toMatch(/^http_requests_total\{route="\/readiness",method="GET",status="200"\} [1-9]/m);
  });

  it('logs each request with a request id and never the Authorization value', async () => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth, 'x-request-id': 'req-test-42' },
      body: JSON.stringify({ query: 'query Named { clients(first: 1) { totalCount } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('req-test-42');
    await response.text();
    await new Promise((resolve) => setImmediate(resolve));
    const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['requestId'] === 'req-test-42');
    expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/graphql', status: 200, operationName: 'Named' });
    expect(logLines.join('')).not.toContain(sim.credentials[0]!.bearerToken);
  });

  it('serves GraphiQL offline, pre-filled with the demo credentials and using WebSocket', async () => {
    const response = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdn\./);
    expect(html).toContain(sim.credentials[0]!.bearerToken);
    expect(html).toContain('"subscriptionsProtocol":"WS"');
    expect(html).toContain(`"connectionParams":{"authorization":"${auth}"}`);
  });

  it('refuses oversized bodies with 413 and unknown paths with 404', async () => {
    const big = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024 + 10) } }),
    });
    expect(big.status).toBe(413);
    expect((await big.json()) as unknown).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    const unknown = await fetch(`${gateway.url}/nope`);
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'not_found' }]);
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toMatch(
      /^http_requests_total\{route="other",method="GET",status="404"\} [1-9]/m,
    );
  });

  it('answers queries over graphql-ws on the same port and path', async () => {
    const client = createClient({
      url: `${gateway.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: auth },
      retryAttempts: 0,
    });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe(
          { query: '{ einvoicingSettings { sendingStatus } }' },
          { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
        );
      });
      expect(result).toEqual({ data: { einvoicingSettings: { sendingStatus: 'ENABLED' } } });
    } finally {
      await client.dispose();
    }
  });

  it('stays ready when Qonto cannot be reached (Qonto’s health is the qonto_up metric)', async () => {
    const down = createGatewayApp({
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      qontoBaseUrl: 'http://127.0.0.1:9',
      logger: createLogger('silent'),
    });
    try {
      const readiness = await down.yoga.fetch('http://gateway/readiness');
      expect(readiness.status).toBe(200);
      expect(await readiness.json()).toEqual({ ok: true, checks: { config: { ok: true } } });
      // Without pre-filled credentials GraphiQL subscribes over SSE, so edited headers apply.
      const html = await (await down.yoga.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } })).text();
      expect(html).toContain('"subscriptionsProtocol":"SSE"');
    } finally {
      await down.close();
    }
  });
});
