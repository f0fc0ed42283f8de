import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import { credentialKey } from '../auth.js';
import { BreakerOpenError, UpstreamBreaker, type BreakerState } from './circuit-breaker.js';
import { QontoClient, type QontoClientOptions } from './client.js';
import type { Clock } from './clock.js';
import { CredentialGuard, CredentialRefusal, type CredentialGuardStats, type CredentialPass } from './credential-guard.js';
import { QontoError, type QontoErrorInit, type QontoLocalRefusalKind } from './errors.js';
import { FairScheduler, qontoRateWindows, SchedulerRefusal, type Grant, type SchedulerStats } from './fair-scheduler.js';
import type { QontoMethod, QontoRequest, QontoRequester, QontoResponse } from './requester.js';
import { abortableSleep, backoffDelay, defaultSleep } from './retry.js';
import { failureFromResponse, scrubSecret, type AttemptFailure } from './response.js';

export type { QontoMethod, QontoRequest, QontoRequester, QontoResponse } from './requester.js';

/** Outcome of one attempt, as reported to {@link QontoTransportOptions.onUpstreamCall}. */
export type UpstreamCallStatus = number | 'network' | 'timeout' | 'invalid_response' | 'too_large';

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
   * same again for connecting). Never more than what is left of `callDeadlineMs`.
   */
  timeoutMs?: number;
  /**
   * Longest a logical call may take, waits, attempts and backoff included, default 15 000 ms: no
   * retry starts unless its backoff and a whole attempt fit in what is left.
   */
  callDeadlineMs?: number;
  /** Requests in flight across the process, default 16; later requests wait their credential's turn. */
  maxInFlight?: number;
  /** Requests this process may send per 10 s (ten times as many per 10 min), default 900. */
  rateLimit?: number;
  /** Largest share, in percent, of the slots and of each window one credential may use, default 50 (100 = no cap). */
  credentialSharePercent?: number;
  /** Longest an attempt may wait for its turn before failing with kind `rate_limited`, default 2000 ms. */
  maxQueueWaitMs?: number;
  /** Attempts one credential may have waiting for their turn, default 1000. */
  maxQueuedPerCredential?: number;
  /** Largest response body read, default 8 MiB; a larger one fails the attempt (kind `response_too_large`). */
  maxResponseBytes?: number;
  /** Consecutive failed attempts (timeouts, network errors, 5xx) that open the circuit breaker, default 5. */
  breakerFailures?: number;
  /** How long the breaker stays open before one trial attempt, default 5000 ms. */
  breakerOpenMs?: number;
  /** 401 answers the process may collect per sliding hour, default 100 (Qonto throttles past 200). */
  unauthorizedBudgetPerHour?: number;
  /** How long credentials Qonto answered 401 are refused locally, default 600 000 ms. */
  refusedCredentialTtlMs?: number;
  /** Retries after the first attempt, default 3. */
  maxRetries?: number;
  /** Backoff base for 5xx, network errors and timeouts, default 250 ms. */
  retryBaseDelayMs?: number;
  /** Backoff base for a 429 without `Retry-After` (docs/qonto-facts.md#leniency), default 1000 ms. */
  rateLimitBaseDelayMs?: number;
  /** Cap of a computed backoff delay, default 30 000 ms. A `Retry-After` above it is not waited for. */
  retryMaxDelayMs?: number;
  /** Jitter source in [0, 1), default `Math.random`. */
  random?: () => number;
  /** Waits between retries, default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock for HTTP-date `Retry-After` values, call deadlines and the 401 budget, default `Date.now`. */
  now?: () => number;
  /** Time and timers of the rate windows and queue waits, default the system clock. */
  schedulerClock?: Clock;
  /** Keep-alive connections per origin, default `maxInFlight`. */
  connections?: number;
  /** Called once per attempt (not for attempts the caller aborted); exceptions are ignored. */
  onUpstreamCall?: (event: UpstreamCallEvent) => void;
  /** Called once per call refused without reaching Qonto, with the error's kind; exceptions are ignored. */
  onLocalRefusal?: (kind: QontoLocalRefusalKind) => void;
  /** `User-Agent` header, default `qonto-einvoicing-gateway`. */
  userAgent?: string;
}

