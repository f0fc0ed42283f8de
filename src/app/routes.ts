import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin, YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import type { AuthFailureLimiter } from '../edge/auth-failures.js';
import type { AuthAttemptContext } from '../edge/auth-outcome-plugin.js';
import { admitHttpRequest } from '../edge/http-auth-guard.js';
import { limitRequestBody } from '../http/body-limit.js';
import { sendJson } from '../http/json-reply.js';
import { fetchDelivery, nodeDelivery, type WebhookReceiver, type WebhookReply } from '../lifecycle/webhook-receiver.js';
import { describeOperation, type GatewayMetrics } from '../observability/metrics.js';
import type { Readiness } from '../readiness.js';

import { GRAPHQL_PATH, HEALTH_PATH, METRICS_PATH, READINESS_PATH, WEBHOOK_PATH } from './paths.js';

export { GRAPHQL_PATH, HEALTH_PATH, METRICS_PATH, READINESS_PATH, WEBHOOK_PATH };
/** Largest JSON/GET GraphQL request body accepted. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;
/** Largest multipart (upload) request body accepted: 15 MB of files plus multipart overhead. */
export const MAX_MULTIPART_BODY_BYTES = 16 * 1024 * 1024;

/** Every path the gateway serves, the label set of `http_requests_total` (anything else is `other`). */
const KNOWN_ROUTES: readonly string[] = [GRAPHQL_PATH, HEALTH_PATH, READINESS_PATH, METRICS_PATH, WEBHOOK_PATH];

/** The route of a URL path: GraphQL's for the GraphQL path and anything under it, the path itself otherwise. */
function routeOf(pathname: string): string {
  return pathname === GRAPHQL_PATH || pathname.startsWith(`${GRAPHQL_PATH}/`) ? GRAPHQL_PATH : pathname;
}

/** Values merged into yoga's context by the node:http listener. */
export interface ServerContext extends AuthAttemptContext {
  requestId: string;
  /**
   * The route the listener chose (and applied the GraphQL path's limits by). {@link useGatewayRoutes}
   * follows it rather than parse the URL again, whose host part comes from the `Host` header.
   */
  route?: string;
  /** Filled by {@link useAccessLog} so the request log names the operation. */
  access: { operationName?: string | undefined };
}

/** Options of {@link createRequestListener}. */
export interface RequestListenerOptions {
  yoga: YogaServerInstance<ServerContext, GatewayContext>;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Failed authentications per client address (shared with graphql-ws). */
  authFailures: AuthFailureLimiter;
  /** Proxies in front of the gateway whose `X-Forwarded-For` entries are trusted. */
  trustedProxies: number;
  /** The webhook receiver, served here on {@link WEBHOOK_PATH} without going through yoga. */
  receiveWebhook: WebhookReceiver;
}

/**
 * The node:http listener in front of yoga. Every request gets an `x-request-id` (the caller's when
 * well-formed, a new UUID otherwise), a log line and an `http_requests_total` count when its
 * response finishes. A GraphQL request then passes the body limits ({@link MAX_JSON_BODY_BYTES},
 * {@link MAX_MULTIPART_BODY_BYTES}, chunked bodies counted as they stream: src/http/body-limit.ts)
 * and the per-address admission of failed authentications (src/edge/http-auth-guard.ts) before
 * yoga reads it. A webhook delivery goes to the receiver straight from node:http (with its own
 * body limit): through yoga, the Fetch request and response it would build cost about 35 µs of
 * CPU per delivery, a quarter of the receiver's throughput (`npm run bench -- webhooks`). Every
 * other request goes to yoga as it is, where {@link useGatewayRoutes} answers it.
 */
