import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachmentFile } from './attachments.js';
import { ApiError, errorBody, notFound, serverErrorCode, unauthorized } from './errors.js';
import { BodyTooLargeError, type SimResponse, jsonResponse, parseJsonObject, readBody } from './http.js';
import type { FaultState, RequestFault } from './faults.js';
import type { IdempotencyCache } from './idempotency.js';
import { newTraceId } from './ids.js';
import { invoicePage } from './pages.js';
import type { RateLimiter } from './rate-limit.js';
import { MAX_BULK_BYTES } from './routes/imports.js';
import type { SimRouter, SimulatorServices } from './services.js';
import type { TimerRegistry } from './timers.js';
import type { SimulatorLogger } from './webhooks.js';

/** One `/v2` request as recorded for tests (arrival order; `status` 0 while unanswered). */
export interface SimulatorRequestRecord {
  method: string;
  /** Pathname only, e.g. `/v2/client_invoices/<id>`. */
  path: string;
  query: Record<string, string>;
  status: number;
  organizationId?: string;
  idempotencyKey?: string;
  /** Unix time in milliseconds at arrival. */
  at: number;
}

/** What the HTTP server needs. */
export interface SimulatorServerOptions {
  services: SimulatorServices;
  router: SimRouter;
  faults: FaultState;
  rateLimiter: RateLimiter;
  idempotency: IdempotencyCache;
  timers: TimerRegistry;
  requests: SimulatorRequestRecord[];
  logger?: SimulatorLogger;
}

const BODY_LIMIT = MAX_BULK_BYTES + 1024 * 1024;
const TRACE_HEADER = 'x-tyk-trace-id';

function errorResponse(error: unknown, traceId: string, logger?: SimulatorLogger): SimResponse {
  if (error instanceof ApiError) {
    const response = jsonResponse(error.status, errorBody(error.errors, traceId));
    return { ...response, headers: { ...response.headers, ...error.headers } };
  }
  logger?.warn(
    { err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) },
    'simulator handler failed',
  );
  return jsonResponse(500, errorBody([{ code: 'internal_server_error', detail: 'Unexpected simulator error.' }], traceId));
}

