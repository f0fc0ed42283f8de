import type { Caller } from '../auth.js';
import { invoiceClientId } from '../domain/eligibility.js';
import { normalizeLifecycleEvents, type LifecycleEvent } from '../domain/lifecycle-events.js';
import { errorMessage } from '../lib/error-message.js';
import { isCredentialRefused, isHttpError, isNotFound } from '../qonto/errors.js';
import type { QontoClient } from '../qonto/client.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import type { Logger } from 'pino';
import type { PollPacer } from './poll-pacer.js';
import { organizationInvoicesTopic, type SignalBus, UNSCOPED_INVOICES_TOPIC } from './signal-bus.js';
import { LogCursor } from './log-cursor.js';
import { SubscriberCount } from './subscriber-count.js';

/** What happened to one invoice of the organisation. */
export type InvoiceFeedKind = 'CREATED' | 'UPDATED' | 'DELETED';

/** One change of one invoice, as the feed tells it. */
export interface InvoiceFeedUpdate {
  kind: InvoiceFeedKind;
  invoiceId: string;
  /** The invoice as Qonto returned it; null when deleted. */
  invoice: WireClientInvoice | null;
  /** The lifecycle events this feed had not seen, in Qonto's order. */
  newLifecycleEvents: LifecycleEvent[];
}

/** What the feeds share with the lifecycle hub that owns them: bus, poll pace and interval, credentials. */
export interface FeedHost {
  readonly bus: SignalBus;
  readonly pacer: PollPacer;
  readonly pollIntervalMs: number;
  readonly maxPollBackoffMs: number;
  readonly logger: Logger | undefined;
  qontoFor(caller: Caller): QontoClient;
}

/** Largest `ids` filter. */
export const MAX_FEED_IDS = 100;

/** Largest number of list pages read for the baseline or one poll (100 invoices each). */
const MAX_LIST_PAGES = 50;

/** What the feed knows of one invoice. */
interface Known {
  /** The fields the schema exposes, except the lifecycle events. */
  signature: string;
  updatedAt: string | null;
  /** Keys of the lifecycle events seen, or null while only the list (which omits them) was read. */
  events: Set<string> | null;
}

/** What a change of the fields the schema exposes looks like (lifecycle events apart). */
function signatureOf(invoice: WireClientInvoice): string {
  return JSON.stringify([
    invoice.status ?? null,
    invoice.paid_at ?? null,
    invoice.einvoicing_status ?? null,
    invoice.total_amount_cents ?? invoice.total_amount?.value ?? null,
    invoice.vat_amount_cents ?? invoice.vat_amount?.value ?? null,
    invoice.amount_paid_cents ?? invoice.amount_paid?.value ?? null,
    invoiceClientId(invoice),
  ]);
}

const eventKeys = (events: readonly LifecycleEvent[]) => {
  const occurrences = new Map<string, number>();
  return events.map((event) => {
    const base = `${event.rawStatusCode}|${event.occurredAt ?? ''}`;
    const nth = (occurrences.get(base) ?? 0) + 1;
    occurrences.set(base, nth);
    return `${base}#${nth}`;
  });
};

/**
 * The organisation feed of one credential, shared by every subscriber with that credential: it
 * learns the credential's organisation once (`GET /v2/organization`), reads the list once as a
 * baseline, then re-fetches an invoice once per signal of that organisation (webhooks carry
 * `organization_id`) or of an invoice it knows (the gateway's own mutations), and polls the list
 * filtered by `updated_at_from` to find what lost webhooks did not say. Its append-only log holds
 * each change once, in order; subscribers hold only a position and their `ids` filter.
 */
class CredentialFeed {
  readonly subscribers = new Set<FeedStream>();
  readonly log: InvoiceFeedUpdate[] = [];
  readonly #known = new Map<string, Known>();
  /** Per invoice: the fetch in flight and whether another signal came during it. */
  readonly #fetching = new Map<string, { again: boolean }>();
  #organizationId: string | null = null;
  /** The largest `updated_at` seen (Qonto's clock): where the next poll starts. */
  #cursor: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Polls failed in a row: the next one waits twice as long each time (up to the hub's maximum). */
  #pollFailures = 0;
  #disposers: Array<() => void> = [];
  #closed = false;

  constructor(
    readonly key: string,
    private readonly hub: FeedHost,
    private readonly qonto: QontoClient,
  ) {}

