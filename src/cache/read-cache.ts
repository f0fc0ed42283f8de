import { LRUCache } from 'lru-cache';
import { clientTopic, invoiceTopic, type SignalBus } from '../lifecycle/signal-bus.js';
import type { WireClient, WireClientInvoice, WireEinvoicingSettings, WireOrganization } from '../qonto/wire.js';

/** What the cache holds: Qonto's single-resource GETs made by the loaders. */
export type CachedKind = 'invoice' | 'client' | 'settings' | 'organization';

/** Options of {@link QontoReadCache}. */
export interface ReadCacheOptions {
  /** Longest age of any entry (`QONTO_CACHE_TTL_MS`), more than 0. */
  ttlMs: number;
  /** Longest age of an invoice on its way through the network (`LIFECYCLE_POLL_INTERVAL_MS`). */
  inProgressTtlMs: number;
  /** Invoice and client signals (webhooks, the gateway's own changes) drop entries, on every replica. */
  bus: SignalBus;
  /** Entries kept at most, default 10 000. */
  maxEntries?: number;
  /** Approximate bytes kept at most (JSON length of the values), default 32 MiB. */
  maxBytes?: number;
  /** Milliseconds clock, default `Date.now`. */
  now?: () => number;
  /** Told of each lookup (metrics). */
  onLookup?: (kind: CachedKind, hit: boolean) => void;
}

/** The cached reads of one credential. */
export interface CredentialReads {
  invoice(id: string, fetch: () => Promise<WireClientInvoice>): Promise<WireClientInvoice>;
  client(id: string, fetch: () => Promise<WireClient>): Promise<WireClient>;
  einvoicingSettings(fetch: () => Promise<WireEinvoicingSettings>): Promise<WireEinvoicingSettings>;
  organization(fetch: () => Promise<WireOrganization>): Promise<WireOrganization>;
  /** Drops this credential's entry of an invoice (a read that must come from Qonto). */
  forgetInvoice(id: string): void;
  /** Drops this credential's entry of a client (a read that must come from Qonto). */
  forgetClient(id: string): void;
}

interface Entry {
  value: unknown;
  storedAt: number;
  maxAgeMs: number;
  /** The signal topic that drops it, when there is one. */
  topic: string | undefined;
}

/** The bus listener of one invoice or client, alive while it has entries or reads in flight. */
interface TopicWatch {
  disposer: Promise<() => void>;
  keys: Set<string>;
  /** Reads in flight that may store under this topic. */
  pending: number;
  /** Bumped by each signal: a read that started before a signal does not store its answer. */
  generation: number;
}

/** Lifecycle codes after which nothing more is expected (docs/qonto-facts.md#lifecycle-codes). */
const TERMINAL_CODES = new Set([210, 212, 213, 220, 221]);
const IN_PROGRESS_STATUSES = new Set(['pending', 'submitted']);

/**
 * True for an invoice on its way through the e-invoicing network: status pending or submitted, or
 * lifecycle events whose last one is not terminal. Such an invoice is never served older than the
 * lifecycle poll interval.
 */
export function isInProgress(invoice: WireClientInvoice): boolean {
  if (invoice.einvoicing_status && IN_PROGRESS_STATUSES.has(invoice.einvoicing_status)) return true;
  const events = invoice.einvoicing_lifecycle_events;
  if (!Array.isArray(events) || events.length === 0) return false;
  const last = events[events.length - 1];
  return !TERMINAL_CODES.has(Number(last?.status_code));
}

/**
 * A process-wide LRU (bounded in entries and bytes) of Qonto reads, keyed by credential (the
 * SHA-256 key of its `Authorization` value): an entry is only ever served to the credential that
 * fetched it. Entries expire after `ttlMs`; an invoice still in progress after `inProgressTtlMs`.
 * Every invoice or client signal on the bus drops that resource's entries for every credential;
 * the bus carries signals to the other replicas with Redis, so a webhook or a mutation on one
 * replica reaches every replica's cache. A read that started before a signal does not store its
 * answer. Errors (404 included) are never cached. While the bus is unhealthy (Redis away), reads go
 * to Qonto and nothing is stored.
 */
export class QontoReadCache {
  readonly #lru: LRUCache<string, Entry>;
  readonly #topics = new Map<string, TopicWatch>();
  readonly #bus: SignalBus;
  readonly #ttlMs: number;
  readonly #inProgressTtlMs: number;
  readonly #now: () => number;
  readonly #onLookup: ReadCacheOptions['onLookup'];
  readonly #maxEntryBytes: number;
  #closed = false;

