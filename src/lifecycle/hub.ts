import type { Logger } from 'pino';
import type { Caller } from '../auth.js';
import { invoiceClientId } from '../domain/eligibility.js';
import { decodeLifecycleCursor, encodeLifecycleCursor, normalizeLifecycleEvents, type LifecycleEvent } from '../domain/lifecycle-events.js';
import { errorMessage } from '../lib/error-message.js';
import { isCredentialRefused, isHttpError, isNotFound, isQontoError } from '../qonto/errors.js';
import type { QontoClient } from '../qonto/client.js';
import type { QontoTransport } from '../qonto/transport.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import { OrganizationFeeds } from './organization-feed.js';
import { PollPacer } from './poll-pacer.js';
import { clientTopic, invoiceTopic, organizationInvoicesTopic, type SignalBus, UNSCOPED_INVOICES_TOPIC } from './signal-bus.js';
import { LogCursor } from './log-cursor.js';
import { SubscriberCount } from './subscriber-count.js';

/** One new lifecycle event with the invoice as Qonto returned it at that moment. */
export interface LifecycleUpdate {
  event: LifecycleEvent;
  invoice: WireClientInvoice;
}

/** Why a subscription could not start. */
export class LifecycleSubscriptionError extends Error {
  override name = 'LifecycleSubscriptionError';
  constructor(
    readonly code: 'NOT_FOUND' | 'BAD_USER_INPUT',
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link LifecycleHub}. */
export interface LifecycleHubOptions {
  transport: QontoTransport;
  bus: SignalBus;
  /** Reconciliation poll of watched invoices (LIFECYCLE_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** Longest delay the poller backs off to after failures, default 5 min. */
  maxPollBackoffMs?: number;
  /**
   * Reconciliation polls per second across every watch (LIFECYCLE_MAX_POLLS_PER_SECOND), default 5:
   * beyond `rate × interval` watches, each is polled less often than `pollIntervalMs`.
   */
  maxPollsPerSecond?: number;
  /**
   * Shortest time between two webhook-driven re-fetches of one watch, default
   * {@link SIGNAL_COALESCE_MS}: the first signal after a quiet period re-fetches at once, the
   * signals that follow within the window are merged into one re-fetch at its end.
   */
  signalCoalesceMs?: number;
  logger?: Logger;
}

/**
 * How long a successful fetch of a watch also stands for a new subscriber with the same
 * credentials: a reconnect storm of N subscribers to one invoice costs one GET per window, not N.
 */
export const SUBSCRIBE_FRESHNESS_MS = 1000;

/**
 * Default shortest time between two signal-driven re-fetches of one watch. A burst of webhooks for
 * one invoice (Qonto retries, a busy network, a replay) then costs one GET per window, not one per
 * webhook, and a lone webhook is still followed by a GET at once.
 */
export const SIGNAL_COALESCE_MS = 250;

const eventKey = (event: LifecycleEvent) => `${event.rawStatusCode}|${event.occurredAt ?? ''}`;

/**
 * One invoice watched with one credential: shared by every subscriber with those credentials.
 * It keeps an append-only log of the events seen so far (Qonto's order, never a duplicate), a
 * poll timer, and its bus listeners; subscribers only hold a position in the log.
 *
 * Signals coalesce: one fetch at a time; any number of signals during a fetch (which may predate
 * their change) cause exactly one more fetch after it; signal-driven fetches start at least
 * `signalCoalesceMs` apart, the signals in between waiting for the next one. Every fetch, whatever
 * started it (signal, poll, new subscriber), answers all the signals received before it started.
 */
class InvoiceWatch {
  readonly subscribers = new Set<SubscriberStream>();
  readonly log: LifecycleEvent[] = [];
  invoice: WireClientInvoice | null = null;
  #seen = new Map<string, number>();
  #refreshing: Promise<void> | null = null;
  /** When the last successful fetch started (Date.now()), or null. */
  #fetchedAt: number | null = null;
  /** A signal arrived that no fetch started since has answered. */
  #dirty = false;
  /** When the last signal-driven fetch started (Date.now()), or null. */
  #signalFetchAt: number | null = null;
  /** Waits for the end of the coalescing window before the next signal-driven fetch. */
  #signalTimer: NodeJS.Timeout | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;
  #retryAfterMs = 0;
  #disposers: Array<() => void> = [];
  #clientId: string | null = null;
  #closed = false;