export function createRequestListener(options: RequestListenerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { yoga, metrics, logger, authFailures, trustedProxies, receiveWebhook } = options;
  const answer = (res: ServerResponse, reply: WebhookReply) => sendJson(res, reply.status, reply.body, reply.headers);
  return (req, res) => {
    const started = performance.now();
    const headerId = req.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && /^[\w.:-]{1,128}$/.test(headerId) ? headerId : randomUUID();
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const route = routeOf(url.pathname);
    const access: ServerContext['access'] = {};
    res.once('finish', () => {
      metrics.recordHttpRequest(KNOWN_ROUTES.includes(route) ? route : 'other', req.method ?? 'GET', res.statusCode);
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

    if (route === WEBHOOK_PATH) {
      void receiveWebhook(nodeDelivery(req)).then(
        (reply) => answer(res, reply),
        (error: unknown) => {
          logger.error({ err: error }, 'webhook handling failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        },
      );
      return;
    }
    if (route !== GRAPHQL_PATH) {
      void yoga.handle(req, res, { requestId, route, access });
      return;
    }
    const admitted = limitRequestBody(req, res, { jsonBytes: MAX_JSON_BODY_BYTES, multipartBytes: MAX_MULTIPART_BODY_BYTES });
    if (!admitted) return;
    void admitHttpRequest(authFailures, req, res, trustedProxies).then((auth) => {
      if (auth) void yoga.handle(admitted, res, { requestId, route, access, ...auth });
    });
  };
}

/** What the routes answer from. */
export interface RouteServices {
  readiness: Readiness;
  metrics: GatewayMetrics;
  receiveWebhook: WebhookReceiver;
  logger: Logger;
}

/**
 * The gateway's routes besides GraphQL, as a yoga plugin, so that `yoga.fetch` reaches them as a
 * port does: `/health`, `/readiness` (200, or 503 with the failing check), `/metrics`, the Qonto
 * webhook receiver on {@link WEBHOOK_PATH} (any method: it answers 405 itself; on a port the
 * listener answers it before yoga, see {@link createRequestListener}), and a JSON 404 for any
 * other path than GraphQL's. It must come first among the plugins: the ones after it (CORS, CSRF,
 * uploads) concern GraphQL only. Create yoga with `healthCheckEndpoint` set to a path no URL ends
 * with, or yoga's own health check answers `/health` first.
 */
export function useGatewayRoutes(services: RouteServices): Plugin {
  const { readiness, metrics, receiveWebhook, logger } = services;
  return {
    onRequest({ serverContext, url, fetchAPI, request, endResponse }) {
      const route = (serverContext as Partial<ServerContext>).route ?? routeOf(url.pathname);
      if (route === GRAPHQL_PATH) return;
      if (route === HEALTH_PATH) return endResponse(json(fetchAPI, 200, { status: 'ok' }));
      if (route === READINESS_PATH) {
        return readiness.check().then(
          (result) => endResponse(json(fetchAPI, result.ok ? 200 : 503, result)),
          () => endResponse(json(fetchAPI, 503, { ok: false })),
        );
      }
      if (route === METRICS_PATH) {
        return metrics
          .expose()
          .then(({ contentType, body }) =>
            endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': contentType } })),
          );
      }
      if (route === WEBHOOK_PATH) {
        return receiveWebhook(fetchDelivery(request)).then(
          (reply) => endResponse(json(fetchAPI, reply.status, reply.body, reply.headers)),
          (error: unknown) => {
            logger.error({ err: error }, 'webhook handling failed');
            endResponse(json(fetchAPI, 500, { error: 'internal_error' }));
          },
        );
      }
      return endResponse(json(fetchAPI, 404, { error: 'not_found' }));
    },
  };
}

/** A yoga plugin naming each operation in its request's log line (see {@link createRequestListener}). */
export function useAccessLog(): Plugin<ServerContext> {
  return {
    onExecute: ({ args }) => {
      const access = (args.contextValue as Partial<ServerContext>).access;
      if (access) access.operationName = describeOperation(args.document, args.operationName).name;
    },
  };
}

type FetchAPI = { Response: typeof Response };

function json(fetchAPI: FetchAPI, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new fetchAPI.Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