function faultResponse(fault: Exclude<RequestFault, { kind: 'hang' }>, traceId: string): SimResponse {
  if (fault.kind === 'rate-limit') {
    const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
    return errorResponse(
      new ApiError(429, [{ code: 'too_many_requests', detail: 'Too many requests (injected fault).' }], headers),
      traceId,
    );
  }
  return errorResponse(
    new ApiError(fault.status, [{ code: serverErrorCode(fault.status), detail: `Injected failure (${fault.status}).` }]),
    traceId,
  );
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The simulator's node:http server: `/v2` API pipeline plus the public invoice and upload pages. */
export class SimulatorServer {
  private readonly server: Server;
  private readonly hung = new Set<ServerResponse>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SimulatorServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        options.logger?.warn({ err: String(error) }, 'simulator request failed');
        if (!res.headersSent && !res.destroyed)
          this.write(
            res,
            jsonResponse(500, errorBody([{ code: 'internal_server_error', detail: 'Unexpected simulator error.' }], newTraceId())),
          );
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and closes every open one (keep-alive and hung requests included). */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      for (const res of this.hung) res.destroy();
      this.hung.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    if (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) {
      await this.handleApi(req, res, url);
      return;
    }
    req.resume();
    this.write(res, this.publicResponse(req, url));
  }

  private publicResponse(req: IncomingMessage, url: URL): SimResponse {
    const { store } = this.options.services;
    const traceId = newTraceId();
    const method = (req.method ?? 'GET').toUpperCase();
    const parts = url.pathname.split('/').filter(Boolean);
    if (method === 'GET' && parts.length === 2 && parts[0] === 'invoices') {
      const invoice = store.invoiceById(parts[1] ?? '');
      if (invoice?.file)
        return { status: 200, headers: { 'content-type': invoice.file.content_type, [TRACE_HEADER]: traceId }, body: invoice.file.bytes };
      if (invoice)
        return {
          status: 200,
          headers: { 'content-type': 'text/html; charset=utf-8', [TRACE_HEADER]: traceId },
          body: Buffer.from(invoicePage(invoice)),
        };
    }
    if (method === 'GET' && parts.length === 2 && parts[0] === 'attachments') {
      const invoice = store.invoiceByAttachmentIdAnywhere(parts[1] ?? '');
      const file = invoice ? attachmentFile(invoice) : undefined;
      if (file) return { status: 200, headers: { 'content-type': file.contentType, [TRACE_HEADER]: traceId }, body: file.bytes };
    }
    if (method === 'GET' && parts.length === 2 && parts[0] === 'uploads') {
      const upload = store.uploadById(parts[1] ?? '');
      if (upload) return { status: 200, headers: { 'content-type': upload.content_type, [TRACE_HEADER]: traceId }, body: upload.bytes };
    }
    if (method === 'GET' && (url.pathname === '/' || url.pathname === '/health')) {
      const response = jsonResponse(200, { name: 'qonto-simulator', status: 'ok', api: `${store.baseUrl}/v2` });
      return { ...response, headers: { ...response.headers, [TRACE_HEADER]: traceId } };
    }
    return this.withTrace(errorResponse(notFound(), traceId), traceId);
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { faults, rateLimiter, router, timers, services } = this.options;
    const traceId = newTraceId();
    const method = (req.method ?? 'GET').toUpperCase();
    const idempotencyKey = header(req, 'x-qonto-idempotency-key');
    const record: SimulatorRequestRecord = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: services.store.now().getTime(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
    this.options.requests.push(record);
    const address = req.socket.remoteAddress ?? 'unknown';

    let response: SimResponse;
    const wait = rateLimiter.check(address);
    if (wait !== null) {
      req.resume();
      response = errorResponse(
        new ApiError(429, [{ code: 'too_many_requests', detail: 'Rate limit exceeded; retry later.' }], { 'retry-after': String(wait) }),
        traceId,
      );
    } else {
      const match = router.match(method, url.pathname);
      const fault = faults.takeRequestFault(match?.key ?? `${method} ${url.pathname}`, `${method} ${url.pathname}`);
      if (fault?.kind === 'hang') {
        this.hang(req, res);
        return;
      }
      response = await this.answer(req, url, method, traceId, record, match, fault);
    }
    if (response.status !== 429) rateLimiter.record(address, response.status);
    const latency = faults.latencyMs();
    if (latency > 0) await timers.sleep(latency);
    record.status = response.status;
    this.options.logger?.info({ method, path: url.pathname, status: response.status }, 'simulator request');
    this.write(res, this.withTrace(response, traceId));
  }

  private async answer(
    req: IncomingMessage,
    url: URL,
    method: string,
    traceId: string,
    record: SimulatorRequestRecord,
    match: ReturnType<SimRouter['match']>,
    fault: Exclude<RequestFault, { kind: 'hang' }> | undefined,
  ): Promise<SimResponse> {
    const { services, idempotency } = this.options;
    let body: Buffer;
    try {
      body = await readBody(req, BODY_LIMIT);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return errorResponse(
          new ApiError(422, [{ code: 'invalid', detail: 'The request body is too large.', source: { pointer: '/data' } }]),
          traceId,
        );
      }
      throw error;
    }
    if (fault) return faultResponse(fault, traceId);
    const authorization = header(req, 'authorization');
    const org = services.store.organizationForAuthorization(authorization);
    if (!org) return errorResponse(unauthorized(), traceId);
    record.organizationId = org.id;
    if (!match) return errorResponse(notFound(`No route for ${method} ${url.pathname}.`), traceId);
    let parsed: Record<string, unknown> | undefined;
    const run = async (): Promise<SimResponse> => {
      try {
        const response = await match.handler({
          org,
          params: match.params,
          query: url.searchParams,
          headers: req.headers,
          body,
          json: () => (parsed ??= parseJsonObject(body)),
          services,
        });
        return this.withTrace(response, traceId);
      } catch (error) {
        return this.withTrace(errorResponse(error, traceId, this.options.logger), traceId);
      }
    };
    const key = header(req, 'x-qonto-idempotency-key');
    if (method === 'POST' && key && authorization) return idempotency.run(authorization, key, run);
    return run();
  }

  private withTrace(response: SimResponse, traceId: string): SimResponse {
    if (response.headers[TRACE_HEADER]) return response;
    return { ...response, headers: { ...response.headers, [TRACE_HEADER]: traceId } };
  }

  private hang(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    this.hung.add(res);
    res.on('close', () => this.hung.delete(res));
  }

  private write(res: ServerResponse, response: SimResponse): void {
    if (res.destroyed || res.headersSent) return;
    const headers: Record<string, string> = { ...response.headers };
    if (response.body) headers['content-length'] = String(response.body.length);
    res.writeHead(response.status, headers);
    res.end(response.body);
  }
}
