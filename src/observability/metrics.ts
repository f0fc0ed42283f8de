import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { QontoTransportStats, UpstreamCallEvent } from '../qonto/transport.js';

const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The gateway's Prometheus metrics, in a registry of their own (one per gateway instance). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #operations: Counter<'operation' | 'type' | 'outcome'>;
  readonly #operationSeconds: Histogram<'operation' | 'type'>;
  readonly #httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly #upstreamCalls: Counter<'method' | 'route' | 'status'>;
  readonly #upstreamSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly #seenOperations = new Set<string>();
  readonly #webhooks: Counter<'outcome'>;
  readonly #localRefusals: Counter<'kind'>;
  readonly #cacheHits: Counter<'kind'>;
  readonly #cacheMisses: Counter<'kind'>;
  // Label children by label values: labels are hashed once per combination, not once per event.
  // The combinations are bounded (templated routes, fixed route names, statuses).
  readonly #upstreamChildren = new Map<string, { calls: Counter.Internal; seconds: Histogram.Internal<'method' | 'route' | 'status'> }>();
  readonly #httpChildren = new Map<string, Counter.Internal>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.#operations = new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations executed, by operation name, type and outcome (ok or error).',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.#operationSeconds = new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL operations (subscriptions: time to set up).',
      labelNames: ['operation', 'type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#upstreamCalls = new Counter({
      name: 'qonto_upstream_requests_total',
      help: 'Qonto REST attempts, by method, templated route and status (or network, timeout, invalid_response).',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#webhooks = new Counter({
      name: 'qonto_webhooks_total',
      help: 'Qonto webhook deliveries received, by outcome (accepted, duplicate, ignored, unauthorized, malformed, too_large).',
      labelNames: ['outcome'],
      registers,
    });
    this.#localRefusals = new Counter({
      name: 'qonto_local_refusals_total',
      help: 'Qonto calls the gateway refused without sending them, by kind (rate_limited, circuit_open, credential_refused, unauthorized_budget_exhausted, call_budget_exceeded).',
      labelNames: ['kind'],
      registers,
    });
    this.#cacheHits = new Counter({
      name: 'qonto_cache_hits_total',
      help: 'Qonto reads served from the read cache, by kind (invoice, client, settings, organization).',
      labelNames: ['kind'],
      registers,
    });
    this.#cacheMisses = new Counter({
      name: 'qonto_cache_misses_total',
      help: 'Qonto reads the read cache did not hold (or held too old), by kind (invoice, client, settings, organization).',
      labelNames: ['kind'],
      registers,
    });
    this.#upstreamSeconds = new Histogram({
      name: 'qonto_upstream_request_duration_seconds',
      help: 'Latency of Qonto REST attempts.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** Records one Qonto attempt (wired to the transport's `onUpstreamCall`). */
  recordUpstreamCall = (event: UpstreamCallEvent): void => {
    const status = String(event.status);
    const key = `${event.method} ${event.route} ${status}`;
    let children = this.#upstreamChildren.get(key);
    if (!children) {
      const labels = { method: event.method, route: event.route, status };
      children = { calls: this.#upstreamCalls.labels(labels), seconds: this.#upstreamSeconds.labels(labels) };
      this.#upstreamChildren.set(key, children);
    }
    children.calls.inc();
    children.seconds.observe(event.durationMs / 1000);
  };

  /**
   * Exposes the live-lifecycle state, read at scrape time: invoices watched, subscribers, and
   * reconciliation polls waiting for their turn (a growing backlog means the poll pace is the
   * limit: raise LIFECYCLE_MAX_POLLS_PER_SECOND if Qonto's rate limit allows).
   */
  observeLifecycle(stats: () => { watches: number; subscribers: number; pollsWaiting: number }): void {
    const gauges: Array<[name: string, help: string, pick: (now: ReturnType<typeof stats>) => number]> = [
      ['lifecycle_watched_invoices', 'Invoices watched for live lifecycle updates (one per invoice and credential).', (now) => now.watches],
      ['lifecycle_subscribers', 'Live lifecycle subscriptions.', (now) => now.subscribers],
      ['lifecycle_polls_waiting', 'Reconciliation polls due but held back by the poll pace.', (now) => now.pollsWaiting],
    ];
    for (const [name, help, pick] of gauges) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(stats()));
        },
      });
    }
  }

  /**
   * Exposes the guard of Qonto's shared quota, read at scrape time: requests in flight and waiting,
   * use of each rate window against its limit, the breaker state, and the 401 budget.
   */
  observeTransport(stats: () => QontoTransportStats): void {
    const registers = [this.registry];
    const gauges: Array<[name: string, help: string, pick: (now: QontoTransportStats) => number]> = [
      ['qonto_requests_in_flight', 'Qonto requests holding an upstream slot.', (now) => now.scheduler.active],
      ['qonto_requests_waiting', 'Qonto requests waiting for their turn (slot and rate window).', (now) => now.scheduler.queued],
      ['qonto_credentials_waiting', 'Credentials with at least one Qonto request waiting.', (now) => now.scheduler.waitingCredentials],
      [
        'qonto_circuit_open',
        'Circuit breaker: 0 closed, 1 open, 0.5 half-open (one trial call).',
        (now) => ({ closed: 0, open: 1, 'half-open': 0.5 })[now.breaker],
      ],
      [
        'qonto_unauthorized_last_hour',
        '401 answers from Qonto in the last hour (Qonto throttles the address past 200).',
        (now) => now.credentials.unauthorizedLastHour,
      ],
      [
        'qonto_unauthorized_budget_per_hour',
        'The 401 budget per hour (QONTO_401_BUDGET_PER_HOUR).',
        (now) => now.credentials.unauthorizedBudgetPerHour,
      ],
      ['qonto_refused_credentials', 'Credentials refused locally after Qonto answered 401.', (now) => now.credentials.refused],
      ['qonto_verified_credentials', 'Credentials Qonto accepted recently.', (now) => now.credentials.verified],
    ];
    for (const [name, help, pick] of gauges) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(pick(stats()));
        },
      });
    }
    new Gauge({
      name: 'qonto_rate_window_used',
      help: 'Qonto requests sent in the current rate window (window label: 10s or 10m).',
      labelNames: ['window'],
      registers,
      collect() {
        for (const window of stats().scheduler.windows) this.set({ window: windowLabel(window.durationMs) }, window.used);
      },
    });
    new Gauge({
      name: 'qonto_rate_window_limit',
      help: 'Qonto requests this process may send per rate window (QONTO_RATE_LIMIT per 10s, ten times that per 10m).',
      labelNames: ['window'],
      registers,
      collect() {
        for (const window of stats().scheduler.windows) this.set({ window: windowLabel(window.durationMs) }, window.limit);
      },
    });
  }

  /** Records one Qonto call refused locally (wired to the transport's `onLocalRefusal`). */
  recordLocalRefusal = (kind: string): void => {
    this.#localRefusals.inc({ kind });
  };

  /** Records one lookup of the read cache (wired to its `onLookup`). */
  recordCacheLookup = (kind: string, hit: boolean): void => {
    (hit ? this.#cacheHits : this.#cacheMisses).inc({ kind });
  };

  /** Exposes `qonto_cache_entries`, read at scrape time. */
  observeCache(entries: () => number): void {
    new Gauge({
      name: 'qonto_cache_entries',
      help: 'Qonto reads held in the read cache (QONTO_CACHE_TTL_MS).',
      registers: [this.registry],
      collect() {
        this.set(entries());
      },
    });
  }

  /** Records how a webhook delivery ended. */
  recordWebhook = (outcome: string): void => {
    this.#webhooks.inc({ outcome });
  };

  /** Records one HTTP request on a fixed route name. */
  recordHttpRequest(route: string, method: string, status: number): void {
    const key = `${route} ${method} ${status}`;
    let child = this.#httpChildren.get(key);
    if (!child) {
      child = this.#httpRequests.labels({ route, method, status: String(status) });
      this.#httpChildren.set(key, child);
    }
    child.inc();
  }

  /** Bounded label for a client-chosen operation name (protects Prometheus from cardinality blow-ups). */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (this.#seenOperations.has(name)) return name;
    if (this.#seenOperations.size >= MAX_OPERATION_NAMES) return 'other';
    this.#seenOperations.add(name);
    return name;
  }

  /** A yoga/envelop plugin recording operation counts and durations. */
  plugin(): Plugin {
    const record = (document: DocumentNode, name: string | null | undefined, started: number, ok: boolean) => {
      const { name: resolvedName, type } = describeOperation(document, name);
      const operation = this.operationLabel(resolvedName);
      this.#operations.inc({ operation, type, outcome: ok ? 'ok' : 'error' });
      this.#operationSeconds.observe({ operation, type }, (performance.now() - started) / 1000);
    };
    return {
      onExecute: ({ args }) => {
        const started = performance.now();
        return {
          onExecuteDone: ({ result }) => {
            const ok = !('errors' in result && result.errors && result.errors.length > 0);
            record(args.document, args.operationName, started, ok);
          },
        };
      },
      onSubscribe: ({ args }) => {
        const started = performance.now();
        return {
          onSubscribeResult: ({ result }) => {
            const ok = !('errors' in result && result.errors && result.errors.length > 0);
            record(args.document, args.operationName, started, ok);
          },
        };
      },
    };
  }

  /** The Prometheus text exposition of every metric. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The name (given, else declared in the document) and type of the operation that runs. */
export function describeOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): { name: string | undefined; type: string } {
  const ast = getOperationAST(document, operationName);
  return { name: operationName ?? ast?.name?.value, type: ast?.operation ?? 'unknown' };
}

/** `10s`, `10m`: a rate window's duration as a metric label. */
function windowLabel(durationMs: number): string {
  return durationMs % 60_000 === 0 ? `${durationMs / 60_000}m` : `${durationMs / 1000}s`;
}