  constructor(options: ReadCacheOptions) {
    if (!(options.ttlMs > 0)) throw new RangeError('QontoReadCache needs a positive ttlMs');
    this.#bus = options.bus;
    this.#ttlMs = options.ttlMs;
    this.#inProgressTtlMs = Math.min(options.ttlMs, options.inProgressTtlMs);
    this.#now = options.now ?? Date.now;
    this.#onLookup = options.onLookup;
    const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.#maxEntryBytes = Math.max(1, Math.floor(maxBytes / 4));
    this.#lru = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 10_000,
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => Math.max(1, key.length + sizeOf(entry.value)),
      dispose: (entry, key) => this.#detach(entry.topic, key),
    });
  }

  /** Entries held now. */
  get size(): number {
    return this.#lru.size;
  }

  /** Invoices and clients with a bus listener now (leak checks). */
  get watchedTopics(): number {
    return this.#topics.size;
  }

  /** The reads of one credential, by its SHA-256 key. */
  forCredential(credentialKey: string): CredentialReads {
    const key = (kind: CachedKind, id: string) => `${credentialKey}\u0000${kind}\u0000${id}`;
    return {
      invoice: (id, fetch) =>
        this.#read(key('invoice', id), 'invoice', invoiceTopic(id), fetch, (invoice) =>
          isInProgress(invoice) ? this.#inProgressTtlMs : this.#ttlMs,
        ),
      client: (id, fetch) => this.#read(key('client', id), 'client', clientTopic(id), fetch),
      einvoicingSettings: (fetch) => this.#read(key('settings', ''), 'settings', undefined, fetch),
      organization: (fetch) => this.#read(key('organization', ''), 'organization', undefined, fetch),
      forgetInvoice: (id) => void this.#lru.delete(key('invoice', id)),
      forgetClient: (id) => void this.#lru.delete(key('client', id)),
    };
  }

  /**
   * Drops every entry: when the bus's health changes (Redis lost or back), signals may have been
   * missed, so nothing cached before can be trusted.
   */
  clear(): void {
    this.#lru.clear();
  }

  /** Drops every entry and bus listener (shutdown). */
  close(): void {
    this.#closed = true;
    this.#lru.clear();
    for (const topic of [...this.#topics.keys()]) this.#release(topic, true);
  }

  async #read<T>(
    key: string,
    kind: CachedKind,
    topic: string | undefined,
    fetch: () => Promise<T>,
    maxAgeOf: (value: T) => number = () => this.#ttlMs,
  ): Promise<T> {
    const entry = this.#lru.get(key);
    if (entry && this.#now() - entry.storedAt < entry.maxAgeMs) {
      this.#onLookup?.(kind, true);
      return entry.value as T;
    }
    if (entry) this.#lru.delete(key);
    this.#onLookup?.(kind, false);
    // Signals may not reach this replica while the bus is unhealthy (Redis away): read through.
    if (this.#closed || !this.#bus.healthy()) return fetch();
    if (topic === undefined) {
      const value = await fetch();
      this.#store(key, value, maxAgeOf(value), undefined);
      return value;
    }
    const watch = this.#watch(topic);
    watch.pending++;
    try {
      // Listening before fetching: a signal sent during the fetch is not missed.
      await watch.disposer;
      const generation = watch.generation;
      const value = await fetch();
      if (watch.generation === generation && this.#topics.get(topic) === watch) this.#store(key, value, maxAgeOf(value), topic);
      return value;
    } finally {
      watch.pending--;
      this.#releaseIfIdle(topic, watch);
    }
  }

  #store(key: string, value: unknown, maxAgeMs: number, topic: string | undefined): void {
    if (this.#closed || !this.#bus.healthy() || sizeOf(value) > this.#maxEntryBytes) return;
    this.#lru.set(key, { value, storedAt: this.#now(), maxAgeMs, topic });
    if (topic && this.#lru.has(key)) this.#topics.get(topic)?.keys.add(key);
  }

  #watch(topic: string): TopicWatch {
    let watch = this.#topics.get(topic);
    if (!watch) {
      const created: TopicWatch = { disposer: Promise.resolve(() => undefined), keys: new Set(), pending: 0, generation: 0 };
      created.disposer = this.#bus.subscribe(topic, () => this.#signal(topic, created));
      this.#topics.set(topic, created);
      watch = created;
    }
    return watch;
  }

  #signal(topic: string, watch: TopicWatch): void {
    watch.generation++;
    for (const key of [...watch.keys]) this.#lru.delete(key);
    this.#releaseIfIdle(topic, watch);
  }

  #detach(topic: string | undefined, key: string): void {
    if (!topic) return;
    const watch = this.#topics.get(topic);
    if (!watch) return;
    watch.keys.delete(key);
    this.#releaseIfIdle(topic, watch);
  }

  #releaseIfIdle(topic: string, watch: TopicWatch): void {
    if (watch.pending === 0 && watch.keys.size === 0 && this.#topics.get(topic) === watch) this.#release(topic, false);
  }

  #release(topic: string, closing: boolean): void {
    const watch = this.#topics.get(topic);
    if (!watch || (!closing && (watch.pending > 0 || watch.keys.size > 0))) return;
    this.#topics.delete(topic);
    watch.keys.clear();
    void watch.disposer.then((dispose) => dispose());
  }
}

function sizeOf(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 1;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}