  /** Learns the organisation, listens to its signals and reads the baseline. */
  async start(): Promise<void> {
    const organization = await this.qonto.getOrganization();
    this.#organizationId = organization.id;
    this.#disposers.push(await this.hub.bus.subscribe(organizationInvoicesTopic(organization.id), (id) => id && this.signal(id)));
    this.#disposers.push(
      await this.hub.bus.subscribe(UNSCOPED_INVOICES_TOPIC, (id) => {
        if (id && this.#known.has(id)) this.signal(id);
      }),
    );
    await this.#list(null, (invoice) => {
      // A signal during the listing may have fetched it already, events included.
      if (!this.#known.has(invoice.id))
        this.#known.set(invoice.id, { signature: signatureOf(invoice), updatedAt: invoice.updated_at ?? null, events: null });
    });
    this.#schedulePoll();
  }

  /** An invoice of this organisation may have changed: re-fetch it (once, after the fetch in flight). */
  signal(invoiceId: string): void {
    if (this.#closed) return;
    const running = this.#fetching.get(invoiceId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.#fetching.set(invoiceId, state);
    void (async () => {
      do {
        state.again = false;
        await this.#refresh(invoiceId);
      } while (state.again && !this.#closed);
      this.#fetching.delete(invoiceId);
    })();
  }

  async #refresh(invoiceId: string): Promise<void> {
    let invoice: WireClientInvoice;
    try {
      invoice = await this.qonto.getClientInvoice(invoiceId);
    } catch (error) {
      if (isNotFound(error) && this.#known.delete(invoiceId)) {
        this.#append({ kind: 'DELETED', invoiceId, invoice: null, newLifecycleEvents: [] });
      } else if (isCredentialRefused(error)) {
        for (const subscriber of [...this.subscribers]) subscriber.end(new Error('These credentials can no longer read this organisation'));
      } else if (!isHttpError(error, 403, 404)) {
        this.hub.logger?.warn({ invoiceId, err: errorMessage(error) }, 'organisation feed refresh failed');
      }
      return;
    }
    if (this.#organizationId && invoice.organization_id && invoice.organization_id !== this.#organizationId) return;
    this.#absorb(invoice);
  }

  #absorb(invoice: WireClientInvoice): void {
    const events = normalizeLifecycleEvents(invoice.id, invoice.einvoicing_lifecycle_events);
    const keys = eventKeys(events);
    const known = this.#known.get(invoice.id);
    const signature = signatureOf(invoice);
    const seen = known?.events;
    const fresh = events.filter((event, i) => {
      if (seen) return !seen.has(keys[i]!);
      // Known from the list only (which omits events): new are those after the listed update.
      if (!known) return true;
      return known.updatedAt !== null && event.occurredAt !== null && Date.parse(event.occurredAt) > Date.parse(known.updatedAt);
    });
    this.#known.set(invoice.id, { signature, updatedAt: invoice.updated_at ?? null, events: new Set(keys) });
    this.#advanceCursor(invoice.updated_at);
    if (!known) this.#append({ kind: 'CREATED', invoiceId: invoice.id, invoice, newLifecycleEvents: fresh });
    else if (fresh.length > 0 || signature !== known.signature) {
      this.#append({ kind: 'UPDATED', invoiceId: invoice.id, invoice, newLifecycleEvents: fresh });
    }
  }

  #append(update: InvoiceFeedUpdate): void {
    this.log.push(update);
    for (const subscriber of this.subscribers) subscriber.wake();
  }

  #advanceCursor(updatedAt: string | null | undefined): void {
    if (updatedAt && (this.#cursor === null || updatedAt > this.#cursor)) this.#cursor = updatedAt;
  }

  /** Reads the list (from `updatedAtFrom` when given), every page up to {@link MAX_LIST_PAGES}. */
  async #list(updatedAtFrom: string | null, each: (invoice: WireClientInvoice) => void): Promise<void> {
    let page: number | null = 1;
    for (let read = 0; page !== null && read < MAX_LIST_PAGES; read++) {
      const { client_invoices: items, meta } = await this.qonto.listClientInvoices({
        page,
        perPage: 100,
        ...(updatedAtFrom ? { filter: { updatedAtFrom } } : {}),
      });
      for (const invoice of items) {
        this.#advanceCursor(invoice.updated_at);
        each(invoice);
      }
      page = items.length > 0 && meta.next_page !== null && meta.next_page > page ? meta.next_page : null;
    }
  }

  /** The reconciliation poll: every invoice updated since the cursor and not seen so is re-fetched. */
  async #poll(): Promise<void> {
    const changed: string[] = [];
    await this.#list(this.#cursor, (invoice) => {
      const known = this.#known.get(invoice.id);
      if (!known || known.updatedAt !== (invoice.updated_at ?? null)) changed.push(invoice.id);
    });
    for (const id of changed) this.signal(id);
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    const base = this.hub.pollIntervalMs;
    const delay = this.#pollFailures === 0 ? base : Math.min(base * 2 ** this.#pollFailures, this.hub.maxPollBackoffMs);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.hub.pacer.request(this, () => {
        void this.#poll()
          .then(
            () => (this.#pollFailures = 0),
            (error: unknown) => {
              this.#pollFailures++;
              this.hub.logger?.warn({ err: errorMessage(error) }, 'organisation feed poll failed');
            },
          )
          .finally(() => this.#schedulePoll());
      });
    }, delay);
    this.#timer.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.hub.pacer.cancel(this);
    for (const dispose of this.#disposers.splice(0)) dispose();
  }
}

