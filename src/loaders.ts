import DataLoader from 'dataloader';
import type { CredentialReads } from './cache/read-cache.js';
import { isNotFound } from './qonto/errors.js';
import type { QontoClient } from './qonto/client.js';
import type { WireAttachment, WireClient, WireClientInvoice, WireEinvoicingSettings, WireOrganization } from './qonto/wire.js';

/** Per-request loaders: never shared between callers or requests. */
export interface Loaders {
  /** Current clients by id; null when Qonto says 404. */
  readonly client: DataLoader<string, WireClient | null>;
  /** Invoice details (with lifecycle events) by id; null when Qonto says 404. */
  readonly invoice: DataLoader<string, WireClientInvoice | null>;
  /** Attachments (an invoice's PDF) by id, one GET per distinct id; null when Qonto says 404. */
  readonly attachment: DataLoader<string, WireAttachment | null>;
  /** E-invoicing settings, fetched at most once per request. */
  einvoicingSettings(): Promise<WireEinvoicingSettings>;
  /** The caller's organization (`GET /v2/organization`), fetched at most once per request. */
  organization(): Promise<WireOrganization>;
  /**
   * Drops the caller's cached copy of an invoice (process cache, not this request's loader): the
   * next load of it goes to Qonto. For reads a mutation decides on.
   */
  forgetCachedInvoice(id: string): void;
  /** Drops the caller's cached copy of a client: the next load of it goes to Qonto. */
  forgetCachedClient(id: string): void;
}

/** Loads each key with its own GET (Qonto has no batch endpoint); a 404 is null, not an error. */
function loaderOf<T>(fetchOne: (id: string) => Promise<T>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>((ids) =>
    Promise.all(
      ids.map((id) =>
        fetchOne(id).then(
          (value) => value,
          (error: unknown) => (isNotFound(error) ? null : error instanceof Error ? error : new Error(String(error))),
        ),
      ),
    ),
  );
}

/**
 * Creates the loaders of one request, bound to the caller's Qonto client. Each loader is built on
 * first use: most operations need one of them, and a subscription renews them before every update.
 * With `reads` (the process read cache, seen by the caller's credential), invoice, client,
 * settings and organization GETs go through it; the loaders still dedupe within the request.
 */
export function createLoaders(qonto: () => QontoClient, reads?: () => CredentialReads | undefined): Loaders {
  let client: Loaders['client'] | undefined;
  let invoice: Loaders['invoice'] | undefined;
  let attachment: Loaders['attachment'] | undefined;
  let settings: Promise<WireEinvoicingSettings> | undefined;
  let organization: Promise<WireOrganization> | undefined;
  return {
    get client() {
      client ??= loaderOf((id) => {
        const cache = reads?.();
        return cache ? cache.client(id, () => qonto().getClient(id)) : qonto().getClient(id);
      });
      return client;
    },
    get invoice() {
      invoice ??= loaderOf((id) => {
        const cache = reads?.();
        return cache ? cache.invoice(id, () => qonto().getClientInvoice(id)) : qonto().getClientInvoice(id);
      });
      return invoice;
    },
    get attachment() {
      attachment ??= loaderOf((id) => qonto().getAttachment(id));
      return attachment;
    },
    einvoicingSettings() {
      const cache = reads?.();
      settings ??= cache ? cache.einvoicingSettings(() => qonto().getEinvoicingSettings()) : qonto().getEinvoicingSettings();
      return settings;
    },
    organization() {
      const cache = reads?.();
      organization ??= cache ? cache.organization(() => qonto().getOrganization()) : qonto().getOrganization();
      return organization;
    },
    forgetCachedInvoice(id) {
      reads?.()?.forgetInvoice(id);
    },
    forgetCachedClient(id) {
      reads?.()?.forgetClient(id);
    },
  };
}
