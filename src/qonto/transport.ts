import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import { QontoClient } from './client.js';
import { QontoError, type QontoErrorInit } from './errors.js';
import { ConcurrencyLimiter } from './limiter.js';
import { abortableSleep, backoffDelay, defaultSleep, parseRetryAfter } from './retry.js';
import { failureFromResponse, scrubSecret, type AttemptFailure } from './response.js';

/** HTTP methods the Qonto Business API uses. */
export type QontoMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Outcome of one attempt, as reported to {@link QontoTransportOptions.onUpstreamCall}. */
export type UpstreamCallStatus = number | 'network' | 'timeout' | 'invalid_response';

/** One upstream attempt, for metrics. */
export interface UpstreamCallEvent {
  method: string;
  /** Templated route, e.g. `/v2/client_invoices/{id}`. */
  route: string;
  status: UpstreamCallStatus;
  durationMs: number;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
}

/** Options of {@link QontoTransport}. */
export interface QontoTransportOptions {
  /** Qonto base URL, without `/v2`. */
  baseUrl: string;
  environment: 'production' | 'sandbox';
  /** Sent as `X-Qonto-Staging-Token` only when `environment` is `sandbox`. */
  stagingToken?: string | undefined;
  /**
   * Budget of one attempt (waiting for a free slot excluded), default 10 000 ms: the response
   * headers must arrive, and then the whole body, within it (a new connection may add up to the
   * same again for connecting).
   */
  timeoutMs?: number;
  /** Requests in flight across the process, default 16; later requests wait in FIFO order. */
  maxInFlight?: number;
  /** Retries after the first attempt, default 3. */
  maxRetries?: number;
  /** Backoff base for 5xx, network errors and timeouts, default 250 ms. */
  retryBaseDelayMs?: number;
  /** Backoff base for a 429 without `Retry-After` (qonto-api.md §10.1), default 1000 ms. */
  rateLimitBaseDelayMs?: number;
  /** Cap of a computed backoff delay, default 30 000 ms. A `Retry-After` above it is not waited for. */
  retryMaxDelayMs?: number;
  /** Jitter source in [0, 1), default `Math.random`. */
  random?: () => number;
  /** Waits between retries, default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock for HTTP-date `Retry-After` values, default `Date.now`. */
  now?: () => number;
  /** Keep-alive connections per origin, default `maxInFlight`. */
  connections?: number;
  /** Called once per attempt (not for attempts the caller aborted); exceptions are ignored. */
  onUpstreamCall?: (event: UpstreamCallEvent) => void;
  /** `User-Agent` header, default `qonto-einvoicing-gateway`. */
  userAgent?: string;
}

/** One call to the Qonto REST API. */
export interface QontoRequest {
  method: QontoMethod;
  /** Path starting with `/v2/`, ids already URL-encoded. */
  path: string;
  /** Templated route for metrics and errors, e.g. `/v2/client_invoices/{id}`. */
  route: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: FormData;
  /** The `Authorization` value, forwarded verbatim; never logged nor put in errors. */
  authorization: string;
  /** Sent as `X-Qonto-Idempotency-Key`; required for POST/PATCH to be retried. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** A successful (2xx) answer. `body` is undefined when Qonto sent none. */
export interface QontoResponse<T> {
  status: number;
  /** Lower-case header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: T | undefined;
  traceId?: string;
}

type Attempt = { ok: true; response: QontoResponse<unknown> } | { ok: false; failure: AttemptFailure };

interface SharedGet {
  promise: Promise<QontoResponse<unknown>>;
  /** Aborts the upstream request once every joiner has left; absent when one never can. */
  controller: AbortController | undefined;
  refs: number;
}

/** An HTTP answer as {@link QontoTransport} reads it. */
interface RawResponse {
  statusCode: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  text: string;
}

interface PreparedBody {
  body: string | Buffer | undefined;
  contentType: string | undefined;
}

/**
 * The process-wide HTTP transport to Qonto: a keep-alive pool, a cap on requests in flight,
 * per-attempt timeouts, retries with full-jitter backoff, and sharing of identical in-flight GETs.
 * Stateless with respect to credentials: each request carries its own `Authorization`.
 */
export class QontoTransport {
  readonly environment: 'production' | 'sandbox';
  /** Qonto's origin, e.g. `https://thirdparty.qonto.com`. */
  readonly #origin: string;
  /** A path prefix of the base URL before `/v2` (usually empty). */
  readonly #pathPrefix: string;
  readonly #stagingToken: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #retryBaseDelayMs: number;
  readonly #rateLimitBaseDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #onUpstreamCall: ((event: UpstreamCallEvent) => void) | undefined;
  readonly #userAgent: string;
  readonly #agent: Agent;
  readonly #limiter: ConcurrencyLimiter;
  readonly #sharedGets = new Map<string, SharedGet>();
  #closed = false;

