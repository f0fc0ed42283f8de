import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createRedisDeduplicator } from '../../src/lifecycle/deduplicator.js';
import { RedisConnections } from '../../src/lifecycle/redis-connections.js';
import { createRedisBus, invoiceTopic } from '../../src/lifecycle/signal-bus.js';
import { signatureHeader } from '../../src/qonto/webhook-signature.js';
import { SEED } from 'qonto-simulator';
import { LIFECYCLE, startLiveStack, subscribe, type LifecycleMessage, type LiveStack } from '../helpers/live.js';
import {
  captureLogs,
  isRedisBack,
  isRedisConnected,
  isRedisUnavailable,
  REDIS_URL,
  redisReachable,
  redisUrlWithDb,
  startTcpProxy,
  type TcpProxy,
} from '../helpers/redis.js';

/** A port nothing listens on: every connection attempt is refused at once. */
const CLOSED_PORT_URL = 'redis://127.0.0.1:1';
/** The database this file's gateways use, so the keys and `CLIENT LIST` entries are its own. */
const DB = 7;
const SEND = 'mutation ($id: ID!) { sendInvoiceByEinvoice(id: $id) { __typename } }';

let unhandled: unknown[];
let consoleError: MockInstance<typeof console.error>;
const recordUnhandled = (error: unknown) => unhandled.push(error);
const ioredisComplaints = () => consoleError.mock.calls.filter((args) => args.some((arg) => String(arg).includes('[ioredis]')));

beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', recordUnhandled);
  process.on('uncaughtException', recordUnhandled);
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  process.off('unhandledRejection', recordUnhandled);
  process.off('uncaughtException', recordUnhandled);
  consoleError.mockRestore();
});

/** Resolves after `count` reconnection attempts of `client`. */
function reconnections(client: Redis, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onReconnecting = () => {
      if (++seen < count) return;
      client.off('reconnecting', onReconnecting);
      resolve();
    };
    client.on('reconnecting', onReconnecting);
  });
}