type Attempt =
  | { ok: true; response: QontoResponse<unknown>; reported: UpstreamCallStatus }
  | { ok: false; failure: AttemptFailure; reported: UpstreamCallStatus };

/** What the transport holds right now, for metrics. */
export interface QontoTransportStats {
  scheduler: SchedulerStats;
  breaker: BreakerState;
  credentials: CredentialGuardStats;
}

/** Options of {@link QontoTransport.forAuthorization}. */
export type ForAuthorizationOptions = QontoClientOptions;

/** The transport's view of credentials, for the HTTP edge. */
export interface CredentialStatus {
  /**
   * True when Qonto has accepted `authorization` recently (and not answered 401 since). Pass the
   * value sent to Qonto (`Caller.upstreamAuthorization`: the presented value, trimmed, in forward mode).
   */
  isVerified(authorization: string): boolean;
  /** {@link isVerified} by credential key (`Caller.key`, the SHA-256 hex of the upstream value): no hashing. */
  isVerifiedKey(key: string): boolean;
  /** 401s in the last hour, budget units reserved, and credentials refused or verified. */
  stats(): CredentialGuardStats;
}

/** Thrown by the body reader when an answer is larger than `maxResponseBytes`. */
class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  constructor(
    readonly status: number,
    readonly limit: number,
  ) {
    super(`response body larger than ${limit} bytes`);
  }
}

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
 * The process-wide HTTP transport to Qonto: a keep-alive pool, per-attempt timeouts and a deadline
 * per call, retries with full-jitter backoff, and sharing of identical in-flight GETs. Because
 * every tenant shares Qonto's per-address limits, it also guards them: a fair scheduler grants
 * each attempt a slot and room in the rate windows, credential by credential; a circuit breaker
 * stops calling a failing Qonto; a credential guard keeps bad credentials from spending Qonto's
 * limit on 401 answers. Stateless with respect to credentials otherwise: each request carries its
 * own `Authorization`.
 */
export class QontoTransport implements QontoRequester {
  readonly environment: 'production' | 'sandbox';
  /** Which credentials Qonto has accepted; usable by the HTTP edge to refuse unverified ones. */
  readonly credentials: CredentialStatus;
  /** Qonto's origin, e.g. `https://thirdparty.qonto.com`. */
  readonly #origin: string;
  /** A path prefix of the base URL before `/v2` (usually empty). */
  readonly #pathPrefix: string;
  readonly #stagingToken: string | undefined;
  readonly #timeoutMs: number;
  readonly #callDeadlineMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxRetries: number;
  readonly #retryBaseDelayMs: number;
  readonly #rateLimitBaseDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #onUpstreamCall: ((event: UpstreamCallEvent) => void) | undefined;
  readonly #onLocalRefusal: ((kind: QontoLocalRefusalKind) => void) | undefined;
  readonly #userAgent: string;
  readonly #agent: Agent;
  readonly #scheduler: FairScheduler;
  readonly #breaker: UpstreamBreaker;
  readonly #guard: CredentialGuard;
  readonly #sharedGets = new Map<string, SharedGet>();
  #closed = false;

