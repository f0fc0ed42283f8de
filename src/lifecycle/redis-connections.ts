import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Options of {@link RedisConnections}. */
export interface RedisConnectionsOptions {
  /** Receives one line per state change: `redis unavailable: …` (warn), `redis available again` (info). */
  logger?: Logger;
  /** A command not answered within this time fails and its caller falls back, default 500 ms. */
  commandTimeoutMs?: number;
  /** A connection attempt that takes longer fails, default 2000 ms. */
  connectTimeoutMs?: number;
  /**
   * A connection that receives nothing this long after a command was written is dropped (and
   * reconnected), so a Redis that hangs counts as down, default 5000 ms.
   */
  socketTimeoutMs?: number;
  /** Longest wait between reconnection attempts (they start at 50 ms and double), default 2000 ms. */
  maxReconnectDelayMs?: number;
}

/** Where the Redis connections stand as a whole. */
export type RedisState = 'connecting' | 'up' | 'down';

/** Statuses of an ioredis client that mean a connection attempt is under way. */
export const CONNECTING_STATUSES: ReadonlySet<string> = new Set(['wait', 'connecting', 'connect']);

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  return error.message || (typeof code === 'string' ? code : '') || error.name;
}

/**
 * The gateway's Redis connections (signal bus, webhook de-duplication), built to fail fast and
 * degrade rather than fail: commands are never queued while disconnected (`enableOfflineQueue:
 * false`, no retry of a command) and time out quickly, so callers fall back to in-process
 * behaviour at once; every client has an `error` listener, so ioredis never reports an unhandled
 * error event; reconnection goes on in the background for as long as the process runs.
 *
 * The connections share one state: `up` once every client is ready, `down` from the first
 * connection error or loss until every client is ready again. Each change is logged once
 * (`redis unavailable: <reason>` at warn, `redis available again` at info) and reported to
 * {@link RedisConnections.onChange} listeners (readiness, a `redis_up` gauge).
 */
export class RedisConnections {
  readonly #url: string;
  readonly #logger: Logger | undefined;
  readonly #options: Required<Omit<RedisConnectionsOptions, 'logger'>>;
  readonly #clients = new Set<Redis>();
  readonly #listeners = new Set<(up: boolean) => void>();
  #state: RedisState = 'connecting';
  #closed = false;

  constructor(url: string, options: RedisConnectionsOptions = {}) {
    this.#url = url;
    this.#logger = options.logger;
    this.#options = {
      commandTimeoutMs: options.commandTimeoutMs ?? 500,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      socketTimeoutMs: options.socketTimeoutMs ?? 5000,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 2000,
    };
  }

  /** How long a command may take before its caller falls back. */
  get commandTimeoutMs(): number {
    return this.#options.commandTimeoutMs;
  }

  /**
   * A new client (named `qonto-gw:<role>` in `CLIENT LIST`), connecting now, watched for the
   * shared state. Closed by {@link RedisConnections.close}. No automatic re-subscription: a
   * subscriber re-subscribes its channels on `ready` (see the Redis signal bus).
   */
  client(role: string): Redis {
    if (this.#closed) throw new Error('RedisConnections is closed');
    const { commandTimeoutMs, connectTimeoutMs, socketTimeoutMs, maxReconnectDelayMs } = this.#options;
    const client = new Redis(this.#url, {
      connectionName: `qonto-gw:${role}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      commandTimeout: commandTimeoutMs,
      connectTimeout: connectTimeoutMs,
      socketTimeout: socketTimeoutMs,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt - 1, 10), maxReconnectDelayMs),
    });
    this.#clients.add(client);
    client.on('error', (error: unknown) => this.#lost(describe(error)));
    client.on('close', () => this.#lost('connection closed'));
    client.on('ready', () => this.#readyIfAll());
    return client;
  }

  /** True while every connection is up: signals reach the other replicas, de-duplication is shared. */
  healthy(): boolean {
    return this.#state === 'up';
  }

  /** The shared state: `connecting` until the first success or failure. */
  get state(): RedisState {
    return this.#state;
  }

  /** Calls `listener` at each change between up and down; returns a function that stops it. */
  onChange(listener: (up: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes every client (QUIT when connected, else drop the socket and stop reconnecting). */
  async close(): Promise<void> {
    this.#closed = true;
    const clients = [...this.#clients];
    this.#clients.clear();
    await Promise.all(
      clients.map((client) =>
        client.status === 'ready'
          ? client.quit().then(
              () => undefined,
              () => client.disconnect(),
            )
          : client.disconnect(),
      ),
    );
  }

  #lost(reason: string): void {
    if (this.#closed || this.#state === 'down') return;
    this.#state = 'down';
    this.#logger?.warn(
      { reason },
      `redis unavailable: ${reason}; signals stay in this process and webhooks are de-duplicated in memory until it returns`,
    );
    this.#notify(false);
  }

  #readyIfAll(): void {
    if (this.#closed || this.#state === 'up') return;
    for (const client of this.#clients) if (client.status !== 'ready') return;
    const recovered = this.#state === 'down';
    this.#state = 'up';
    this.#logger?.info(recovered ? 'redis available again' : 'redis connected');
    this.#notify(true);
  }

  #notify(up: boolean): void {
    for (const listener of [...this.#listeners]) listener(up);
  }
}