  constructor(
    readonly key: string,
    readonly invoiceId: string,
    private readonly hub: LifecycleHub,
    private readonly fetchInvoice: () => Promise<WireClientInvoice>,
  ) {}

  /** Starts listening to the invoice's signals; resolves once the bus listener is active. */
  async start(): Promise<void> {
    this.#disposers.push(await this.hub.bus.subscribe(invoiceTopic(this.invoiceId), () => this.signal()));
  }

  /**
   * A signal: re-fetch now, or after the fetch in flight (which may predate the change), or at the
   * end of the coalescing window; signals waiting together share one fetch.
   */
  signal(): void {
    if (this.#closed) return;
    this.#dirty = true;
    this.#fetchForSignals();
  }

  #fetchForSignals(): void {
    if (!this.#dirty || this.#closed || this.#refreshing || this.#signalTimer) return;
    const wait = this.#signalFetchAt === null ? 0 : this.#signalFetchAt + this.hub.signalCoalesceMs - Date.now();
    if (wait > 0) {
      this.#signalTimer = setTimeout(() => {
        this.#signalTimer = null;
        this.#fetchForSignals();
      }, wait);
      this.#signalTimer.unref();
      return;
    }
    this.#signalFetchAt = Date.now();
    void this.refresh().catch(() => undefined);
  }

  /** Fetches the invoice (one fetch at a time) and appends the events not seen yet. */
  refresh(): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    this.#dirty = false;
    if (this.#signalTimer) clearTimeout(this.#signalTimer);
    this.#signalTimer = null;
    this.hub.pacer.cancel(this);
    const run = (async () => {
      const started = Date.now();
      try {
        const invoice = await this.fetchInvoice();
        this.#fetchedAt = started;
        this.#failures = 0;
        this.#retryAfterMs = 0;
        this.#absorb(invoice);
      } catch (error) {
        this.#fetchedAt = null;
        this.#failures++;
        this.#retryAfterMs = isQontoError(error) ? (error.retryAfterMs ?? 0) : 0;
        this.#onFailure(error);
        throw error;
      } finally {
        this.#refreshing = null;
        this.#schedulePoll();
        this.#fetchForSignals();
      }
    })();
    this.#refreshing = run;
    return run;
  }

  /**
   * For a new subscriber: the fetch in flight, or none when the last successful one started less
   * than `maxAgeMs` ago (same credentials, so it authorises this subscriber as well), else a fetch.
   */
  ensureFresh(maxAgeMs: number): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    if (this.#fetchedAt !== null && Date.now() - this.#fetchedAt < maxAgeMs) return Promise.resolve();
    return this.refresh();
  }

  #absorb(invoice: WireClientInvoice): void {
    this.invoice = invoice;
    const occurrences = new Map<string, number>();
    let grew = false;
    for (const event of normalizeLifecycleEvents(invoice.id, invoice.einvoicing_lifecycle_events)) {
      const base = eventKey(event);
      const nth = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, nth);
      const key = `${base}#${nth}`;
      if (this.#seen.has(key)) continue;
      const index = this.log.length;
      this.#seen.set(key, index);
      this.log.push({ ...event, index, cursor: encodeLifecycleCursor(this.invoiceId, index) });
      grew = true;
    }
    const clientId = invoiceClientId(invoice);
    if (clientId !== this.#clientId && clientId) {
      this.#clientId = clientId;
      void this.hub.bus
        .subscribe(clientTopic(clientId), () => this.signal())
        .then(
          (dispose) => (this.#closed ? dispose() : this.#disposers.push(dispose)),
          () => undefined,
        );
    }
    if (grew) for (const subscriber of this.subscribers) subscriber.wake();
  }

