import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../lib/error-message.js';
import { isRecord } from '../lib/is-record.js';
import { CONNECTING_STATUSES, type RedisConnections } from './redis-connections.js';

/** Publishes and delivers "something changed" signals by topic, in one process or across replicas. */
export interface SignalBus {
  /**
   * Signals every listener of `topic` in this process at once, and on every other replica it can
   * reach; `data` (a short string, such as an invoice id) reaches each listener with the signal.
   */
  publish(topic: string, data?: string): void;
  /**
   * Listens to `topic`. Resolves with a disposer once the listener is active: in this process at
   * once, and, with Redis, once Redis acknowledged the subscription or is found unavailable (the
   * subscription is then made when Redis returns). Never rejects.
   */
  subscribe(topic: string, listener: SignalListener): Promise<() => void>;
  /** Listeners registered now (leak checks). */
  listenerCount(): number;
  /** True while signals reach every replica: always in one process; with Redis, while it is up. */
  healthy(): boolean;
  /** Drops every listener (the Redis connections are closed by their owner). */
  close(): Promise<void>;
}

/** Topic of an invoice's signals. */
export const invoiceTopic = (invoiceId: string) => `qonto-gw:invoice:${invoiceId}`;
/** Topic of a client's signals. */
export const clientTopic = (clientId: string) => `qonto-gw:client:${clientId}`;
/** Topic of an organisation's invoice signals (webhooks carry `organization_id`); the data is the invoice id. */
export const organizationInvoicesTopic = (organizationId: string) => `qonto-gw:org:${organizationId}:invoices`;
/** Topic of invoice signals whose organisation is unknown (the gateway's own mutations); the data is the invoice id. */
export const UNSCOPED_INVOICES_TOPIC = 'qonto-gw:invoices';

/** A listener of a topic; `data` is what the publisher attached, if anything. */
export type SignalListener = (data?: string) => void;

interface Entry {
  topic: string;
  listener: SignalListener;
}

/** The listeners of this process, by topic. */
class LocalListeners {
  readonly #byTopic = new Map<string, Set<Entry>>();
  #count = 0;

  /** Adds a listener; `first` tells whether the topic had none. */
  add(topic: string, listener: SignalListener): { entry: Entry; first: boolean } {
    const entry = { topic, listener };
    let entries = this.#byTopic.get(topic);
    const first = !entries;
    if (!entries) {
      entries = new Set();
      this.#byTopic.set(topic, entries);
    }
    entries.add(entry);
    this.#count++;
    return { entry, first };
  }

  /** Removes a listener (once); true when it was its topic's last one. */
  remove(entry: Entry): boolean {
    const entries = this.#byTopic.get(entry.topic);
    if (!entries?.delete(entry)) return false;
    this.#count--;
    if (entries.size > 0) return false;
    this.#byTopic.delete(entry.topic);
    return true;
  }

  /** Calls every listener of `topic`; one that throws does not stop the others. */
  deliver(topic: string, data?: string): void {
    const entries = this.#byTopic.get(topic);
    if (!entries) return;
    for (const entry of [...entries]) {
      try {
        entry.listener(data);
      } catch {
        // a listener reports its own failures; the others still get the signal
      }
    }
  }

