import { createClient, type Client } from 'graphql-ws';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { registerGatewayWebhooks } from '../../src/demo.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, generateWebhookSecret, type Simulator, type SimulatorOptions } from 'qonto-simulator';

/** A simulator and gateway(s) on real ports, the simulator's webhooks aimed at the first gateway. */
export interface LiveStack {
  sim: Simulator;
  gateways: Gateway[];
  secret: string;
  /** Bearer `Authorization` of organisation 0 or 1. */
  auth(org?: 0 | 1): string;
  /** A graphql-ws client on a gateway (default the first). */
  ws(authorization: string | null, gateway?: Gateway): Client;
  /** A GraphQL POST over HTTP. */
  http<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    authorization?: string,
    gateway?: Gateway,
  ): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
  close(): Promise<void>;
}

/** Starts the stack; `env` configures every gateway; `logger` gives gateway `i` its logger (default silent). */
export async function startLiveStack(
  options: { env?: NodeJS.ProcessEnv; simulator?: SimulatorOptions; gateways?: number; logger?: (index: number) => Logger } = {},
): Promise<LiveStack> {
  const sim = await createSimulator({ manualClock: true, ...options.simulator });
  const secret = generateWebhookSecret();
  const gateways: Gateway[] = [];
  for (let i = 0; i < (options.gateways ?? 1); i++) {
    const config = {
      ...loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', QONTO_MAX_RETRIES: '1', ...options.env }),
      webhookSecrets: [secret],
    };
    const logger = options.logger?.(i) ?? createLogger('silent');
    gateways.push(await createGateway({ config, qontoBaseUrl: sim.url, logger, shutdownGraceMs: 1000 }));
  }
  await registerGatewayWebhooks({
    qontoBaseUrl: sim.url,
    gatewayUrl: gateways[0]!.url,
    authorizations: sim.credentials.map((organisation) => `Bearer ${organisation.bearerToken}`),
    secret,
  });
  const clients: Client[] = [];
  return {
    sim,
    gateways,
    secret,
    auth: (org = 0) => `Bearer ${sim.credentials[org]!.bearerToken}`,
    ws(authorization, gateway = gateways[0]!) {
      const client = createClient({
        url: `${gateway.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: authorization ? { authorization } : {},
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async http(query, variables, authorization, gateway = gateways[0]!) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: authorization ?? `Bearer ${sim.credentials[0]!.bearerToken}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as never;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      for (const gateway of gateways) await gateway.close();
      await sim.close();
    },
  };
}

/** A subscription as a pull queue: `next()` resolves with the next message or rejects on error. */
export interface SubscriptionQueue<T> {
  next(): Promise<T>;
  /** Resolves when the server completed the subscription. */
  completed: Promise<void>;
  unsubscribe(): void;
}

/** Subscribes with graphql-ws and queues what arrives; each `next()` fails after `timeoutMs`. */
export function subscribe<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs = 10_000,
): SubscriptionQueue<T> {
  const buffered: Array<{ value?: T; error?: unknown }> = [];
  const waiting: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  let markCompleted!: () => void;
  const completed = new Promise<void>((resolve) => (markCompleted = resolve));
  const push = (item: { value?: T; error?: unknown }) => {
    const waiter = waiting.shift();
    if (!waiter) return void buffered.push(item);
    if ('error' in item) waiter.reject(item.error);
    else waiter.resolve(item.value as T);
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (message) => (message.errors ? push({ error: message.errors }) : push({ value: message.data as T })),
      error: (error) => push({ error }),
      complete: () => markCompleted(),
    },
  );
  return {
    completed,
    unsubscribe,
    next() {
      const item = buffered.shift();
      if (item) return 'error' in item ? Promise.reject(item.error) : Promise.resolve(item.value as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no subscription message within ${timeoutMs} ms`)), timeoutMs);
        waiting.push({
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
  };
}

/** The lifecycle subscription every test uses. */
export const LIFECYCLE = `subscription ($id: ID!, $after: String) {
  clientInvoiceLifecycle(id: $id, after: $after) { event { statusCode status label cursor occurredAt } invoice { id einvoicingStatus } }
}`;

/** The shape of one lifecycle message. */
export interface LifecycleMessage {
  clientInvoiceLifecycle: {
    event: { statusCode: number; status: string; label: string; cursor: string; occurredAt: string | null };
    invoice: { id: string; einvoicingStatus: string | null };
  };
}