  #onFailure(error: unknown): void {
    const lostAccess = isCredentialRefused(error) || isHttpError(error, 403, 404);
    if (lostAccess) {
      const ending = isNotFound(error) ? null : new Error('These credentials can no longer read this invoice');
      for (const subscriber of [...this.subscribers]) subscriber.end(ending);
      return;
    }
    this.hub.logger?.warn({ invoiceId: this.invoiceId, err: errorMessage(error) }, 'lifecycle refresh failed');
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    const base = this.hub.pollIntervalMs;
    const backoff = this.#failures === 0 ? base : Math.min(base * 2 ** this.#failures, this.hub.maxPollBackoffMs);
    const delay = Math.max(backoff, this.#retryAfterMs);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.hub.pacer.request(this, () => void this.refresh().catch(() => undefined));
    }, delay);
    this.#timer.unref();
  }

  /** Stops everything this watch started: timer and bus listeners. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#signalTimer) clearTimeout(this.#signalTimer);
    this.#signalTimer = null;
    this.hub.pacer.cancel(this);
    for (const dispose of this.#disposers.splice(0)) dispose();
  }

  get hasTimer(): boolean {
    return this.#timer !== null;
  }
}

/**
 * A pull-based stream of one subscriber: it holds only its position in the watch's log, so a
 * slow consumer costs nothing more than a number, however many events arrive.
 */
class SubscriberStream extends LogCursor<LifecycleUpdate> {
  constructor(
    private readonly watch: InvoiceWatch,
    start: number,
    private readonly onEnd: (stream: SubscriberStream) => void,
  ) {
    super(start);
  }

  protected ended(): void {
    this.onEnd(this);
  }

  protected take(): IteratorResult<LifecycleUpdate> | null {
    const event = this.watch.log[this.position];
    if (!event || !this.watch.invoice) return null;
    this.position++;
    return { value: { event, invoice: this.watch.invoice }, done: false };
  }
}

/**
 * Streams e-invoicing lifecycle events to subscribers, exactly once each and in Qonto's order.
 * Webhooks and the gateway's own sends are only signals: the hub re-fetches the invoice with each
 * subscriber group's own credentials (one fetch per credential), compares with what it has seen,
 * and polls watched invoices so a lost webhook only delays an event. Transport-agnostic.
 */
export class LifecycleHub {
  readonly bus: SignalBus;
  readonly pollIntervalMs: number;
  readonly maxPollBackoffMs: number;
  /** Shortest time between two signal-driven fetches of one watch. */
  readonly signalCoalesceMs: number;
  /** Paces the reconciliation polls of every watch. */
  readonly pacer: PollPacer;
  readonly logger: Logger | undefined;
  /** The organisation feeds (`clientInvoiceUpdates`), sharing this hub's bus, pace and poll interval. */
  readonly feeds: OrganizationFeeds;
  readonly #transport: QontoTransport;
  readonly #watches = new Map<string, InvoiceWatch>();
  readonly #starting = new Map<string, Promise<InvoiceWatch>>();
  #emptyWaiters: Array<() => void> = [];
  readonly #subscribers = new SubscriberCount();

  constructor(options: LifecycleHubOptions) {
    this.bus = options.bus;
    this.pollIntervalMs = options.pollIntervalMs;
    this.maxPollBackoffMs = options.maxPollBackoffMs ?? 5 * 60_000;
    this.signalCoalesceMs = options.signalCoalesceMs ?? SIGNAL_COALESCE_MS;
    this.pacer = new PollPacer({ maxPerSecond: options.maxPollsPerSecond ?? 5 });
    this.logger = options.logger;
    this.#transport = options.transport;
    this.feeds = new OrganizationFeeds(this);
  }

  /** A Qonto client with the caller's credentials. */
  qontoFor(caller: Caller): QontoClient {
    return this.#transport.forAuthorization(caller.upstreamAuthorization);
  }

