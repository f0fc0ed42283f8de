import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { WebhookEnvelopeJson } from './wire.js';
import type { FaultState } from './faults.js';
import { webhookData } from './representation.js';
import type { ResourceChange, SimulatorStore } from './store.js';
import type { TimerRegistry } from './timers.js';

/** One delivery attempt, as recorded in `webhooks.deliveries`. */
export interface WebhookDelivery {
  subscriptionId: string;
  /** The envelope `id` (kept across retries and duplicates). */
  eventId: string;
  type: string;
  /** 1 for the first attempt, then 2, 3… for retries (a duplicate copy is recorded as attempt 1 too). */
  attempt: number;
  /** HTTP status of the answer, or `'error'` (timeout, connection failure, injected failure). */
  status: number | 'error';
  /** Unix time in milliseconds. */
  at: number;
}

/** Minimal logger interface of the simulator. */
export interface SimulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Options of the {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  store: SimulatorStore;
  faults: FaultState;
  timers: TimerRegistry;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  logger?: SimulatorLogger;
}

interface Job {
  subscriptionId: string;
  eventId: string;
  type: string;
  body: string;
  faultsApplied: boolean;
  duplicate: boolean;
  done: boolean;
}

interface Queue {
  jobs: Job[];
  running: boolean;
  held?: Job;
  heldTimer?: NodeJS.Timeout;
}

/** How long a delivery held by `reorderNext` waits for a following delivery before going alone. */
export const REORDER_HOLD_MAX_MS = 1000;

function isSuccess(status: number | 'error'): boolean {
  return typeof status === 'number' && status >= 200 && status < 300;
}

/**
 * Delivers signed webhooks (docs/qonto-facts.md#simulator-webhooks). Deliveries to one subscription leave in order (one first
 * attempt at a time); retries follow the configured delays and keep the envelope `id` and body
 * with a fresh `t` and signature; after the last retry the event is dropped.
 */
export class WebhookDispatcher {
  /** Every attempt in the order it completed. */
  readonly deliveries: WebhookDelivery[] = [];
  private readonly queues = new Map<string, Queue>();
  private readonly listeners = new Set<(delivery: WebhookDelivery) => void>();
  private readonly inflight = new Set<ClientRequest>();
  private idleWaiters: Array<() => void> = [];
  private pending = 0;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Turns a resource change into one delivery per matching subscription of its organisation. */
  handleChange(change: ResourceChange): void {
    if (this.closed) return;
    const { store } = this.options;
    const subscriptions = store.listSubscriptions(change.organizationId).filter((sub) => sub.types.includes(change.type));
    if (subscriptions.length === 0) return;
    const eventId = store.newId();
    const createdAt = store.timestamp();
    const data = webhookData(change.data, change.event);
    for (const subscription of subscriptions) {
      const envelope: WebhookEnvelopeJson = {
        id: eventId,
        subscription_id: subscription.id,
        organization_id: change.organizationId,
        membership_id: subscription.membership_id,
        type: change.type,
        created_at: createdAt,
        data,
      };
      this.enqueue({
        subscriptionId: subscription.id,
        eventId,
        type: change.type,
        body: JSON.stringify(envelope),
        faultsApplied: false,
        duplicate: false,
        done: false,
      });
    }
  }

