import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { resolveCaller, type Caller } from './auth.js';
import type { GatewayConfig } from './config.js';
import { gatewayError, unauthenticated } from './graphql/errors.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { QontoClient } from './qonto/client.js';
import type { QontoTransport } from './qonto/transport.js';
import type { LifecycleHub } from './lifecycle/hub.js';
import type { SingleFlight } from './lib/single-flight.js';
import type { CredentialReads, QontoReadCache } from './cache/read-cache.js';
import type { WireClientInvoice } from './qonto/wire.js';

/** Process-wide services the per-request context is built from. */
export interface GatewayServices {
  config: GatewayConfig;
  transport: QontoTransport;
  logger: Logger;
  /** In-flight e-invoice sends, keyed by credential and invoice: concurrent sends share one POST. */
  einvoiceSends: SingleFlight<WireClientInvoice>;
  /** Live lifecycle subscriptions; told when the gateway itself changes an invoice. */
  lifecycle: LifecycleHub;
  /** Qonto reads kept per credential (`QONTO_CACHE_TTL_MS`); absent when the cache is off. */
  readCache?: QontoReadCache | undefined;
}

/** The context of one GraphQL operation (HTTP request or WebSocket subscribe). */
export interface GatewayContext {
  requestId: string;
  environment: 'production' | 'sandbox';
  /** Null for an anonymous caller (introspection only). */
  caller: Caller | null;
  /**
   * The caller's Qonto client; throws UNAUTHENTICATED for an anonymous caller. It may make
   * `config.qonto.maxCallsPerOperation` calls; later ones fail with UPSTREAM_CALL_BUDGET_EXCEEDED.
   */
  qonto(): QontoClient;
  /**
   * Per-operation loaders; a subscription replaces them before each update (no stale cache).
   * Replacing them also gives `qonto()` a new client with a fresh call budget, so that the budget
   * covers one operation, or one subscription update.
   */
  loaders: Loaders;
  services: GatewayServices;
}

/**
 * Builds a per-operation context from the presented `Authorization` value. A value refused by
 * static auth throws UNAUTHENTICATED (HTTP 401); a missing one defers the error to the first
 * field that needs Qonto, so introspection and GraphiQL work without credentials.
 */
export function createContext(
  services: GatewayServices,
  presentedAuthorization: string | null | undefined,
  requestId: string = randomUUID(),
): GatewayContext {
  const resolution = resolveCaller(presentedAuthorization, services.config.qonto.auth);
  if (!resolution.ok) throw gatewayError(resolution.message, 'UNAUTHENTICATED', { status: 401 });
  const { caller } = resolution;
  let client: QontoClient | undefined;
  const qonto = (): QontoClient => {
    if (!caller) throw unauthenticated();
    client ??= services.transport.forAuthorization(caller.upstreamAuthorization, {
      maxCalls: services.config.qonto.maxCallsPerOperation,
    });
    return client;
  };
  let reads: CredentialReads | undefined;
  const cachedReads = (): CredentialReads | undefined => {
    if (!caller || !services.readCache) return undefined;
    reads ??= services.readCache.forCredential(caller.key);
    return reads;
  };
  let loaders = createLoaders(qonto, cachedReads);
  return {
    requestId,
    environment: services.config.qonto.environment,
    caller,
    qonto,
    get loaders() {
      return loaders;
    },
    set loaders(next: Loaders) {
      loaders = next;
      client = undefined;
    },
    services,
  };
}