  topics(): string[] {
    return [...this.#byTopic.keys()];
  }

  get count(): number {
    return this.#count;
  }

  clear(): void {
    this.#byTopic.clear();
    this.#count = 0;
  }
}

/** A bus inside one process. */
export function createMemoryBus(): SignalBus {
  const local = new LocalListeners();
  return {
    publish: (topic, data) => local.deliver(topic, data),
    subscribe: async (topic, listener) => {
      const { entry } = local.add(topic, listener);
      return () => void local.remove(entry);
    },
    listenerCount: () => local.count,
    healthy: () => true,
    close: async () => local.clear(),
  };
}

/** Options of {@link createRedisBus}. */
export interface RedisBusOptions {
  logger?: Logger;
  /** Channels per SUBSCRIBE when re-subscribing after a reconnection, default 1000. */
  resubscribeBatch?: number;
}

const SUBSCRIBE_BATCH = 1000;

/**
 * A bus over Redis pub/sub that degrades to one process while Redis is unavailable:
 *
 * - `publish` signals this process's listeners directly, then PUBLISHes for the other replicas
 *   when the publishing connection is up (a failure only costs the other replicas a signal, which
 *   their reconciliation polls make up for). Each message carries this bus's origin id, so its own
 *   messages coming back from Redis are not delivered twice.
 * - `subscribe` registers the listener in this process first; it waits for Redis's acknowledgement
 *   only when Redis is up (or a connection attempt is under way, for at most the command timeout),
 *   and never fails. Every topic with listeners is subscribed again each time the subscribing
 *   connection becomes ready, so listeners registered during an outage get other replicas'
 *   signals once Redis returns.
 *
 * Two connections, as Redis requires (a subscribed connection cannot publish). Written on ioredis
 * directly rather than on `@graphql-yoga/redis-event-target`, whose event target neither awaits
 * nor catches its PUBLISH and SUBSCRIBE calls (unhandled rejections while Redis is away) and
 * cannot tell whether a signal left the process.
 */
export function createRedisBus(connections: RedisConnections, options: RedisBusOptions = {}): SignalBus {
  return new RedisSignalBus(connections, options);
}

class RedisSignalBus implements SignalBus {
  readonly #origin = randomUUID();
  readonly #local = new LocalListeners();
  readonly #connections: RedisConnections;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #logger: Logger | undefined;
  readonly #batch: number;
  /** The SUBSCRIBE of a topic's first listener, which its later listeners wait for too. */
  readonly #subscribing = new Map<string, Promise<void>>();
  /** The re-subscription of every topic, started at the last `ready`. */
  #resubscribed: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(connections: RedisConnections, options: RedisBusOptions) {
    this.#connections = connections;
    this.#logger = options.logger;
    this.#batch = options.resubscribeBatch ?? SUBSCRIBE_BATCH;
    this.#publisher = connections.client('bus-publish');
    this.#subscriber = connections.client('bus-subscribe');
    this.#subscriber.on('message', this.#onMessage);
    this.#subscriber.on('ready', () => {
      this.#resubscribed = this.#subscribeAll();
    });
  }

  publish(topic: string, data?: string): void {
    this.#local.deliver(topic, data);
    if (this.#closed || this.#publisher.status !== 'ready') return;
    this.#publisher
      .publish(topic, JSON.stringify({ at: Date.now(), origin: this.#origin, ...(data !== undefined ? { data } : {}) }))
      .catch((error: unknown) => {
        this.#logger?.debug({ topic, err: errorMessage(error) }, 'signal not published to Redis');
      });
  }

  async subscribe(topic: string, listener: SignalListener): Promise<() => void> {
    const { entry, first } = this.#local.add(topic, listener);
    if (first) {
      const subscribing = this.#subscribeOnRedis(topic);
      this.#subscribing.set(topic, subscribing);
      void subscribing.then(() => {
        if (this.#subscribing.get(topic) === subscribing) this.#subscribing.delete(topic);
      });
    }
    await this.#subscribing.get(topic);
    return () => this.#dispose(entry);
  }

  listenerCount(): number {
    return this.#local.count;
  }

  healthy(): boolean {
    return this.#connections.healthy();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscriber.off('message', this.#onMessage);
    this.#local.clear();
    this.#subscribing.clear();
  }

  #onMessage = (channel: string, message: string): void => {
    const { origin, data } = this.#parse(message);
    if (origin === this.#origin) return;
    this.#local.deliver(channel, data);
  };

  #parse(message: string): { origin?: string; data?: string } {
    try {
      const parsed: unknown = JSON.parse(message);
      if (!isRecord(parsed)) return {};
      const { origin, data } = parsed;
      return {
        ...(typeof origin === 'string' ? { origin } : {}),
        ...(typeof data === 'string' ? { data } : {}),
      };
    } catch {
      return {}; // a foreign or older publisher: still a signal
    }
  }

  #dispose(entry: Entry): void {
    if (!this.#local.remove(entry)) return;
    this.#subscribing.delete(entry.topic);
    if (this.#closed || this.#subscriber.status !== 'ready') return;
    this.#subscriber.unsubscribe(entry.topic).catch(() => undefined);
  }

  async #subscribeOnRedis(topic: string): Promise<void> {
    const status = this.#subscriber.status;
    if (status === 'ready') {
      await this.#subscriber.subscribe(topic).catch((error: unknown) => {
        this.#logger?.debug({ topic, err: errorMessage(error) }, 'Redis SUBSCRIBE failed; listening in this process');
      });
      return;
    }
    // Connecting: the `ready` handler subscribes every topic, this one included.
    if (CONNECTING_STATUSES.has(status) && (await this.#readyWithin(this.#connections.commandTimeoutMs))) await this.#resubscribed;
  }

  #readyWithin(ms: number): Promise<boolean> {
    const subscriber = this.#subscriber;
    return new Promise((resolve) => {
      const settle = (ready: boolean) => {
        clearTimeout(timer);
        subscriber.off('ready', onReady);
        subscriber.off('close', onClose);
        resolve(ready);
      };
      const onReady = () => settle(true);
      const onClose = () => settle(false);
      const timer = setTimeout(() => settle(false), ms);
      subscriber.on('ready', onReady);
      subscriber.on('close', onClose);
    });
  }

  async #subscribeAll(): Promise<void> {
    const topics = this.#local.topics();
    const batches: string[][] = [];
    for (let i = 0; i < topics.length; i += this.#batch) batches.push(topics.slice(i, i + this.#batch));
    await Promise.all(
      batches.map((batch) =>
        this.#subscriber.subscribe(...batch).catch((error: unknown) => {
          this.#logger?.debug({ topics: batch.length, err: errorMessage(error) }, 'Redis re-subscription failed');
        }),
      ),
    );
  }
}
