import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { createContext, type GatewayContext, type GatewayServices } from './context.js';
import { AuthFailureLimiter, presentedCredentialVerifier, type VerifiedCredentials } from './edge/auth-failures.js';
import { authOutcomePlugin } from './edge/auth-outcome-plugin.js';
import { maskError } from './graphql/errors.js';
import { attachGraphqlWs, gatewayGraphqlWsHooks } from './app/graphql-ws.js';
import {
  createRequestListener,
  GRAPHQL_PATH,
  MAX_JSON_BODY_BYTES,
  MAX_MULTIPART_BODY_BYTES,
  useAccessLog,
  useGatewayRoutes,
  type ServerContext,
} from './app/routes.js';
import { useCorsOrigins, useCsrfPrevention, useGraphQLMultipart } from './http/index.js';
import { createLogger } from './observability/logger.js';
import { createYogaLogger } from './observability/yoga-logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { QontoHealth, startQontoProbe } from './observability/qonto-health.js';
import { SingleFlight } from './lib/single-flight.js';
import { QontoTransport } from './qonto/transport.js';
import { createMemoryDeduplicator, createRedisDeduplicator } from './lifecycle/deduplicator.js';
import { LifecycleHub } from './lifecycle/hub.js';
import { RedisConnections } from './lifecycle/redis-connections.js';
import { createMemoryBus, createRedisBus } from './lifecycle/signal-bus.js';
import { createWebhookReceiver } from './lifecycle/webhook-receiver.js';
import { Readiness } from './readiness.js';
import { schema } from './schema/index.js';

export { GRAPHQL_PATH, MAX_JSON_BODY_BYTES, MAX_MULTIPART_BODY_BYTES, WEBHOOK_PATH } from './app/routes.js';

/** Options of {@link createGatewayApp} and {@link createGateway}. */
export interface GatewayOptions {
  config: GatewayConfig;
  /** Qonto base URL to use (the simulator's in simulator mode); default `config.qonto.apiUrl`. */
  qontoBaseUrl?: string;
  logger?: Logger;
  /** Injected transport (tests); created from the config otherwise and closed with the gateway. */
  transport?: QontoTransport;
  /** GraphiQL defaults (simulator mode pre-fills demo credentials). */
  graphiql?: { headers?: Record<string, string>; defaultQuery?: string };
  /** How long shutdown waits for in-flight HTTP requests, default 10 000 ms. */
  shutdownGraceMs?: number;
  /** Credentials Qonto already accepted: never refused by the per-address limiter. Default: none. */
  verifiedCredentials?: VerifiedCredentials;
  /** Static auth mode: time between probes of Qonto with the gateway's own credentials, default 30 000 ms. */
  qontoProbeIntervalMs?: number;
}

/** The transport-agnostic gateway: yoga plus routes, not yet listening. */
export interface GatewayApp {
  /** Every route: GraphQL, `/health`, `/readiness`, `/metrics` and the webhook receiver (`yoga.fetch` reaches them all). */
  yoga: YogaServerInstance<ServerContext, GatewayContext>;
  services: GatewayServices;
  metrics: GatewayMetrics;
  /** `/readiness`: config, Redis when configured, draining. */
  readiness: Readiness;
  /** Qonto's health (`qonto_up`), learned from traffic and, in static auth mode, a periodic probe. */
  qontoHealth: QontoHealth;
  /** Failed authentications per client address, shared by HTTP and graphql-ws. */
  authFailures: AuthFailureLimiter;
  /** The node:http listener: request id and log, GraphQL's body limits and auth admission, then yoga. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Marks the app draining, then releases what it owns (the transport it created). */
  close(): Promise<void>;
}

/** A listening gateway. */
export interface Gateway extends GatewayApp {
  server: Server;
  /** `http://host:port` */
  url: string;
  port: number;
}

/**
 * yoga's built-in health check answers every URL ending in its endpoint before any plugin of ours
 * runs, and cannot be turned off; no request URL ends in a NUL, so it never answers (routes.ts
 * serves `/health`).
 */
const YOGA_HEALTH_CHECK_OFF = '\u0000';

/**
 * GraphiQL's options. With pre-filled credentials (simulator mode) subscriptions run over
 * graphql-ws, the credentials going in `connectionParams` as the gateway requires; without them
 * GraphiQL uses SSE, so whatever the user types in the headers editor authenticates subscriptions
 * too (GraphiQL cannot put edited headers into a WebSocket's `connectionParams`).
 */
function graphiqlOptions(defaults: GatewayOptions['graphiql']) {
  const authorization = defaults?.headers?.['Authorization'] ?? defaults?.headers?.['authorization'];
  return {
    title: 'Qonto e-invoicing gateway',
    shouldPersistHeaders: false,
    ...(authorization
      ? { subscriptionsProtocol: 'WS' as const, connectionParams: { authorization } }
      : { subscriptionsProtocol: 'SSE' as const }),
    ...(defaults?.headers ? { headers: JSON.stringify(defaults.headers, null, 2) } : {}),
    ...(defaults?.defaultQuery ? { defaultQuery: defaults.defaultQuery } : {}),
  };
}

