import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLiveStack, type LiveStack } from '../helpers/live.js';

/**
 * Qonto throttles an address that collects more than 200 answers with status 401 in an hour, and
 * every tenant of a gateway shares its address. The simulator counts 401s per address exactly as
 * Qonto documents (and answers 429 to everything past 200), so these tests show that neither the
 * gateway's own probes nor a flood of garbage tokens can lock the demo organisations out.
 */

const ORGANIZATION_QUERY = '{ clientInvoices(first: 1) { totalCount } }';
/** A different Qonto URL per `n` (identical concurrent GETs would share one upstream request). */
const distinctQuery = (n: number) => `{ clientInvoices(first: ${n + 1}) { totalCount } }`;

/** How many requests of the simulator's log answered `status`. */
const answered = (stack: LiveStack, status: number) => stack.sim.requests.filter((request) => request.status === status).length;

/** Both demo organisations read their invoices normally. */
async function expectBothOrganisationsServed(stack: LiveStack): Promise<void> {
  for (const org of [0, 1] as const) {
    const result = await stack.http<{ clientInvoices: { totalCount: number } }>(ORGANIZATION_QUERY, {}, stack.auth(org));
    expect(result.errors, `organisation ${org}`).toBeUndefined();
    expect(result.data?.clientInvoices.totalCount).toBeGreaterThan(0);
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Opens a graphql-ws socket with `authorization` and resolves with how it ended: `ack` or its close code. */
function connectionInit(url: string, authorization: string): Promise<'ack' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })));
    socket.once('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string };
      if (message.type === 'connection_ack') {
        resolve('ack');
        socket.close(1000);
      }
    });
    socket.once('close', (code) => resolve(code));
    socket.once('error', reject);
  });
}

describe('the 401 budget protects every tenant', () => {
  let stack: LiveStack;
  beforeAll(async () => {
    stack = await startLiveStack();
    // Both organisations have used the gateway before the attack: Qonto accepted their credentials.
    await expectBothOrganisationsServed(stack);
    stack.sim.resetRequests();
  });
  afterAll(() => stack.close());

  it('600 readiness probes send nothing to Qonto', async () => {
    const gateway = stack.gateways[0]!;
    for (let i = 0; i < 600; i++) {
      const response = await fetch(`${gateway.url}/readiness`);
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    expect(stack.sim.requests).toHaveLength(0);
    await expectBothOrganisationsServed(stack);
  });

  it('1,000 garbage tokens over HTTP and 1,000 over graphql-ws leave both organisations served', async () => {
    const gateway = stack.gateways[0]!;
    const refusals = new Map<string, number>();
    await pool(1000, 50, async (i) => {
      const result = await stack.http(ORGANIZATION_QUERY, {}, `Bearer garbage-http-${i}`);
      expect(result.data?.clientInvoices ?? null).toBeNull();
      const code = String(result.errors?.[0]?.extensions?.['code']);
      refusals.set(code, (refusals.get(code) ?? 0) + 1);
    });
    expect([...refusals.keys()].every((code) => ['UNAUTHENTICATED', 'TOO_MANY_AUTH_FAILURES'].includes(code))).toBe(true);

    const wsUrl = `${gateway.url.replace('http', 'ws')}/graphql`;
    const outcomes = new Map<string, number>();
    await pool(1000, 50, async (i) => {
      const outcome = String(await connectionInit(wsUrl, `Bearer garbage-ws-${i}`));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    });
    expect(outcomes.get('ack') ?? 0).toBe(0);

    // Qonto saw far fewer than the 200 401s that would throttle the address, and never throttled it.
    expect(answered(stack, 401)).toBeLessThanOrEqual(100);
    expect(answered(stack, 429)).toBe(0);
    await expectBothOrganisationsServed(stack);
    // A verified credential also still opens a socket from the same address.
    expect(await connectionInit(wsUrl, stack.auth(1))).toBe('ack');
  }, 60_000);
});

describe('one tenant cannot take the shared quota from the others', () => {
  let stack: LiveStack;
  beforeAll(async () => {
    // 20 requests per 10 s (200 per 10 min) for the process, at most half of them for one credential.
    stack = await startLiveStack({
      env: { QONTO_RATE_LIMIT: '20', QONTO_CREDENTIAL_SHARE_PERCENT: '50', QONTO_MAX_QUEUE_WAIT_MS: '200', QONTO_TIMEOUT_MS: '5000' },
    });
  });
  afterAll(() => stack.close());

  it('a greedy organisation is refused fast with retryAfterMs past its share; the other is served at once', async () => {
    const codes = new Map<string, number>();
    let retryAfterMs = 0;
    await pool(30, 5, async (i) => {
      const result = await stack.http(distinctQuery(i), {}, stack.auth(0));
      const code = result.errors?.[0]?.extensions?.['code'];
      if (code === 'UPSTREAM_RATE_LIMITED') retryAfterMs = Number(result.errors?.[0]?.extensions?.['retryAfterMs']);
      codes.set(String(code ?? 'ok'), (codes.get(String(code ?? 'ok')) ?? 0) + 1);
    });
    expect(codes.get('ok')).toBe(10);
    expect(codes.get('UPSTREAM_RATE_LIMITED')).toBe(20);
    expect(retryAfterMs).toBeGreaterThan(0);
    const started = performance.now();
    const other = await stack.http<{ clientInvoices: { totalCount: number } }>(ORGANIZATION_QUERY, {}, stack.auth(1));
    expect(other.errors).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(answered(stack, 429)).toBe(0);
  });
});

describe('one tenant cannot take every upstream slot', () => {
  let stack: LiveStack;
  beforeAll(async () => {
    stack = await startLiveStack({ env: { QONTO_TIMEOUT_MS: '2000' } });
    await expectBothOrganisationsServed(stack);
  });
  afterAll(() => stack.close());

  it('a tenant stuck on a hanging Qonto holds at most its share of the upstream slots', async () => {
    stack.sim.faults.set({ hangNext: { count: 8 } });
    // 40 lookups by one organisation: 8 (its share of the 16 slots) reach Qonto and hang.
    const stuck = Array.from({ length: 40 }, (_, i) => stack.http(distinctQuery(i), {}, stack.auth(0)));
    await expect.poll(() => stack.gateways[0]!.services.transport.inFlight()).toBe(8);
    const started = performance.now();
    const other = await stack.http<{ clientInvoices: { totalCount: number } }>(ORGANIZATION_QUERY, {}, stack.auth(1));
    expect(other.errors).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
    stack.sim.faults.reset();
    await Promise.allSettled(stuck);
  }, 20_000);
});
