import type { GatewayContext } from '../context.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import { QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import { InvalidInvoiceStateError, NotFoundError, ValidationError } from './errors.js';
import { primeInvoice } from './fresh.js';
import { toErrorMember, type ErrorMemberClass } from './qonto-error-members.js';

/** Today's date in Paris, where Qonto's invoice dates live. */
export function todayInParis(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

const MARK_ERRORS = [NotFoundError, InvalidInvoiceStateError, ValidationError];
const UNMARK_ERRORS = [NotFoundError, InvalidInvoiceStateError];

async function invoiceAction(
  ctx: GatewayContext,
  id: string,
  action: () => Promise<WireClientInvoice>,
  members: readonly ErrorMemberClass[],
  refusal: string,
): Promise<{ invoice: WireClientInvoice }> {
  let invoice: WireClientInvoice;
  try {
    invoice = await action();
  } catch (error) {
    throw await toErrorMember(error, { ctx, members, invoiceId: id, fields: { paid_at: 'paidAt' }, invalidState: refusal });
  }
  ctx.services.lifecycle.invoiceChanged(id);
  return { invoice: primeInvoice(ctx, invoice) };
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
    errors: { types: MARK_ERRORS, union: { name: 'MarkClientInvoiceAsPaidResult' }, directResult: true },
    resolve: (_, { id: rawId, paidAt }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      if (paidAt && paidAt > todayInParis()) throw new ValidationError('paidAt', 'paidAt cannot be in the future');
      const qonto = ctx.qonto();
      return invoiceAction(
        ctx,
        id,
        () => qonto.markClientInvoiceAsPaid(id, { paidAt: paidAt ?? undefined }),
        MARK_ERRORS,
        'Only an unpaid or paid invoice can be marked as paid',
      );
    },
  }),
  unmarkClientInvoiceAsPaid: t.field({
    type: UnmarkClientInvoiceAsPaidSuccess,
    description: 'paid → unpaid (clears paidAt).',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    errors: { types: UNMARK_ERRORS, union: { name: 'UnmarkClientInvoiceAsPaidResult' }, directResult: true },
    resolve: (_, { id: rawId }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      const qonto = ctx.qonto();
      return invoiceAction(
        ctx,
        id,
        () => qonto.unmarkClientInvoiceAsPaid(id),
        UNMARK_ERRORS,
        'Only a paid invoice can be unmarked as paid',
      );
    },
  }),
}));
