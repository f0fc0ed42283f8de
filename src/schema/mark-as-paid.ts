import type { GatewayContext } from '../context.js';
import { isQontoError } from '../qonto/errors.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import { QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import { InvalidInvoiceStateError, NotFoundError, ValidationError } from './errors.js';
import { loadFreshInvoice, primeInvoice } from './fresh.js';

/** Today's date in Paris, where Qonto's invoice dates live. */
export function todayInParis(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

async function invoiceAction(
  ctx: GatewayContext,
  id: string,
  action: () => Promise<WireClientInvoice>,
  refusal: string,
): Promise<{ invoice: WireClientInvoice }> {
  try {
    return { invoice: primeInvoice(ctx, await action()) };
  } catch (error) {
    if (!isQontoError(error) || error.kind !== 'http') throw error;
    if (error.status === 404) throw new NotFoundError(id);
    if (error.status === 422) {
      if (error.source?.pointer?.endsWith('/paid_at')) throw new ValidationError('paidAt', error.detail ?? 'Invalid payment date');
      const current = await loadFreshInvoice(ctx, id);
      if (!current) throw new NotFoundError(id);
      throw new InvalidInvoiceStateError(current.status, error.detail ?? refusal);
    }
    throw error;
  }
}

const MarkClientInvoiceAsPaidSuccess = builder.objectRef<{ invoice: WireClientInvoice }>('MarkClientInvoiceAsPaidSuccess').implement({
  fields: (t) => ({ invoice: t.field({ type: ClientInvoice, resolve: (r) => r.invoice }) }),
});
const UnmarkClientInvoiceAsPaidSuccess = builder.objectRef<{ invoice: WireClientInvoice }>('UnmarkClientInvoiceAsPaidSuccess').implement({
  fields: (t) => ({ invoice: t.field({ type: ClientInvoice, resolve: (r) => r.invoice }) }),
});

builder.mutationFields((t) => ({
  markClientInvoiceAsPaid: t.field({
    type: MarkClientInvoiceAsPaidSuccess,
    description: 'unpaid → paid (on a paid invoice, updates paidAt). paidAt defaults to today and cannot be in the future.',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }), paidAt: t.arg({ type: 'Date' }) },
    errors: { types: [NotFoundError, InvalidInvoiceStateError, ValidationError], union: { name: 'MarkClientInvoiceAsPaidResult' }, directResult: true },
    resolve: (_, { id: rawId, paidAt }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      if (paidAt && paidAt > todayInParis()) throw new ValidationError('paidAt', 'paidAt cannot be in the future');
      const qonto = ctx.qonto();
      return invoiceAction(ctx, id, () => qonto.markClientInvoiceAsPaid(id, { paidAt: paidAt ?? undefined }), 'Only an unpaid or paid invoice can be marked as paid');
    },
  }),
  unmarkClientInvoiceAsPaid: t.field({
    type: UnmarkClientInvoiceAsPaidSuccess,
    description: 'paid → unpaid (clears paidAt).',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    errors: { types: [NotFoundError, InvalidInvoiceStateError], union: { name: 'UnmarkClientInvoiceAsPaidResult' }, directResult: true },
    resolve: (_, { id: rawId }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      const qonto = ctx.qonto();
      return invoiceAction(ctx, id, () => qonto.unmarkClientInvoiceAsPaid(id), 'Only a paid invoice can be unmarked as paid');
    },
  }),
}));
