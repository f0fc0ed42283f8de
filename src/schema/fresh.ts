import type { GatewayContext } from '../context.js';
import type { WireClientInvoice } from '../qonto/wire.js';

/**
 * Loads an invoice from Qonto now, dropping whatever the request's loader and the caller's read
 * cache hold for it (a
 * mutation must decide on fresh data, and later fields must see the result). Null on 404.
 */
export function loadFreshInvoice(ctx: GatewayContext, id: string): Promise<WireClientInvoice | null> {
  ctx.loaders.forgetCachedInvoice(id);
  return ctx.loaders.invoice.clear(id).load(id);
}

/**
 * Puts an invoice Qonto just returned into the request's loader for the fields that follow; an
 * answer without lifecycle events only evicts the stale entry, so the detail is fetched if needed.
 */
export function primeInvoice(ctx: GatewayContext, invoice: WireClientInvoice): WireClientInvoice {
  const loader = ctx.loaders.invoice.clear(invoice.id);
  if (Array.isArray(invoice.einvoicing_lifecycle_events)) loader.prime(invoice.id, invoice);
  return invoice;
}