/** Lets pending rejections surface as `unhandledRejection` before the test looks. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function postWebhook(stack: LiveStack, url: string, body: string) {
  const response = await fetch(`${url}/webhooks/qonto`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-qonto-signature': signatureHeader(stack.secret, Math.floor(Date.now() / 1000), body),
    },
    body,
  });
  return { status: response.status, body: await response.json() };
}

async function codes(queue: { next(): Promise<LifecycleMessage> }, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await queue.next()).clientInvoiceLifecycle.event.statusCode);
  return seen;
}

describe('Redis unreachable (nothing listens on its port)', () => {
  let stack: LiveStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('logs one warn line for the outage, handles every error event, and keeps reconnecting', async () => {
    const logs = captureLogs();
    const connections = new RedisConnections(CLOSED_PORT_URL, { logger: logs.logger });
    const clients = [connections.client('a'), connections.client('b'), connections.client('c')];
    await Promise.all(clients.map((client) => reconnections(client, 3)));
    await settle();

    expect(connections.healthy()).toBe(false);
    expect(connections.state).toBe('down');
    expect(logs.lines.filter((line) => line.level >= 40)).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/^redis unavailable: .*ECONNREFUSED/) }),
    ]);
    expect(ioredisComplaints()).toEqual([]);
    expect(unhandled).toEqual([]);
    await connections.close();
    // No reconnection is pending any more (ioredis keeps the status of a client closed while it
    // waited to reconnect, so look at its timer).
    expect(clients.map((client) => (client as unknown as { reconnectTimeout: unknown }).reconnectTimeout)).toEqual([null, null, null]);
  });

  it('de-duplicates in memory without waiting for Redis', async () => {
    const connections = new RedisConnections(CLOSED_PORT_URL);
    const deduplicator = createRedisDeduplicator(connections.client('commands'));
    expect(await deduplicator.firstSeen('evt-1')).toBe(true);
    expect(await deduplicator.firstSeen('evt-1')).toBe(false);
    expect(await Promise.all([deduplicator.firstSeen('evt-2'), deduplicator.firstSeen('evt-2')])).toEqual([true, false]);
    await deduplicator.close();
    await connections.close();
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('bus: subscribing never fails and publishing reaches this process’s listeners once', async () => {
    const connections = new RedisConnections(CLOSED_PORT_URL);
    const bus = createRedisBus(connections);
    let calls = 0;
    const dispose = await bus.subscribe('qonto-gw:test', () => calls++);
    expect(bus.healthy()).toBe(false);
    bus.publish('qonto-gw:test');
    expect(calls).toBe(1);
    dispose();
    dispose();
    bus.publish('qonto-gw:test');
    expect(calls).toBe(1);
    expect(bus.listenerCount()).toBe(0);
    await bus.close();
    await connections.close();
    await settle();
    expect(unhandled).toEqual([]);
    expect(ioredisComplaints()).toEqual([]);
  });

  it('a gateway keeps working: webhooks answer 2xx and de-duplicate, subscriptions start and get every event once', async () => {
    const logs = captureLogs();
    stack = await startLiveStack({
      env: { REDIS_URL: CLOSED_PORT_URL, LIFECYCLE_POLL_INTERVAL_MS: '3600000' },
      logger: () => logs.logger,
    });
    const gateway = stack.gateways[0]!;
    await logs.until(isRedisUnavailable);
    expect(gateway.services.lifecycle.bus.healthy()).toBe(false);

    const id = SEED.atelier.invoices.readyToSend;
    const queue = subscribe<LifecycleMessage>(stack.ws(stack.auth()), LIFECYCLE, { id });
    await gateway.services.lifecycle.whenSubscribers(1);
    stack.sim.faults.set({ webhooks: { duplicateNext: 100 } });
    expect(await stack.http(SEND, { id })).toEqual({ data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } } });
    await stack.sim.network.flush();
    expect(await codes(queue, 6)).toEqual([200, 201, 202, 203, 204, 205]);
    await stack.sim.webhooks.idle();
    expect(stack.sim.webhooks.deliveries.length).toBeGreaterThan(0);
    expect(stack.sim.webhooks.deliveries.every((delivery) => delivery.status === 200)).toBe(true);

    const body = JSON.stringify({ id: `evt-${randomUUID()}`, type: 'v1/client-invoices', data: { id } });
    expect(await postWebhook(stack, gateway.url, body)).toEqual({ status: 200, body: { ok: true } });
    expect(await postWebhook(stack, gateway.url, body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });

    await settle();
    expect(logs.count(isRedisUnavailable)).toBe(1);
    expect(logs.count(isRedisBack)).toBe(0);
    expect(logs.lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(ioredisComplaints()).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

const available = await redisReachable();
if (!available && !process.env['CI']) {
  console.warn(`[Redis tests skipped] no Redis at ${REDIS_URL}: start one (redis-server) to run the Redis outage tests`);
}

describe.skipIf(!available && !process.env['CI'])('Redis lost and back (a real Redis)', () => {
  const target = new URL(REDIS_URL);
  let admin: Redis;
  let proxy: TcpProxy | undefined;
  let stack: LiveStack | undefined;
  beforeEach(() => {
    admin = new Redis(REDIS_URL, { lazyConnect: false });
  });
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
    await proxy?.close();
    proxy = undefined;
    admin.disconnect();
  });

  const subscribers = async (topic: string) => ((await admin.pubsub('NUMSUB', topic)) as [string, number])[1];

  it('bus: a signal reaches this process once (its own echo from Redis is dropped) and the other replica once', async () => {
    const [one, two] = [new RedisConnections(redisUrlWithDb(DB)), new RedisConnections(redisUrlWithDb(DB))];
    const [busOne, busTwo] = [createRedisBus(one), createRedisBus(two)];
    const topic = `qonto-gw:test:${randomUUID()}`;
    let onOne = 0;
    let onTwo = 0;
    let twoHeard!: () => void;
    let oneHeard!: () => void;
    const heardByTwo = new Promise<void>((resolve) => (twoHeard = resolve));
    const heardByOne = new Promise<void>((resolve) => (oneHeard = resolve));
    await busOne.subscribe(topic, () => {
      onOne++;
      if (onOne === 2) oneHeard();
    });
    await busTwo.subscribe(topic, () => {
      onTwo++;
      twoHeard();
    });
    expect(await subscribers(topic)).toBe(2);
    busOne.publish(topic);
    expect(onOne).toBe(1); // delivered in this process at once
    await heardByTwo;
    // Redis delivers in order on one connection: one's own echo comes before two's signal.
    busTwo.publish(topic);
    await heardByOne;
    expect([onOne, onTwo]).toEqual([2, 2]);
    await Promise.all([busOne.close(), busTwo.close()]);
    await Promise.all([one.close(), two.close()]);
  });

  it('de-duplicates in memory when Redis stops answering (command timeout), without waiting for retries', async () => {
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const logs = captureLogs();
    const connections = new RedisConnections(redisUrlWithDb(DB, `redis://127.0.0.1:${proxy.port}`), {
      logger: logs.logger,
      commandTimeoutMs: 200,
      socketTimeoutMs: 60_000,
    });
    const client = connections.client('commands');
    await once(client, 'ready');
    const deduplicator = createRedisDeduplicator(client, { prefix: `qonto-gw:test:${randomUUID()}:` });
    expect(await deduplicator.firstSeen('evt-a')).toBe(true);
    expect(await deduplicator.firstSeen('evt-a')).toBe(false);

    proxy.hold(true);
    const started = performance.now();
    expect(await deduplicator.firstSeen('evt-b')).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await deduplicator.firstSeen('evt-b')).toBe(false);
    proxy.hold(false);

    expect(await deduplicator.firstSeen('evt-a')).toBe(false); // Redis again, replies still in step
    expect(await deduplicator.firstSeen('evt-c')).toBe(true);
    expect(logs.count(isRedisUnavailable)).toBe(0); // a slow command is not an outage
    await connections.close();
  });

  it('two replicas through an outage: degrade, keep serving, recover and re-subscribe by themselves', async () => {
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const logs = [captureLogs(), captureLogs()];
    stack = await startLiveStack({
      gateways: 2,
      env: { REDIS_URL: redisUrlWithDb(DB, `redis://127.0.0.1:${proxy.port}`), LIFECYCLE_POLL_INTERVAL_MS: '3600000' },
      logger: (i) => logs[i]!.logger,
    });
    const [a, b] = stack.gateways as [LiveStack['gateways'][number], LiveStack['gateways'][number]];
    await Promise.all(logs.map((log) => log.until(isRedisConnected)));
    expect(b.services.lifecycle.bus.healthy()).toBe(true);

    await proxy.cut();
    await Promise.all(logs.map((log) => log.until(isRedisUnavailable)));
    expect(b.services.lifecycle.bus.healthy()).toBe(false);

    // During the outage: a subscription on B starts; A answers webhooks and drops repeats.
    const id = SEED.atelier.invoices.readyToSend;
    const onB = subscribe<LifecycleMessage>(stack.ws(stack.auth(), b), LIFECYCLE, { id });
    await b.services.lifecycle.whenSubscribers(1);
    const body = JSON.stringify({ id: `evt-${randomUUID()}`, type: 'v1/client-invoices', data: { id } });
    expect(await postWebhook(stack, a.url, body)).toEqual({ status: 200, body: { ok: true } });
    expect(await postWebhook(stack, a.url, body)).toEqual({ status: 200, body: { ok: true, duplicate: true } });

    await proxy.restore();
    await Promise.all(logs.map((log) => log.until(isRedisBack)));
    expect(b.services.lifecycle.bus.healthy()).toBe(true);
    await vi.waitFor(async () => expect(await subscribers(invoiceTopic(id))).toBe(1)); // B subscribed again

    // Back to normal: a send through A (webhooks land on A only) reaches B's subscriber via Redis.
    expect(await stack.http(SEND, { id }, stack.auth(), a)).toEqual({
      data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } },
    });
    await stack.sim.network.flush();
    expect(await codes(onB, 6)).toEqual([200, 201, 202, 203, 204, 205]);

    await settle();
    for (const log of logs) {
      expect(log.count(isRedisUnavailable)).toBe(1);
      expect(log.count(isRedisBack)).toBe(1);
    }
    expect(ioredisComplaints()).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('recovers by itself from CLIENT KILL: one warn and one info line per replica, signals cross replicas again', async () => {
    const logs = [captureLogs(), captureLogs()];
    stack = await startLiveStack({
      gateways: 2,
      env: { REDIS_URL: redisUrlWithDb(DB), LIFECYCLE_POLL_INTERVAL_MS: '3600000' },
      logger: (i) => logs[i]!.logger,
    });
    const [a, b] = stack.gateways as [LiveStack['gateways'][number], LiveStack['gateways'][number]];
    await Promise.all(logs.map((log) => log.until(isRedisConnected)));
    const id = SEED.atelier.invoices.readyToSendNova;
    const onB = subscribe<LifecycleMessage>(stack.ws(stack.auth(), b), LIFECYCLE, { id });
    await b.services.lifecycle.whenSubscribers(1);
    expect(await subscribers(invoiceTopic(id))).toBe(1);

    const clients = ((await admin.client('LIST')) as string)
      .split('\n')
      .map((line) => Object.fromEntries(line.split(' ').map((field) => field.split('=', 2) as [string, string])))
      .filter((fields) => fields['name']?.startsWith('qonto-gw:') && fields['db'] === String(DB));
    expect(clients).toHaveLength(6); // commands, bus-publish and bus-subscribe on each replica
    const kill = admin.pipeline();
    for (const fields of clients) kill.client('KILL', 'ID', fields['id']!);
    await kill.exec();

    await Promise.all(logs.map((log) => log.until(isRedisUnavailable)));
    await Promise.all(logs.map((log) => log.until(isRedisBack)));
    await vi.waitFor(async () => expect(await subscribers(invoiceTopic(id))).toBe(1));

    expect(await stack.http(SEND, { id }, stack.auth(), a)).toEqual({
      data: { sendInvoiceByEinvoice: { __typename: 'SendInvoiceByEinvoiceSuccess' } },
    });
    await stack.sim.network.flush();
    expect(await codes(onB, 6)).toEqual([200, 201, 202, 203, 204, 205]);
    await settle();
    for (const log of logs) {
      expect(log.count(isRedisUnavailable)).toBe(1);
      expect(log.count(isRedisBack)).toBe(1);
    }
    expect(ioredisComplaints()).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
