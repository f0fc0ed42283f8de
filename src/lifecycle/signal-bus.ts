import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { TypedEventTarget } from '@graphql-yoga/typed-event-target';
import { Redis } from 'ioredis';

/** Publishes and delivers "something changed" signals by topic, in one process or across replicas. */
export interface SignalBus {
  /** Signals every listener of `topic`, on every replica. */
  publish(topic: string): void;
  /** Listens to `topic`; resolves once the listener is active (Redis acknowledged), with a disposer. */
  subscribe(topic: string, listener: () => void): Promise<() => void>;
  /** Listeners registered now (leak checks). */
  listenerCount(): number;
  close(): Promise<void>;
}

type Signal = CustomEvent<{ at: number }>;

/** Topic of an invoice's signals. */
export const invoiceTopic = (invoiceId: string) => `qonto-gw:invoice:${invoiceId}`;
/** Topic of a client's signals. */
export const clientTopic = (clientId: string) => `qonto-gw:client:${clientId}`;

class EventTargetBus implements SignalBus {
  #listeners = 0;
  constructor(
    private readonly target: TypedEventTarget<Signal>,
    private readonly onSubscribe: (topic: string) => Promise<void>,
    private readonly onClose: () => Promise<void>,
  ) {}

  publish(topic: string): void {
    this.target.dispatchEvent(new CustomEvent(topic, { detail: { at: Date.now() } }));
  }

  async subscribe(topic: string, listener: () => void): Promise<() => void> {
    const callback = () => listener();
    this.target.addEventListener(topic, callback);
    this.#listeners++;
    let active = true;
    const dispose = () => {
      if (!active) return;
      active = false;
      this.#listeners--;
      this.target.removeEventListener(topic, callback);
    };
    try {
      await this.onSubscribe(topic);
    } catch (error) {
      dispose();
      throw error;
    }
    return dispose;
  }

  listenerCount(): number {
    return this.#listeners;
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

/** A bus inside one process. */
export function createMemoryBus(): SignalBus {
  return new EventTargetBus(new EventTarget() as TypedEventTarget<Signal>, async () => {}, async () => {});
}

/**
 * A bus over Redis pub/sub (`@graphql-yoga/redis-event-target`, two connections: a subscribed
 * connection cannot publish). `subscribe` resolves after Redis acknowledged the SUBSCRIBE, so a
 * signal published afterwards on any replica is never missed.
 */
export function createRedisBus(url: string): SignalBus {
  const publishClient = new Redis(url, { maxRetriesPerRequest: 2 });
  const subscribeClient = new Redis(url, { maxRetriesPerRequest: 2 });
  const target = createRedisEventTarget<Signal>({ publishClient, subscribeClient });
  return new EventTargetBus(
    target,
    async (topic) => {
      await subscribeClient.subscribe(topic);
    },
    async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  );
}
