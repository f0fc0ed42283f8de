import type { GatewayContext } from '../context.js';
import { invoiceClientId, isKnownUnreachable } from '../domain/eligibility.js';
import { isOnItsWay } from '../domain/submission.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import { QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import {
  ClientNotReachableError,
  EinvoicingPreconditionFailedError,
  EinvoicingUnavailableInSandboxError,
  InvalidInvoiceStateError,
  NotFoundError,
} from './errors.js';
import { loadFreshInvoice, primeInvoice } from './fresh.js';
import { toErrorMember } from './qonto-error-members.js';

/** What a successful send returns. */
export interface SendByEinvoiceOutcome {
  invoice: WireClientInvoice;
  /** True when the invoice had already been submitted: nothing was sent again. */
  alreadySubmitted: boolean;
}

const SendInvoiceByEinvoiceSuccess = builder.objectRef<SendByEinvoiceOutcome>('SendInvoiceByEinvoiceSuccess').implement({
  description: 'Qonto accepted the invoice for the e-invoicing network (delivery is asynchronous: watch clientInvoiceLifecycle).',
  fields: (t) => ({
    invoice: t.field({ type: ClientInvoice, resolve: (r) => r.invoice }),
    alreadySubmitted: t.exposeBoolean('alreadySubmitted', {
      description: 'True when it had been submitted before: Qonto did not submit it again.',
    }),
  }),
});

const SEND_BY_EINVOICE_ERRORS = [
  NotFoundError,
  InvalidInvoiceStateError,
  ClientNotReachableError,
  EinvoicingUnavailableInSandboxError,
  EinvoicingPreconditionFailedError,
];

/**
 * Sends an invoice by e-invoice. On fresh data it refuses without calling Qonto only on documented
 * grounds (docs/decisions.md#pre-checks): unknown invoice, sandbox, draft or canceled invoice, a
 * client whose `e_invoicing_reachable` is `false`; an invoice already on its way answers
 * `alreadySubmitted` without a POST. Everything else (no client, unknown reachability, any
 * `sending_status`, a resend after a failed submission) is Qonto's to decide: its 204 is success
 * and its 412 an `EinvoicingPreconditionFailedError`. Concurrent sends of one invoice with one
 * credential share a POST.
 */
export async function sendInvoiceByEinvoice(ctx: GatewayContext, id: string): Promise<SendByEinvoiceOutcome> {
  const qonto = ctx.qonto();
  const invoice = await loadFreshInvoice(ctx, id);
  if (!invoice) throw new NotFoundError(id);
  if (ctx.environment === 'sandbox') throw new EinvoicingUnavailableInSandboxError();
  if (invoice.status === 'draft') throw new InvalidInvoiceStateError(invoice.status, 'A draft cannot be sent: finalize it first');
  if (invoice.status === 'canceled') throw new InvalidInvoiceStateError(invoice.status, 'A canceled invoice cannot be sent');
  if (isOnItsWay(invoice.id, invoice.einvoicing_lifecycle_events)) return { invoice, alreadySubmitted: true };

  const clientId = invoiceClientId(invoice);
  if (clientId) ctx.loaders.forgetCachedClient(clientId);
  const client = clientId ? await ctx.loaders.client.clear(clientId).load(clientId) : null;
  if (isKnownUnreachable(client)) throw new ClientNotReachableError(client);

  const key = `${ctx.caller?.key ?? ''}:${id}`;
  const sent = await ctx.services.einvoiceSends.run(key, async () => {
    try {
      await qonto.sendClientInvoiceByEinvoice(id);
    } catch (error) {
      throw await toErrorMember(error, { ctx, members: SEND_BY_EINVOICE_ERRORS, invoiceId: id });
    }
    ctx.services.lifecycle.invoiceChanged(id);
    return qonto.getClientInvoice(id);
  });
  return { invoice: primeInvoice(ctx, sent), alreadySubmitted: false };
}

builder.mutationField('sendInvoiceByEinvoice', (t) =>
  t.field({
    type: SendInvoiceByEinvoiceSuccess,
    description:
      'Sends a finalized invoice through the French e-invoicing network. Refuses without calling Qonto only on documented grounds (sandbox, draft or canceled invoice, client not reachable; already on its way: alreadySubmitted); anything else goes to Qonto. Errors are data.',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    errors: { types: SEND_BY_EINVOICE_ERRORS, union: { name: 'SendInvoiceByEinvoiceResult' }, directResult: true },
    resolve: (_, { id }, ctx) => sendInvoiceByEinvoice(ctx, qontoIdArgument(id, 'id')),
  }),
);