/** One subscriber: a position in its feed's log and an optional set of invoice ids. */
class FeedStream extends LogCursor<InvoiceFeedUpdate> {
  constructor(
    private readonly feed: CredentialFeed,
    private readonly ids: ReadonlySet<string> | null,
    private readonly onEnd: (stream: FeedStream) => void,
  ) {
    super(feed.log.length);
  }

  protected ended(): void {
    this.onEnd(this);
  }

  protected take(): IteratorResult<InvoiceFeedUpdate> | null {
    for (;;) {
      const update = this.feed.log[this.position];
      if (!update) return null;
      this.position++;
      if (!this.ids || this.ids.has(update.invoiceId)) return { value: update, done: false };
    }
  }
}

/** Every organisation feed of the process, one per credential (owned by the lifecycle hub). */
export class OrganizationFeeds {
  readonly #feeds = new Map<string, CredentialFeed>();
  readonly #starting = new Map<string, Promise<CredentialFeed>>();
  readonly #subscribers = new SubscriberCount();

  constructor(private readonly hub: FeedHost) {}

  /** Subscribes to the caller's organisation feed, every invoice or only `ids`. */
  async subscribe(caller: Caller, ids: readonly string[] | null): Promise<AsyncIterableIterator<InvoiceFeedUpdate>> {
    const feed = await this.#feed(caller);
    const stream = new FeedStream(feed, ids ? new Set(ids) : null, (ended) => {
      if (feed.subscribers.delete(ended)) this.#subscribers.decrement();
      this.#release(feed);
    });
    feed.subscribers.add(stream);
    this.#subscribers.increment();
    return stream;
  }

  #feed(caller: Caller): Promise<CredentialFeed> {
    const existing = this.#feeds.get(caller.key);
    if (existing) return Promise.resolve(existing);
    let starting = this.#starting.get(caller.key);
    if (!starting) {
      const feed = new CredentialFeed(caller.key, this.hub, this.hub.qontoFor(caller));
      starting = feed.start().then(
        () => {
          this.#feeds.set(feed.key, feed);
          return feed;
        },
        (error: unknown) => {
          feed.close();
          throw error;
        },
      );
      starting.finally(() => this.#starting.delete(caller.key)).catch(() => undefined);
      this.#starting.set(caller.key, starting);
    }
    return starting;
  }

  #release(feed: CredentialFeed): void {
    if (feed.subscribers.size > 0 || this.#feeds.get(feed.key) !== feed) return;
    this.#feeds.delete(feed.key);
    feed.close();
  }

  /** Resolves once at least `count` feed subscribers are live (tests). */
  whenSubscribers(count: number): Promise<void> {
    return this.#subscribers.atLeast(count);
  }

  stats(): { feeds: number; subscribers: number } {
    return { feeds: this.#feeds.size, subscribers: this.#subscribers.value };
  }

  close(): void {
    for (const feed of [...this.#feeds.values()]) {
      for (const subscriber of [...feed.subscribers]) subscriber.end(null);
      feed.close();
    }
    this.#feeds.clear();
  }
}
