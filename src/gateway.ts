import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { ExecutionArgs } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { resolveCaller } from './auth.js';
import type { GatewayConfig } from './config.js';
import { createContext, type GatewayContext, type GatewayServices } from './context.js';
import { maskError } from './graphql/errors.js';
import { limitRequestBody, useCorsOrigins, useCsrfPrevention, useGraphQLMultipart } from './http/index.js';
import { isQontoError } from './qonto/errors.js';
import { createLogger } from './observability/logger.js';
import { createYogaLogger } from './observability/yoga-logger.js';
import { describeOperation, GatewayMetrics } from './observability/metrics.js';
import { SingleFlight } from './lib/single-flight.js';
import { QontoTransport } from './qonto/transport.js';
import { createMemoryDeduplicator, createRedisDeduplicator } from './lifecycle/deduplicator.js';
import { LifecycleHub } from './lifecycle/hub.js';
import { createMemoryBus, createRedisBus } from './lifecycle/signal-bus.js';
import { createWebhookReceiver } from './lifecycle/webhook-receiver.js';
import { probeQonto } from './readiness.js';
import { schema } from './schema/index.js';

/** Where GraphQL (HTTP, SSE and graphql-ws) is served. */
export const GRAPHQL_PATH = '/graphql';
/** Where Qonto delivers webhooks. */
export const WEBHOOK_PATH = '/webhooks/qonto';
/** Largest JSON/GET GraphQL request body accepted. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;
/** Largest multipart (upload) request body accepted: 15 MB of files plus multipart overhead. */
export const MAX_MULTIPART_BODY_BYTES = 16 * 1024 * 1024;

/** Values merged into yoga's context by the node:http adapter. */
interface ServerContext {
  requestId: string;
  /** Filled by the access-log plugin so the request log names the operation. */
  access: { operationName?: string | undefined };
}

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
}

/** The transport-agnostic gateway: yoga plus routes, not yet listening. */
export interface GatewayApp {
  yoga: YogaServerInstance<ServerContext, GatewayContext>;
  services: GatewayServices;
  metrics: GatewayMetrics;
  /** The node:http listener serving every route of the HTTP surface. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Releases what the app owns (the transport it created). */
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

function accessLogPlugin(): Plugin<ServerContext> {
  return {
    onExecute: ({ args }) => {
      const access = (args.contextValue as Partial<ServerContext>).access;
      if (access) access.operationName = describeOperation(args.document, args.operationName).name;
    },
  };
}

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

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Builds the gateway without listening: yoga with the schema, GraphiQL (offline), GraphQL Armor
 * limits, masked errors, metrics and request logs, plus `/health`, `/readiness` and `/metrics`.
 * Tests drive it through `yoga.fetch`; {@link createGateway} puts it on a port.
 */
export function createGatewayApp(options: GatewayOptions): GatewayApp {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new GatewayMetrics();
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
      onUpstreamCall: metrics.recordUpstreamCall,
    });
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  const bus = config.redisUrl ? createRedisBus(config.redisUrl) : createMemoryBus();
  const deduplicator = redis ? createRedisDeduplicator(redis) : createMemoryDeduplicator();
  const lifecycle = new LifecycleHub({
    transport,
    bus,
    pollIntervalMs: config.lifecyclePollIntervalMs,
    maxPollsPerSecond: config.lifecycleMaxPollsPerSecond,
    logger,
  });
  const services: GatewayServices = { config, transport, logger, einvoiceSends: new SingleFlight(), lifecycle };
  metrics.observeLifecycle(() => lifecycle.stats());
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
    landingPage: false,
    batching: false,
    // handleRequest enforces the body limits (limitRequestBody); yoga's own limit would pipe
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
      useCorsOrigins(config.gateway.corsOrigins),
      useCsrfPrevention(),
      useGraphQLMultipart({ maxBodyBytes: MAX_MULTIPART_BODY_BYTES, maxFieldBytes: MAX_JSON_BODY_BYTES, logger }),
      maxTokensPlugin({ n: 2000 }),
      maxDepthPlugin({ n: 10, flattenFragments: true }),
      maxAliasesPlugin({ n: 15 }),
      maxDirectivesPlugin({ n: 50 }),
      costLimitPlugin({ maxCost: 20_000 }),
      blockFieldSuggestionsPlugin(),
      metrics.plugin(),
      accessLogPlugin(),
    ],
  });

  const readinessCheck = async () => {
    const qonto = await probeQonto({ baseUrl, config });
    if (!redis) return qonto;
    const redisOk = await redis.ping().then(
      (answer) => answer === 'PONG',
      () => false,
    );
    return { ok: qonto.ok && redisOk, checks: { ...qonto.checks, redis: { ok: redisOk } } };
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const headerId = req.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && /^[\w.:-]{1,128}$/.test(headerId) ? headerId : randomUUID();
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const route = url.pathname === GRAPHQL_PATH || url.pathname.startsWith(`${GRAPHQL_PATH}/`) ? GRAPHQL_PATH : url.pathname;
    const access: ServerContext['access'] = {};
    res.once('finish', () => {
      const knownRoute = [GRAPHQL_PATH, '/health', '/readiness', '/metrics', WEBHOOK_PATH].includes(route) ? route : 'other';
      metrics.recordHttpRequest(knownRoute, req.method ?? 'GET', res.statusCode);
      logger.info(
        {
          requestId,
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          durationMs: Math.round((performance.now() - started) * 100) / 100,
          ...(access.operationName ? { operationName: access.operationName } : {}),
        },
        'request',
      );
    });

    if (route === '/health') return sendJson(res, 200, { status: 'ok' });
    if (route === '/readiness') {
      void readinessCheck().then(
        (result) => sendJson(res, result.ok ? 200 : 503, result),
        () => sendJson(res, 503, { ok: false }),
      );
      return;
    }
    if (route === '/metrics') {
      void metrics.expose().then(({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      });
      return;
    }
    if (route === WEBHOOK_PATH) {
      void receiveWebhook(req, res).catch((error: unknown) => {
        logger.error({ err: error }, 'webhook handling failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      });
      return;
    }
    if (route !== GRAPHQL_PATH) return sendJson(res, 404, { error: 'not_found' });

    const admitted = limitRequestBody(req, res, { jsonBytes: MAX_JSON_BODY_BYTES, multipartBytes: MAX_MULTIPART_BODY_BYTES });
    if (admitted) void yoga.handle(admitted, res, { requestId, access });
  };

  return {
    yoga,
    services,
    metrics,
    handleRequest,
    close: async () => {
      lifecycle.close();
      await Promise.allSettled([bus.close(), deduplicator.close()]);
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

  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: MAX_JSON_BODY_BYTES });
  const wsServer = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const resolution = resolveCaller(presentedAuthorization({ connectionParams: params }), services.config.qonto.auth);
        if (!resolution.ok || resolution.caller === null) return false;
        if (services.config.qonto.auth.mode === 'static') return true;
        // Forwarded credentials: Qonto's documented key check is GET /v2/organization (401 = invalid).
        try {
          await services.transport.forAuthorization(resolution.caller.upstreamAuthorization).getOrganization();
        } catch (error) {
          if (isQontoError(error) && error.kind === 'http' && error.status === 401) return false;
        }
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams ?? {},
          requestId: randomUUID(),
          access: {},
        });
        const document = parse(payload.query);
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs & { rootValue: { execute: typeof execute; subscribe: typeof subscribe } } = {
          schema: envelopedSchema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: typeof args) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: typeof args) => unknown }).subscribe(args) as never,
    },
    wss,
  );

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
      services.lifecycle.close();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await wsServer.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
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