  /**
   * Subscribes to an invoice's lifecycle with the caller's credentials. Authorises first: the
   * invoice is fetched with those credentials, so an unknown or foreign invoice is refused. With
   * `after` (a cursor of this invoice), every later event is replayed first; without it, only
   * events recorded from now on are delivered.
   */
  async subscribe(caller: Caller, invoiceId: string, after?: string | null): Promise<AsyncIterableIterator<LifecycleUpdate>> {
    let start: number | null = null;
    if (after != null) {
      const index = decodeLifecycleCursor(after, invoiceId);
      if (index === null) throw new LifecycleSubscriptionError('BAD_USER_INPUT', 'after is not a lifecycle cursor of this invoice');
      start = index + 1;
    }
    const key = `${caller.key}:${invoiceId}`;
    const watch = await this.#watch(key, invoiceId, caller);
    try {
      await watch.ensureFresh(SUBSCRIBE_FRESHNESS_MS);
    } catch (error) {
      this.#release(watch);
      if (isHttpError(error, 403, 404)) {
        throw new LifecycleSubscriptionError('NOT_FOUND', `Client invoice ${invoiceId} not found`);
      }
      throw error;
    }
    const stream = new SubscriberStream(watch, start ?? watch.log.length, (ended) => {
      if (watch.subscribers.delete(ended)) this.#subscribers.decrement();
      this.#release(watch);
    });
    watch.subscribers.add(stream);
    this.#subscribers.increment();
    return stream;
  }

  async #watch(key: string, invoiceId: string, caller: Caller): Promise<InvoiceWatch> {
    const existing = this.#watches.get(key);
    if (existing) return existing;
    let starting = this.#starting.get(key);
    if (!starting) {
      const qonto = this.#transport.forAuthorization(caller.upstreamAuthorization);
      const watch = new InvoiceWatch(key, invoiceId, this, () => qonto.getClientInvoice(invoiceId));
      starting = watch.start().then(() => {
        this.#watches.set(key, watch);
        return watch;
      });
      starting.finally(() => this.#starting.delete(key)).catch(() => undefined);
      this.#starting.set(key, starting);
    }
    return starting;
  }

  #release(watch: InvoiceWatch): void {
    if (watch.subscribers.size > 0 || this.#watches.get(watch.key) !== watch) return;
    this.#watches.delete(watch.key);
    watch.close();
    if (this.#watches.size === 0) for (const resolve of this.#emptyWaiters.splice(0)) resolve();
  }

  /** Resolves once at least `count` subscribers are live (tests and benchmarks await this). */
  whenSubscribers(count: number): Promise<void> {
    return this.#subscribers.atLeast(count);
  }

  /** Resolves when no invoice is watched any more (every subscriber left). */
  whenEmpty(): Promise<void> {
    if (this.#watches.size === 0 && this.#starting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /**
   * Signals a change of an invoice to every replica (webhook received, or the gateway sent it):
   * on its own topic, and for the organisation feeds on its organisation's topic (a webhook's
   * `organization_id`) or, when the organisation is unknown, on the unscoped topic.
   */
  invoiceChanged(invoiceId: string, organizationId?: string): void {
    this.bus.publish(invoiceTopic(invoiceId));
    this.bus.publish(organizationId ? organizationInvoicesTopic(organizationId) : UNSCOPED_INVOICES_TOPIC, invoiceId);
  }

  /** Signals a change of a client (a `v1/clients` webhook) to every replica. */
  clientChanged(clientId: string): void {
    this.bus.publish(clientTopic(clientId));
  }

  /** What is alive now: for leak checks and metrics. */
  stats(): { watches: number; subscribers: number; pollTimers: number; pollsWaiting: number; busListeners: number; loggedEvents: number } {
    let subscribers = 0;
    let pollTimers = 0;
    let loggedEvents = 0;
    for (const watch of this.#watches.values()) {
      subscribers += watch.subscribers.size;
      loggedEvents += watch.log.length;
      if (watch.hasTimer) pollTimers++;
    }
    return {
      watches: this.#watches.size,
      subscribers,
      pollTimers,
      pollsWaiting: this.pacer.waiting,
      busListeners: this.bus.listenerCount(),
      loggedEvents,
    };
  }

  /** Completes every stream and stops every watch (shutdown). */
  close(): void {
    this.feeds.close();
    for (const watch of [...this.#watches.values()]) {
      for (const subscriber of [...watch.subscribers]) subscriber.end(null);
      watch.close();
    }
    this.#watches.clear();
    this.pacer.close();
    for (const resolve of this.#emptyWaiters.splice(0)) resolve();
  }
}