  /** Resolves once nothing is pending (queued, held, delayed, in flight or waiting for a retry). */
  idle(): Promise<void> {
    if (this.pending === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Calls `listener` after every recorded attempt; returns an unsubscribe function. */
  onDelivered(listener: (delivery: WebhookDelivery) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels queued deliveries and aborts requests in flight. */
  close(): void {
    this.closed = true;
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
    this.queues.clear();
    this.pending = 0;
    this.resolveIdle();
  }

  private enqueue(job: Job): void {
    this.pending += 1;
    let queue = this.queues.get(job.subscriptionId);
    if (!queue) {
      queue = { jobs: [], running: false };
      this.queues.set(job.subscriptionId, queue);
    }
    queue.jobs.push(job);
    void this.drain(queue);
  }

  private async drain(queue: Queue): Promise<void> {
    if (queue.running) return;
    queue.running = true;
    try {
      while (queue.jobs.length > 0 && !this.closed) {
        const job = queue.jobs.shift();
        if (!job) break;
        if (!job.faultsApplied) {
          job.faultsApplied = true;
          const fault = this.options.faults.takeWebhookDeliveryFault();
          job.duplicate = fault.duplicate;
          if (fault.drop) {
            this.options.logger?.info({ eventId: job.eventId, subscriptionId: job.subscriptionId }, 'webhook dropped (fault)');
            this.finish(job);
            continue;
          }
          if (fault.reorder && !queue.held) {
            this.hold(queue, job);
            continue;
          }
        }
        await this.firstAttempt(job);
        const held = queue.held;
        if (held && held !== job) {
          queue.held = undefined;
          this.options.timers.clear(queue.heldTimer);
          await this.firstAttempt(held);
        }
      }
    } finally {
      queue.running = false;
    }
  }

  private hold(queue: Queue, job: Job): void {
    queue.held = job;
    queue.heldTimer = this.options.timers.set(() => {
      if (queue.held !== job) return;
      queue.held = undefined;
      queue.jobs.unshift(job);
      void this.drain(queue);
    }, REORDER_HOLD_MAX_MS);
  }

  private async firstAttempt(job: Job): Promise<void> {
    await this.attempt(job, 1);
    if (job.duplicate && !this.closed) {
      const subscription = this.options.store.subscriptionById(job.subscriptionId);
      if (subscription) {
        const status = await this.post(subscription.callback_url, subscription.secret, job.body);
        this.record(job, 1, status);
      }
    }
  }

  private async attempt(job: Job, attempt: number): Promise<void> {
    const delay = this.options.faults.webhookDelayMs();
    if (delay > 0) await this.options.timers.sleep(delay);
    if (this.closed || job.done) return;
    const subscription = this.options.store.subscriptionById(job.subscriptionId);
    if (!subscription) {
      this.finish(job);
      return;
    }
    const status = this.options.faults.takeWebhookFailure()
      ? 'error'
      : await this.post(subscription.callback_url, subscription.secret, job.body);
    if (this.closed) return;
    this.record(job, attempt, status);
    if (isSuccess(status)) {
      this.finish(job);
      return;
    }
    const retryDelay = this.options.retryDelaysMs[attempt - 1];
    if (retryDelay === undefined) {
      this.options.logger?.warn(
        { eventId: job.eventId, subscriptionId: job.subscriptionId, attempts: attempt },
        'webhook dropped after retries',
      );
      this.finish(job);
      return;
    }
    const timer = this.options.timers.set(() => void this.attempt(job, attempt + 1), retryDelay);
    if (!timer) this.finish(job);
  }

  private record(job: Job, attempt: number, status: number | 'error'): void {
    const delivery: WebhookDelivery = {
      subscriptionId: job.subscriptionId,
      eventId: job.eventId,
      type: job.type,
      attempt,
      status,
      at: Date.now(),
    };
    this.deliveries.push(delivery);
    this.options.logger?.info({ ...delivery }, 'webhook attempt');
    for (const listener of [...this.listeners]) {
      try {
        listener(delivery);
      } catch (error) {
        this.options.logger?.warn({ err: error }, 'webhook listener failed');
      }
    }
  }

  private finish(job: Job): void {
    if (job.done) return;
    job.done = true;
    this.pending = Math.max(0, this.pending - 1);
    if (this.pending === 0) this.resolveIdle();
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private post(url: string, secret: string, body: string): Promise<number | 'error'> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve('error');
        return;
      }
      if (this.closed) {
        resolve('error');
        return;
      }
      const t = Math.floor(this.options.store.now().getTime() / 1000);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const req = send(target, {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
          [SIGNATURE_HEADER]: signatureHeader(secret, t, body),
          'User-Agent': 'qonto-simulator',
        },
      });
      const settle = (status: number | 'error') => {
        if (settled) return;
        settled = true;
        this.options.timers.clear(timer);
        this.inflight.delete(req);
        resolve(status);
      };
      timer = this.options.timers.set(() => {
        req.destroy();
        settle('error');
      }, this.options.timeoutMs);
      this.inflight.add(req);
      req.on('response', (res) => {
        res.resume();
        settle(res.statusCode ?? 'error');
      });
      req.on('error', () => settle('error'));
      req.end(body);
    });
  }
}