/** The credential an operation presents: its HTTP `Authorization` header, or graphql-ws's `connectionParams.authorization`. */
function presentedAuthorization(initial: Record<string, unknown>): string | undefined {
  const request = initial['request'] as { headers?: { get(name: string): string | null } } | undefined;
  if (request?.headers) return request.headers.get('authorization') ?? undefined;
  const params = initial['connectionParams'];
  if (params && typeof params === 'object') {
    const record = params as Record<string, unknown>;
    const value = record['authorization'] ?? record['Authorization'];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * Builds the gateway without listening: yoga with the schema, GraphiQL (offline), GraphQL Armor
 * limits, masked errors, metrics and request logs, and the routes `/health`, `/readiness`,
 * `/metrics` and the webhook receiver (src/app/routes.ts). Tests drive it through `yoga.fetch`;
 * {@link createGateway} puts it on a port.
 */
export function createGatewayApp(options: GatewayOptions): GatewayApp {
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
  const services: GatewayServices = { config, transport, logger, einvoiceSends: new SingleFlight(), lifecycle };
  metrics.observeLifecycle(() => lifecycle.stats());
  metrics.observeTransport(() => transport.stats());
  const readiness = new Readiness({ redis });
  const authFailures = new AuthFailureLimiter({
    failuresPerWindow: config.gateway.authFailuresPerAddress,
    isVerified: presentedCredentialVerifier(() => services.config.qonto.auth, options.verifiedCredentials ?? transport.credentials),
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
    secrets: () => services.config.webhookSecrets,
    deduplicator,
    signals: lifecycle,
    logger,
    onOutcome: metrics.recordWebhook,
  });

  const yoga = createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: YOGA_HEALTH_CHECK_OFF,
    landingPage: false,
    batching: false,
    // handleRequest enforces the body limits (src/http/body-limit.ts); yoga's own limit would pipe
    // every body through one more TransformStream.
    maxRequestBodySize: false,
    cors: false, // useCorsOrigins
    multipart: false, // useGraphQLMultipart
    renderGraphiQL,
    graphiql: () => graphiqlOptions(options.graphiql),
    context: (initial) =>
      createContext(services, presentedAuthorization(initial as unknown as Record<string, unknown>), initial.requestId),
    maskedErrors: { maskError: (error, message) => maskError(error, message) },
    logging: createYogaLogger(logger),
    plugins: [
      useGatewayRoutes({ readiness, metrics, receiveWebhook, logger }),
      useCorsOrigins(config.gateway.corsOrigins, { path: GRAPHQL_PATH }),
      useCsrfPrevention(),
      useGraphQLMultipart({ maxBodyBytes: MAX_MULTIPART_BODY_BYTES, maxFieldBytes: MAX_JSON_BODY_BYTES, logger }),
      maxTokensPlugin({ n: 2000 }),
      maxDepthPlugin({ n: 10, flattenFragments: true }),
      maxAliasesPlugin({ n: 15 }),
      maxDirectivesPlugin({ n: 50 }),
      costLimitPlugin({ maxCost: 20_000 }),
      blockFieldSuggestionsPlugin(),
      metrics.plugin(),
      useAccessLog(),
      authOutcomePlugin(),
    ],
  });

  const handleRequest = createRequestListener({ yoga, metrics, logger, authFailures, trustedProxies: config.gateway.trustedProxies });

  return {
    yoga,
    services,
    metrics,
    readiness,
    qontoHealth,
    authFailures,
    handleRequest,
    close: async () => {
      readiness.startDraining();
      qontoProbe?.stop();
      lifecycle.close();
      await Promise.allSettled([bus.close(), deduplicator.close()]);
      await redisConnections?.close();
      if (ownsTransport) await transport.close();
    },
  };
}

/**
 * Starts the gateway on `config.port`/`config.host`: HTTP and graphql-ws on one port and path,
 * WebSocket operations going through yoga's plugins. `close()` shuts down in order: stop
 * accepting, close WebSockets (1001), let in-flight requests finish within the grace period,
 * close the remaining sockets.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const app = createGatewayApp(options);
  const { yoga, services } = app;
  const server = createServer(app.handleRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const graphqlWs = attachGraphqlWs({
    server,
    path: GRAPHQL_PATH,
    maxPayload: MAX_JSON_BODY_BYTES,
    yoga,
    hooks: gatewayGraphqlWsHooks(services, app.authFailures),
    maxSubscriptionsPerSocket: services.config.gateway.maxSubscriptionsPerSocket,
    logger: services.logger,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(services.config.port, services.config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = services.config.host === '0.0.0.0' || services.config.host === '::' ? '127.0.0.1' : services.config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      app.readiness.startDraining();
      services.lifecycle.close();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await graphqlWs.close();
      server.closeIdleConnections();
      const grace = options.shutdownGraceMs ?? 10_000;
      const timer = setTimeout(() => server.closeAllConnections(), grace);
      timer.unref();
      await stopped;
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await app.close();
    })();
    return closing;
  };

  return { ...app, server, url, port: address.port, close };
}
