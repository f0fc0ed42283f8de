import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
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
import { createServices, type Services, type ServicesOptions } from './app/services.js';
import { prepareShutdown } from './app/shutdown.js';
import { createContext, type GatewayContext, type GatewayServices } from './context.js';
import type { AuthFailureLimiter } from './edge/auth-failures.js';
import { authOutcomePlugin } from './edge/auth-outcome-plugin.js';
import { maskError } from './graphql/errors.js';
import { useCorsOrigins, useCsrfPrevention, useGraphQLMultipart } from './http/index.js';
import type { GatewayMetrics } from './observability/metrics.js';
import type { QontoHealth } from './observability/qonto-health.js';
import { createYogaLogger } from './observability/yoga-logger.js';
import type { Readiness } from './readiness.js';
import { schema } from './schema/index.js';

export { GRAPHQL_PATH, MAX_JSON_BODY_BYTES, MAX_MULTIPART_BODY_BYTES, WEBHOOK_PATH } from './app/routes.js';

/** Options of {@link createGatewayApp} and {@link createGateway}. */
export interface GatewayOptions extends ServicesOptions {
  /** GraphiQL defaults (simulator mode pre-fills demo credentials). */
  graphiql?: { headers?: Record<string, string>; defaultQuery?: string };
  /** How long shutdown waits for in-flight HTTP requests, default 10 000 ms. */
  shutdownGraceMs?: number;
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
  /** Marks the app draining, ends live subscriptions, then releases what it owns (the transport it created); once. */
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

/** {@link createGatewayApp}, keeping the services' handle for {@link createGateway}'s shutdown. */
function composeGatewayApp(options: GatewayOptions): { app: GatewayApp; built: Services } {
  const built = createServices(options);
  const { context: services, metrics, readiness, authFailures } = built;
  const { config, logger } = services;

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
    context: (initial) => createContext(services, presentedAuthorization(initial as unknown as Record<string, unknown>), initial.requestId),
    maskedErrors: { maskError: (error, message) => maskError(error, message) },
    logging: createYogaLogger(logger),
    plugins: [
      useGatewayRoutes({ readiness, metrics, receiveWebhook: built.receiveWebhook, logger }),
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

  const handleRequest = createRequestListener({
    yoga,
    metrics,
    logger,
    authFailures,
    trustedProxies: config.gateway.trustedProxies,
    receiveWebhook: built.receiveWebhook,
  });
  const app: GatewayApp = {
    yoga,
    services,
    metrics,
    readiness,
    qontoHealth: built.qontoHealth,
    authFailures,
    handleRequest,
    close: built.close,
  };
  return { app, built };
}

/**
 * Builds the gateway without listening: the services (src/app/services.ts), then yoga with the
 * schema, GraphiQL (offline), GraphQL Armor limits, masked errors, metrics and request logs, and
 * the routes `/health`, `/readiness`, `/metrics` and the webhook receiver (src/app/routes.ts).
 * Tests drive it through `yoga.fetch`; {@link createGateway} puts it on a port.
 */
export function createGatewayApp(options: GatewayOptions): GatewayApp {
  return composeGatewayApp(options).app;
}

/**
 * Starts the gateway on `config.port`/`config.host`: HTTP and graphql-ws on one port and path,
 * WebSocket operations going through yoga's plugins (src/app/graphql-ws.ts). `close()` shuts down
 * in order (src/app/shutdown.ts): readiness 503 and live subscriptions completed, stop accepting,
 * close WebSockets (1001), let in-flight requests finish within the grace period, close the
 * remaining sockets, close the services.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { app, built } = composeGatewayApp(options);
  const { config, logger } = app.services;
  const server = createServer(app.handleRequest);
  const graphqlWs = attachGraphqlWs({
    server,
    path: GRAPHQL_PATH,
    maxPayload: MAX_JSON_BODY_BYTES,
    yoga: app.yoga,
    hooks: gatewayGraphqlWsHooks(app.services, app.authFailures),
    maxSubscriptionsPerSocket: config.gateway.maxSubscriptionsPerSocket,
    logger,
  });
  const close = prepareShutdown({ server, graphqlWs, services: built, graceMs: options.shutdownGraceMs ?? 10_000 });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return { ...app, server, url, port: address.port, close };
}