  constructor(options: QontoTransportOptions) {
    const base = new URL(options.baseUrl);
    this.#origin = base.origin;
    this.#pathPrefix = base.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
    this.environment = options.environment;
    this.#stagingToken = options.environment === 'sandbox' ? options.stagingToken : undefined;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#callDeadlineMs = options.callDeadlineMs ?? 15_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
    const maxInFlight = options.maxInFlight ?? 16;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.#rateLimitBaseDelayMs = options.rateLimitBaseDelayMs ?? 1000;
    this.#retryMaxDelayMs = options.retryMaxDelayMs ?? 30_000;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? (() => Date.now());
    this.#onUpstreamCall = options.onUpstreamCall;
    this.#onLocalRefusal = options.onLocalRefusal;
    this.#userAgent = options.userAgent ?? 'qonto-einvoicing-gateway';
    this.#scheduler = new FairScheduler({
      maxInFlight,
      windows: qontoRateWindows(options.rateLimit ?? 900),
      sharePercent: options.credentialSharePercent ?? 50,
      maxQueueWaitMs: options.maxQueueWaitMs ?? 2000,
      ...(options.maxQueuedPerCredential !== undefined ? { maxQueuedPerCredential: options.maxQueuedPerCredential } : {}),
      ...(options.schedulerClock ? { clock: options.schedulerClock } : {}),
    });
    this.#breaker = new UpstreamBreaker({ failures: options.breakerFailures ?? 5, openMs: options.breakerOpenMs ?? 5000 });
    this.#guard = new CredentialGuard({
      unauthorizedBudgetPerHour: options.unauthorizedBudgetPerHour ?? 100,
      refusedCredentialTtlMs: options.refusedCredentialTtlMs ?? 600_000,
      now: this.#now,
    });
    const guard = this.#guard;
    this.credentials = {
      isVerified: (authorization) => guard.isVerified(authorization),
      isVerifiedKey: (key) => guard.isVerifiedKey(key),
      stats: () => guard.stats(),
    };
    this.#agent = new Agent({
      connections: options.connections ?? maxInFlight,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      pipelining: 1,
      connect: { timeout: this.#timeoutMs },
    });
  }

  /**
   * A typed client bound to one `Authorization` value; with `maxCalls`, a client that refuses
   * (kind `call_budget_exceeded`) every call past that many.
   */
  forAuthorization(authorization: string, options: ForAuthorizationOptions = {}): QontoClient {
    return new QontoClient(this, authorization, {
      ...options,
      onRefusal: (kind: 'call_budget_exceeded') => {
        this.#reportRefusal(kind);
        options.onRefusal?.(kind);
      },
    });
  }

  /** Requests holding a slot right now. */
  inFlight(): number {
    return this.#scheduler.stats().active;
  }

  /** Requests waiting for their turn. */
  queued(): number {
    return this.#scheduler.stats().queued;
  }

  /** Scheduler, breaker and credential state, for metrics. */
  stats(): QontoTransportStats {
    return { scheduler: this.#scheduler.stats(), breaker: this.#breaker.state, credentials: this.#guard.stats() };
  }

  /** Refuses new requests, fails queued ones, and closes the pool once in-flight requests end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler.close();
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

  /**
   * One logical call: admitted by the credential guard, then attempts (each granted by the
   * scheduler and passed through the breaker) and backoffs within the call deadline.
   */
  async #execute(url: string, req: QontoRequest, body: PreparedBody, signal: AbortSignal | undefined): Promise<QontoResponse<unknown>> {
    const deadlineAt = this.#now() + this.#callDeadlineMs;
    try {
      // before waiting on the guard, which may hold this call behind another of its credential
      this.#breaker.check();
    } catch (error) {
      throw this.#refusal(error, req, 0);
    }
    const credential = credentialKey(req.authorization);
    const pass = await this.#guard.admit(credential, signal).catch((error: unknown) => {
      throw this.#refusal(error, req, 0);
    });
    try {
      return await this.#attempts(url, req, body, signal, credential, pass, deadlineAt);
    } finally {
      pass.end();
    }
  }

  async #attempts(
    url: string,
    req: QontoRequest,
    body: PreparedBody,
    signal: AbortSignal | undefined,
    credential: string,
    pass: CredentialPass,
    deadlineAt: number,
  ): Promise<QontoResponse<unknown>> {
    const retryable = req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE' || !!req.idempotencyKey;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(url, req, body, signal, attempt, credential, deadlineAt);
      if (result.ok) {
        pass.observe(result.response.status);
        return result.response;
      }
      const { failure } = result;
      if (failure.kind === 'http' && failure.status !== undefined) pass.observe(failure.status);
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
      if (this.#now() + delay + this.#timeoutMs > deadlineAt) throw this.#error(req, failure, attempt);
      await abortableSleep(this.#sleep, delay, signal);
      if (this.#closed) throw this.#error(req, failure, attempt);
    }
  }

  /**
   * One attempt: refused at once while the breaker is open, then a grant from the scheduler
   * (within what is left of the deadline), then the exchange through the breaker.
   */
  async #attempt(
    url: string,
    req: QontoRequest,
    prepared: PreparedBody,
    signal: AbortSignal | undefined,
    attempt: number,
    credential: string,
    deadlineAt: number,
  ): Promise<Attempt> {
    try {
      this.#breaker.check();
    } catch (error) {
      throw this.#refusal(error, req, attempt - 1);
    }
    const left = deadlineAt - this.#now();
    if (left <= 0) {
      const message = `Qonto ${req.method} ${req.route} timed out: the call deadline was spent before an attempt could start`;
      throw new QontoError({ kind: 'timeout', method: req.method, route: req.route, attempts: attempt - 1, message });
    }
    const grant: Grant = await this.#scheduler.acquire(credential, { signal, maxWaitMs: left }).catch((error: unknown) => {
      throw this.#refusal(error, req, attempt - 1);
    });
    const started = performance.now();
    let result: Attempt | undefined;
    try {
      const budgetMs = Math.max(1, Math.min(this.#timeoutMs, deadlineAt - this.#now()));
      result = await this.#breaker.run(
        () => this.#exchange(url, req, prepared, signal, budgetMs),
        (outcome) => !outcome.ok && countsAgainstQonto(outcome.failure),
      );
      return result;
    } catch (error) {
      throw this.#refusal(error, req, attempt - 1);
    } finally {
      grant.release();
      if (result) this.#report(req, result.reported, performance.now() - started, attempt);
    }
  }

  /** Sends the request and classifies the answer; rejects only with `signal.reason`. */
  async #exchange(
    url: string,
    req: QontoRequest,
    prepared: PreparedBody,
    signal: AbortSignal | undefined,
    budgetMs: number,
  ): Promise<Attempt> {
    let budgetSpent = false;
    try {
      const res = await this.#send(url, req.method, this.#headers(req, prepared), prepared.body, signal, budgetMs, () => {
        budgetSpent = true;
      });
      const parsed = failureFromResponse(res.statusCode, res.headers, res.text, this.#now());
      if (parsed.ok) {
        const response: QontoResponse<unknown> = { status: res.statusCode, headers: res.headers, body: parsed.body };
        if (parsed.traceId !== undefined) response.traceId = parsed.traceId;
        return { ok: true, response, reported: res.statusCode };
      }
      const reported = parsed.failure.kind === 'invalid_response' ? 'invalid_response' : res.statusCode;
      return { ok: false, failure: parsed.failure, reported };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof ResponseTooLargeError) {
        return {
          ok: false,
          failure: {
            kind: 'response_too_large',
            status: error.status,
            retryable: false,
            message: `answered HTTP ${error.status} with a body larger than ${error.limit} bytes (QONTO_MAX_RESPONSE_BYTES)`,
          },
          reported: 'too_large',
        };
      }
      if (budgetSpent || isUndiciTimeout(error)) return { ok: false, failure: { kind: 'timeout', retryable: true }, reported: 'timeout' };
      return { ok: false, failure: { kind: 'network', retryable: true, cause: error }, reported: 'network' };
    }
  }

  /**
   * One HTTP exchange through undici's dispatcher, the body collected as text: no response stream
   * nor AbortController per call. One timer holds the whole exchange, connecting included, to
   * `budgetMs` (`onBudgetSpent` is called before the exchange is cut). A body larger than
   * `maxResponseBytes`, announced by `content-length` or read so far, cuts the exchange with a
   * {@link ResponseTooLargeError}. Rejects with `signal.reason` when the caller aborts.
   */
  #send(
    path: string,
    method: QontoMethod,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
    budgetMs: number,
    onBudgetSpent: () => void,
  ): Promise<RawResponse> {
    const maxBytes = this.#maxResponseBytes;
    return new Promise<RawResponse>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let statusCode = 0;
      let responseHeaders: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let received = 0;
      let settled = false;
      // Before undici starts the request there is nothing to cut yet: settle now, and
      // onRequestStart aborts the request if it ever starts.
      const cut = (reason: Error) => {
        settle(reason);
        controller?.abort(reason);
      };
      const onAbort = () => cut(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
      const budget = setTimeout(() => {
        onBudgetSpent();
        cut(new Error('Qonto request timed out'));
      }, budgetMs);
      const settle = (error: unknown, response?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(budget);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined && response) resolve(response);
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      if (signal) {
        if (signal.aborted) {
          settle(signal.reason);
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
      }
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (requestController) => {
          controller = requestController;
          if (settled) requestController.abort(signal?.aborted ? signal.reason : new Error('Qonto request abandoned'));
        },
        onResponseStart: (_requestController, status, rawHeaders) => {
          statusCode = status;
          responseHeaders = flattenHeaders(rawHeaders);
          const announced = Number(responseHeaders['content-length']);
          if (announced > maxBytes) cut(new ResponseTooLargeError(status, maxBytes));
        },
        onResponseData: (_requestController, chunk) => {
          if (settled) return;
          received += chunk.length;
          if (received > maxBytes) {
            chunks.length = 0;
            cut(new ResponseTooLargeError(statusCode, maxBytes));
            return;
          }
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
        this.#agent.dispatch(
          { origin: this.#origin, path, method, headers, body: body ?? null, headersTimeout: budgetMs, bodyTimeout: budgetMs },
          handler,
        );
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

  #reportRefusal(kind: QontoLocalRefusalKind): void {
    if (!this.#onLocalRefusal) return;
    try {
      this.#onLocalRefusal(kind);
    } catch {
      // a metrics hook must never break a call
    }
  }

  /**
   * The error to throw for a call stopped before reaching Qonto: a refusal of the scheduler, the
   * breaker or the credential guard becomes a {@link QontoError} of the matching local kind (and
   * is reported); anything else (an abort reason, a closed transport) is returned unchanged.
   */
  #refusal(error: unknown, req: QontoRequest, attempts: number): unknown {
    let kind: QontoLocalRefusalKind;
    let retryAfterMs: number;
    if (error instanceof SchedulerRefusal) {
      kind = 'rate_limited';
      retryAfterMs = error.retryAfterMs;
    } else if (error instanceof BreakerOpenError) {
      kind = 'circuit_open';
      retryAfterMs = error.retryAfterMs;
    } else if (error instanceof CredentialRefusal) {
      kind = error.reason === 'refused' ? 'credential_refused' : 'unauthorized_budget_exhausted';
      retryAfterMs = error.retryAfterMs;
    } else {
      return error;
    }
    this.#reportRefusal(kind);
    return new QontoError({ kind, method: req.method, route: req.route, attempts, retryAfterMs });
  }

  /** A {@link QontoError} for a failed attempt, with every trace of the `Authorization` value scrubbed. */
  #error(req: QontoRequest, failure: AttemptFailure, attempts: number): QontoError {
    const scrub = (text: string) => scrubSecret(text, req.authorization);
    const init: QontoErrorInit = { ...failure, method: req.method, route: req.route, attempts };
    if (init.message !== undefined) init.message = scrub(`Qonto ${req.method} ${req.route} ${init.message}`);
    if (init.errors) {
      init.errors = init.errors.map((entry) => {
        const clean = { ...entry };
        if (typeof clean.detail === 'string') clean.detail = scrub(clean.detail);
        if (typeof clean.code === 'string') clean.code = scrub(clean.code);
        if (clean.source) {
          clean.source = { ...clean.source };
          if (typeof clean.source.pointer === 'string') clean.source.pointer = scrub(clean.source.pointer);
          if (typeof clean.source.parameter === 'string') clean.source.parameter = scrub(clean.source.parameter);
        }
        return clean;
      });
    }
    const error = new QontoError(init);
    error.message = scrub(error.message);
    if (error.stack) error.stack = scrub(error.stack);
    return error;
  }
}

/** Failures that say Qonto is unwell, for the breaker: timeouts, network errors and 5xx. */
function countsAgainstQonto(failure: AttemptFailure): boolean {
  return failure.kind === 'timeout' || failure.kind === 'network' || (failure.kind === 'http' && (failure.status ?? 0) >= 500);
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