  constructor(options: QontoTransportOptions) {
    const base = new URL(options.baseUrl);
    this.#origin = base.origin;
    this.#pathPrefix = base.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
    this.environment = options.environment;
    this.#stagingToken = options.environment === 'sandbox' ? options.stagingToken : undefined;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const maxInFlight = options.maxInFlight ?? 16;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.#rateLimitBaseDelayMs = options.rateLimitBaseDelayMs ?? 1000;
    this.#retryMaxDelayMs = options.retryMaxDelayMs ?? 30_000;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? Date.now;
    this.#onUpstreamCall = options.onUpstreamCall;
    this.#userAgent = options.userAgent ?? 'qonto-einvoicing-gateway';
    this.#limiter = new ConcurrencyLimiter(maxInFlight);
    this.#agent = new Agent({
      connections: options.connections ?? maxInFlight,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      pipelining: 1,
      connect: { timeout: this.#timeoutMs },
    });
  }

  /** A typed client bound to one `Authorization` value. */
  forAuthorization(authorization: string): QontoClient {
    return new QontoClient(this, authorization);
  }

  /** Requests holding a slot right now. */
  inFlight(): number {
    return this.#limiter.active;
  }

  /** Requests waiting for a slot. */
  queued(): number {
    return this.#limiter.waiting;
  }

