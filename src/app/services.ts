import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { GatewayServices } from '../context.js';
import { AuthFailureLimiter, presentedCredentialVerifier, type VerifiedCredentials } from '../edge/auth-failures.js';
import { SingleFlight } from '../lib/single-flight.js';
import { createMemoryDeduplicator, createRedisDeduplicator } from '../lifecycle/deduplicator.js';
import { LifecycleHub } from '../lifecycle/hub.js';
import { RedisConnections } from '../lifecycle/redis-connections.js';
import { createMemoryBus, createRedisBus } from '../lifecycle/signal-bus.js';
import { createWebhookReceiver, type WebhookReceiver } from '../lifecycle/webhook-receiver.js';
import { QontoReadCache } from '../cache/read-cache.js';
import { createLogger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { QontoHealth, startQontoProbe } from '../observability/qonto-health.js';
import { QontoTransport } from '../qonto/transport.js';
import { Readiness } from '../readiness.js';

/** Options of {@link createServices}. */
export interface ServicesOptions {
  config: GatewayConfig;
  /** Qonto base URL to use (the simulator's in simulator mode); default `config.qonto.apiUrl`. */
  qontoBaseUrl?: string;
  logger?: Logger;
  /** Injected transport (tests); created from the config otherwise and closed with the services. */
  transport?: QontoTransport;
  /** Credentials Qonto already accepted: never refused by the per-address limiter. Default: none. */
  verifiedCredentials?: VerifiedCredentials;
  /** Static auth mode: time between probes of Qonto with the gateway's own credentials, default 30 000 ms. */
  qontoProbeIntervalMs?: number;
}

/** The process-wide services of one gateway, built once from the config. */
export interface Services {
  /** What every operation's context carries as `ctx.services`: config, transport, logger, sends in flight, lifecycle hub. */
  context: GatewayServices;
  metrics: GatewayMetrics;
  /** `/readiness`: config, Redis when configured, draining. */
  readiness: Readiness;
  /** Qonto's health (`qonto_up`), learned from traffic and, in static auth mode, a periodic probe. */
  qontoHealth: QontoHealth;
  /** Failed authentications per client address, shared by HTTP and graphql-ws. */
  authFailures: AuthFailureLimiter;
  /** `POST /webhooks/qonto`: verified, first-seen deliveries become signals to the lifecycle hub. */
  receiveWebhook: WebhookReceiver;
  /**
   * First step of shutdown, once: readiness answers 503 from now on, the Qonto probe stops and every
   * live subscription completes (SSE responses end, graphql-ws sends `complete`).
   */
  drain(): void;
  /** Drains when not yet done, then releases the bus, the de-duplicator, Redis and the transport it created; once. */
  close(): Promise<void>;
}

/**
 * Builds the services from the config: the Qonto transport (feeding the upstream metrics and
 * `qonto_up`), Redis connections when `REDIS_URL` is set (degrading to in-process behaviour while
 * unreachable), the signal bus and webhook de-duplicator over them (in memory without Redis), the
 * lifecycle hub, the webhook receiver, readiness, the per-address limiter of failed
 * authentications and, in static auth mode, the Qonto probe.
 */
export function createServices(options: ServicesOptions): Services {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new GatewayMetrics();
  const qontoHealth = new QontoHealth(metrics.registry);
  const baseUrl = options.qontoBaseUrl ?? config.qonto.apiUrl;
  if (!baseUrl) throw new Error('createGatewayApp needs a Qonto base URL (QONTO_API_URL or the simulator URL)');
  const ownsTransport = !options.transport;
  const transport =
    options.transport ??
    new QontoTransport({
      baseUrl,
      environment: config.qonto.environment,
      stagingToken: config.qonto.stagingToken,
      timeoutMs: config.qonto.timeoutMs,
      maxInFlight: config.qonto.maxInFlight,
      maxRetries: config.qonto.maxRetries,
      callDeadlineMs: config.qonto.callDeadlineMs,
      rateLimit: config.qonto.rateLimit,
      credentialSharePercent: config.qonto.credentialSharePercent,
      maxQueueWaitMs: config.qonto.maxQueueWaitMs,
      maxResponseBytes: config.qonto.maxResponseBytes,
      breakerFailures: config.qonto.breakerFailures,
      breakerOpenMs: config.qonto.breakerOpenMs,
      unauthorizedBudgetPerHour: config.qonto.unauthorizedBudgetPerHour,
      refusedCredentialTtlMs: config.qonto.refusedCredentialTtlMs,
      onUpstreamCall: (event) => {
        metrics.recordUpstreamCall(event);
        qontoHealth.recordUpstreamCall(event);
      },
      onLocalRefusal: metrics.recordLocalRefusal,
    });
  // Redis degrades to in-process behaviour while unreachable; redisConnections.healthy() and
  // onChange() expose its state (as does bus.healthy(), true without Redis).
  const redisConnections = config.redisUrl ? new RedisConnections(config.redisUrl, { logger }) : undefined;
  const redis = redisConnections?.client('commands');
  const bus = redisConnections ? createRedisBus(redisConnections, { logger }) : createMemoryBus();
  const deduplicator = redis ? createRedisDeduplicator(redis, { logger }) : createMemoryDeduplicator();
  const lifecycle = new LifecycleHub({
    transport,
    bus,
    pollIntervalMs: config.lifecyclePollIntervalMs,
    maxPollsPerSecond: config.lifecycleMaxPollsPerSecond,
    logger,
  });
  const readCache =
    config.qonto.cacheTtlMs > 0
      ? new QontoReadCache({
          ttlMs: config.qonto.cacheTtlMs,
          inProgressTtlMs: config.lifecyclePollIntervalMs,
          bus,
          onLookup: metrics.recordCacheLookup,
        })
      : undefined;
  const context: GatewayServices = { config, transport, logger, einvoiceSends: new SingleFlight(), lifecycle, readCache };
  if (readCache) {
    metrics.observeCache(() => readCache.size);
    // Signals from other replicas may have been lost around a Redis outage: start over.
    redisConnections?.onChange(() => readCache.clear());
  }
  metrics.observeLifecycle(() => lifecycle.stats());
  metrics.observeTransport(() => transport.stats());
  const readiness = new Readiness({ redis });
  const authFailures = new AuthFailureLimiter({
    failuresPerWindow: config.gateway.authFailuresPerAddress,
    isVerified: presentedCredentialVerifier(() => context.config.qonto.auth, options.verifiedCredentials ?? transport.credentials),
  });
  const staticAuthorization = config.qonto.auth.mode === 'static' ? config.qonto.auth.authorization : undefined;
  const qontoProbe = staticAuthorization
    ? startQontoProbe({
        health: qontoHealth,
        call: () => transport.forAuthorization(staticAuthorization).getOrganization(),
        intervalMs: options.qontoProbeIntervalMs,
        logger,
      })
    : undefined;
  const receiveWebhook = createWebhookReceiver({
    secrets: () => context.config.webhookSecrets,
    deduplicator,
    signals: lifecycle,
    logger,
    onOutcome: metrics.recordWebhook,
  });

  let drained = false;
  const drain = (): void => {
    if (drained) return;
    drained = true;
    readiness.startDraining();
    qontoProbe?.stop();
    lifecycle.close();
  };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      drain();
      readCache?.close();
      await Promise.allSettled([bus.close(), deduplicator.close()]);
      await redisConnections?.close();
      if (ownsTransport) await transport.close();
    })();
    return closing;
  };

  return { context, metrics, readiness, qontoHealth, authFailures, receiveWebhook, drain, close };
}
