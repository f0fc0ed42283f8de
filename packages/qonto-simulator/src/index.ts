import { type FaultController, FaultState } from './faults.js';
import { IdempotencyCache } from './idempotency.js';
import { generateWebhookSecret } from './ids.js';
import { EinvoicingNetwork } from './network.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { createApiRouter } from './routes/index.js';
import { seedStore } from './seed.js';
import { SimulatorServer, type SimulatorRequestRecord } from './server.js';
import { SimulatorStore } from './store.js';
import { TimerRegistry } from './timers.js';
import type { OutboxEntry } from './types.js';
import { type SimulatorLogger, type WebhookDelivery, WebhookDispatcher } from './webhooks.js';

export type { Faults, FaultController, FaultsInput, WebhookFaults } from './faults.js';
export { SEED, seedStore } from './seed.js';
export { SimulatorStore, UnknownResourceError, type LifecycleEventInput, type ResourceChange } from './store.js';
export type { SimulatorRequestRecord } from './server.js';
export type { WebhookDelivery, SimulatorLogger } from './webhooks.js';
export type {
  ClientRecord,
  ClientlessImportPolicy,
  EinvoicingOutcome,
  EinvoicingSettingsRecord,
  InvoiceRecord,
  OrganizationRecord,
  OutboxEntry,
} from './types.js';
export { embeddedClient } from './representation.js';
export { deriveEinvoicingStatus, OUTCOME_SEQUENCES, DEFAULT_OUTCOME_REASONS } from './lifecycle.js';
export { generateWebhookSecret } from './ids.js';
export { SIGNATURE_HEADER, signatureHeader, webhookSignature } from './signature.js';
export { CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE } from './wire.js';
export type * from './wire.js';

/** Options of {@link createSimulator}. */
export interface SimulatorOptions {
  /** Port to listen on; default 0 (a free port). */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** E-invoicing network pace between lifecycle events; default 2000; 0 = all events at once (docs/qonto-facts.md#simulator-e-invoicing-network). */
  stepIntervalMs?: number;
  /** True: events after 200 only advance through `network.advance()` / `network.flush()`. */
  manualClock?: boolean;
  /**
   * When set, every seeded organisation gets one webhook subscription to this URL with types
   * `['v1/client-invoices', 'v1/clients']`.
   */
  webhookUrl?: string;
  /** Secret of those subscriptions; when omitted, `whsec_` + 32 base62 characters (docs/qonto-facts.md#simulator-webhooks). */
  webhookSecret?: string;
  /** Delays between webhook retries; default `[1000, 2000, 4000, 8000, 16000]` (docs/qonto-facts.md#simulator-webhooks). */
  webhookRetryDelaysMs?: number[];
  /** Webhook delivery timeout; default 1000 ms. */
  webhookTimeoutMs?: number;
  /** Rate-limit thresholds; defaults 1000 / 10 s, 10000 / 10 min, 200 401s / hour (docs/qonto-facts.md#simulator-rate-limits). */
  rateLimit?: RateLimitOptions;
  /** Idempotency key lifetime; default 30 min (docs/qonto-facts.md#simulator-idempotency). */
  idempotencyTtlMs?: number;
  /** Clock for timestamps, paid_at checks, rate limits and idempotency expiry; default real time. */
  now?: () => Date;
  /** Optional logger; silent by default. */
  logger?: SimulatorLogger;
}

/** Working demo credentials of one seeded organisation. */
export interface DemoCredentials {
  organizationId: string;
  slug: string;
  legalName: string;
  /** `Authorization` value of the API key form: `<login>:<secret>`. */
  apiKey: string;
  /** Send as `Authorization: Bearer <bearerToken>`. */
  bearerToken: string;
  iban: string;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL without `/v2`, e.g. `http://127.0.0.1:54321`. */
  url: string;
  port: number;
  /** `[0]` = the demo organisation (rich seed), `[1]` = the isolation organisation. */
  credentials: DemoCredentials[];
  /** Secret of the pre-registered webhook subscriptions. */
  webhookSecret: string;
  /** Every `/v2` request in arrival order. */
  requests: SimulatorRequestRecord[];
  /** Empties {@link Simulator.requests}. */
  resetRequests(): void;
  network: {
    /** Appends the next due event of every running progression; returns how many were appended. */
    advance(): Promise<number>;
    /** Runs every running progression to its end; returns how many events were appended. */
    flush(): Promise<number>;
    /** Progressions still running. */
    running(): number;
  };
  faults: FaultController;
  /** Messages recorded by the email send (docs/qonto-facts.md#simulator-send-by-email). */
  outbox: OutboxEntry[];
  webhooks: {
    /** Every delivery attempt in completion order. */
    deliveries: WebhookDelivery[];
    /** Resolves when no delivery is pending (queued, held, delayed, in flight or awaiting a retry). */
    idle(): Promise<void>;
    /** Called after every recorded attempt; returns an unsubscribe function. */
    onDelivered(listener: (delivery: WebhookDelivery) => void): () => void;
  };
  /** Direct access to the state (test helpers: reachability, settings, lifecycle events…). */
  store: SimulatorStore;
  /** Stops the server, cancels timers and retries, closes every socket. */
  close(): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000];

/** Starts a seeded Qonto simulator (docs/qonto-facts.md#simulator-decisions) on a real port. */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.now ?? (() => new Date());
  const millis = () => clock().getTime();
  const store = new SimulatorStore(clock);
  seedStore(store);
  const timers = new TimerRegistry();
  const faults = new FaultState();
  const network = new EinvoicingNetwork({
    store,
    timers,
    stepIntervalMs: options.stepIntervalMs ?? 2000,
    manualClock: options.manualClock ?? false,
  });
  const dispatcher = new WebhookDispatcher({
    store,
    faults,
    timers,
    retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    timeoutMs: options.webhookTimeoutMs ?? 1000,
    logger: options.logger,
  });
  store.onChange((change) => dispatcher.handleChange(change));

  const webhookSecret = options.webhookSecret ?? generateWebhookSecret();
  if (options.webhookUrl) store.subscribeEveryOrganization(options.webhookUrl, webhookSecret, 'Pre-registered by the simulator');

  const requests: SimulatorRequestRecord[] = [];
  const server = new SimulatorServer({
    services: { store, network },
    router: createApiRouter(),
    faults,
    rateLimiter: new RateLimiter(options.rateLimit, millis),
    idempotency: new IdempotencyCache(options.idempotencyTtlMs ?? 30 * 60_000, millis),
    timers,
    requests,
    logger: options.logger,
  });
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(options.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${port}`;
  store.baseUrl = url;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    credentials: store.listOrganizations().map((org) => ({
      organizationId: org.id,
      slug: org.slug,
      legalName: org.legal_name,
      apiKey: org.api_key,
      bearerToken: org.bearer_token,
      iban: org.bank_accounts[0]?.iban ?? '',
    })),
    webhookSecret,
    requests,
    resetRequests: () => {
      requests.length = 0;
    },
    network: {
      advance: async () => network.advance(),
      flush: async () => network.flush(),
      running: () => network.running(),
    },
    faults,
    outbox: store.outbox,
    webhooks: {
      deliveries: dispatcher.deliveries,
      idle: () => dispatcher.idle(),
      onDelivered: (listener) => dispatcher.onDelivered(listener),
    },
    store,
    close: () => {
      closing ??= (async () => {
        network.close();
        dispatcher.close();
        timers.close();
        await server.close();
      })();
      return closing;
    },
  };
}