  /** Refuses new requests, fails queued ones, and closes the pool once in-flight requests end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#limiter.close();
    await this.#agent.close();
  }

  /**
   * Performs one logical call, retrying as configured. Resolves on any 2xx; rejects with a
   * {@link QontoError} otherwise, or with `signal.reason` when the caller aborts.
   * Concurrent identical GETs (same `Authorization` and URL) share one upstream request; the
   * resolved body is then the same object for every caller and must be treated as read-only.
   */
  async request<T>(req: QontoRequest): Promise<QontoResponse<T>> {
    if (this.#closed) throw new Error('QontoTransport is closed');
    assertAuthorization(req.authorization);
    const url = this.#pathOf(req.path, req.query);
    if (req.method === 'GET' && req.json === undefined && req.form === undefined) {
      return (await this.#sharedGet(url, req)) as QontoResponse<T>;
    }
    const body = await prepareBody(req);
    return (await this.#execute(url, req, body, req.signal)) as QontoResponse<T>;
  }

  /** The request target: path prefix, path and query string (the origin is the agent's). */
  #pathOf(path: string, query: QontoRequest['query']): string {
    if (!path.startsWith('/')) throw new TypeError(`Qonto path must start with "/": ${path}`);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.append(key, String(value));
    }
    const search = params.toString();
    return `${this.#pathPrefix}${path}${search ? `?${search}` : ''}`;
  }

  #sharedGet(url: string, req: QontoRequest): Promise<QontoResponse<unknown>> {
    const key = `${req.authorization}\u0000${url}`;
    let entry = this.#sharedGets.get(key);
    if (!entry) {
      // Only a GET whose every joiner can leave is ever aborted: when the first caller brings no
      // signal it never leaves, so the shared request needs no controller of its own.
      const controller = req.signal ? new AbortController() : undefined;
      const created: SharedGet = {
        promise: this.#execute(url, req, { body: undefined, contentType: undefined }, controller?.signal),
        controller,
        refs: 0,
      };
      const forget = () => {
        if (this.#sharedGets.get(key) === created) this.#sharedGets.delete(key);
      };
      created.promise.then(forget, forget);
      this.#sharedGets.set(key, created);
      entry = created;
    }
    return this.#join(key, entry, req.signal);
  }

  #join(key: string, entry: SharedGet, signal: AbortSignal | undefined): Promise<QontoResponse<unknown>> {
    entry.refs++;
    if (!signal) return entry.promise;
    const leave = () => {
      entry.refs--;
      if (entry.refs === 0) {
        if (this.#sharedGets.get(key) === entry) this.#sharedGets.delete(key);
        entry.controller?.abort(signal.reason);
      }
    };
    if (signal.aborted) {
      leave();
      return Promise.reject(signal.reason);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        leave();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  async #execute(
    url: string,
    req: QontoRequest,
    body: PreparedBody,
    signal: AbortSignal | undefined,
  ): Promise<QontoResponse<unknown>> {
    const retryable = req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE' || !!req.idempotencyKey;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(url, req, body, signal, attempt);
      if (result.ok) return result.response;
      const { failure } = result;
      if (!retryable || !failure.retryable || attempt > this.#maxRetries) throw this.#error(req, failure, attempt);
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > this.#retryMaxDelayMs) {
        throw this.#error(req, failure, attempt);
      }
      const delay =
        failure.retryAfterMs ??
        backoffDelay(
          attempt - 1,
          failure.status === 429 ? this.#rateLimitBaseDelayMs : this.#retryBaseDelayMs,
          this.#retryMaxDelayMs,
          this.#random,
        );
      await abortableSleep(this.#sleep, delay, signal);
      if (this.#closed) throw this.#error(req, failure, attempt);
    }
  }

  async #attempt(
    url: string,
    req: QontoRequest,
    prepared: PreparedBody,
    signal: AbortSignal | undefined,
    attempt: number,
  ): Promise<Attempt> {
    const release = await this.#limiter.acquire(signal);
    const started = performance.now();
    let budgetSpent = false;
    let reported: UpstreamCallStatus | undefined;
    try {
      const res = await this.#send(url, req.method, this.#headers(req, prepared), prepared.body, signal, () => {
        budgetSpent = true;
      });
      const parsed = failureFromResponse(res.statusCode, res.headers, res.text, this.#now());
      if (parsed.ok) {
        reported = res.statusCode;
        const response: QontoResponse<unknown> = { status: res.statusCode, headers: res.headers, body: parsed.body };
        if (parsed.traceId !== undefined) response.traceId = parsed.traceId;
        return { ok: true, response };
      }
      reported = parsed.failure.kind === 'invalid_response' ? 'invalid_response' : res.statusCode;
      return { ok: false, failure: parsed.failure };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (budgetSpent || isUndiciTimeout(error)) {
        reported = 'timeout';
        return { ok: false, failure: { kind: 'timeout', retryable: true } };
      }
      reported = 'network';
      return { ok: false, failure: { kind: 'network', retryable: true, cause: error } };
    } finally {
      release();
      if (reported !== undefined) this.#report(req, reported, performance.now() - started, attempt);
    }
  }

  /**
   * One HTTP exchange through undici's dispatcher, the body collected as text: no response stream
   * nor AbortController per call. The budget is undici's own timers until the response headers,
   * then what is left of it for the body (`onBudgetSpent` is called before the exchange is cut).
   * Rejects with `signal.reason` when the caller aborts.
   */
  #send(
    path: string,
    method: QontoMethod,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
    onBudgetSpent: () => void,
  ): Promise<RawResponse> {
    const started = performance.now();
    const budgetMs = this.#timeoutMs;
    return new Promise<RawResponse>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let budget: NodeJS.Timeout | undefined;
      let statusCode = 0;
      let responseHeaders: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let settled = false;
      // Before undici starts the request there is nothing to cut yet: settle now, and
      // onRequestStart aborts the request if it ever starts.
      const onAbort = () => (controller ? controller.abort(signal?.reason) : settle(signal?.reason));
      const settle = (error: unknown, response?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(budget);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined && response) resolve(response);
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      if (signal) {
        if (signal.aborted) return reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (requestController) => {
          controller = requestController;
          if (signal?.aborted) requestController.abort(signal.reason);
        },
        onResponseStart: (requestController, status, rawHeaders) => {
          statusCode = status;
          responseHeaders = flattenHeaders(rawHeaders);
          clearTimeout(budget);
          budget = setTimeout(
            () => {
              onBudgetSpent();
              requestController.abort(new Error('Qonto request timed out'));
            },
            Math.max(0, budgetMs - (performance.now() - started)),
          );
        },
        onResponseData: (_requestController, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => {
          settle(undefined, { statusCode, headers: responseHeaders, text: Buffer.concat(chunks).toString('utf8') });
        },
        onResponseError: (_requestController, error) => {
          settle(signal?.aborted ? signal.reason : error);
        },
      };
      try {
        this.#agent.dispatch({ origin: this.#origin, path, method, headers, body: body ?? null, headersTimeout: budgetMs, bodyTimeout: budgetMs }, handler);
      } catch (error) {
        settle(error);
      }
    });
  }

  #headers(req: QontoRequest, prepared: PreparedBody): Record<string, string> {
    const headers: Record<string, string> = {
      Authorization: req.authorization,
      Accept: 'application/json',
      'User-Agent': this.#userAgent,
    };
    if (prepared.contentType) headers['Content-Type'] = prepared.contentType;
    if (req.idempotencyKey) headers['X-Qonto-Idempotency-Key'] = req.idempotencyKey;
    if (this.#stagingToken) headers['X-Qonto-Staging-Token'] = this.#stagingToken;
    return headers;
  }

  #report(req: QontoRequest, status: UpstreamCallStatus, durationMs: number, attempt: number): void {
    if (!this.#onUpstreamCall) return;
    try {
      this.#onUpstreamCall({ method: req.method, route: req.route, status, durationMs, attempt });
    } catch {
      // a metrics hook must never break a call
    }
  }

  #error(req: QontoRequest, failure: AttemptFailure, attempts: number): QontoError {
    const init: QontoErrorInit = { ...failure, method: req.method, route: req.route, attempts };
    if (init.message !== undefined) {
      init.message = scrubSecret(`Qonto ${req.method} ${req.route} ${init.message}`, req.authorization);
    }
    if (init.errors) {
      init.errors = init.errors.map((entry) =>
        typeof entry.detail === 'string' ? { ...entry, detail: scrubSecret(entry.detail, req.authorization) } : entry,
      );
    }
    const error = new QontoError(init);
    const scrubbed = scrubSecret(error.message, req.authorization);
    if (scrubbed !== error.message) {
      error.message = scrubbed;
      if (error.stack) error.stack = scrubSecret(error.stack, req.authorization);
    }
    return error;
  }
}

async function prepareBody(req: QontoRequest): Promise<PreparedBody> {
  if (req.form !== undefined) {
    const encoded = new Response(req.form);
    return {
      body: Buffer.from(await encoded.arrayBuffer()),
      contentType: encoded.headers.get('content-type') ?? undefined,
    };
  }
  if (req.json !== undefined) return { body: JSON.stringify(req.json), contentType: 'application/json' };
  return { body: undefined, contentType: undefined };
}

function assertAuthorization(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n\0]/.test(value)) {
    throw new TypeError('Qonto Authorization value is missing or contains forbidden characters');
  }
}

const UNDICI_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** True for undici's own connect, headers and body timeouts. */
function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNDICI_TIMEOUTS.has(code);
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
