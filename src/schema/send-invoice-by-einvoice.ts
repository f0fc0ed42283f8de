import type { GatewayContext } from '../context.js';
import { invoiceClientId } from '../domain/eligibility.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import { QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import { decideEligibility } from './einvoicing-eligibility.js';
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

const hasBeenSubmitted = (invoice: WireClientInvoice) =>
  (invoice.einvoicing_lifecycle_events?.length ?? 0) > 0 || invoice.einvoicing_status != null;

/**
 * Sends an invoice by e-invoice after checking, on fresh data, what Qonto would refuse: unknown
 * invoice, draft or canceled invoice, client not reachable, sandbox, e-invoicing not activated.
 * A failed check makes no POST. Concurrent sends of one invoice with one credential share a POST.
 */
export async function sendInvoiceByEinvoice(ctx: GatewayContext, id: string): Promise<SendByEinvoiceOutcome> {
  const qonto = ctx.qonto();
  const invoice = await loadFreshInvoice(ctx, id);
  if (!invoice) throw new NotFoundError(id);
  if (invoice.status === 'draft') throw new InvalidInvoiceStateError(invoice.status, 'A draft cannot be sent: finalize it first');
  if (invoice.status === 'canceled') throw new InvalidInvoiceStateError(invoice.status, 'A canceled invoice cannot be sent');
  if (hasBeenSubmitted(invoice)) return { invoice, alreadySubmitted: true };

  const clientId = invoiceClientId(invoice);
  if (clientId) ctx.loaders.client.clear(clientId);
  const { client, eligibility } = await decideEligibility(ctx, invoice);
  if (eligibility.reasons.includes('CLIENT_MISSING') || eligibility.reasons.includes('CLIENT_NOT_REACHABLE')) {
    throw new ClientNotReachableError(client);
  }
  if (eligibility.reasons.includes('SANDBOX_ENVIRONMENT')) throw new EinvoicingUnavailableInSandboxError();
  if (eligibility.reasons.includes('EINVOICING_NOT_ACTIVATED')) {
    throw new EinvoicingPreconditionFailedError('einvoicing_not_activated', 'E-invoicing is not activated for this organization', null);
  }

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
      'Sends a finalized invoice through the French e-invoicing network. Checks eligibility first (no call to Qonto when a check fails); errors are data.',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    errors: { types: SEND_BY_EINVOICE_ERRORS, union: { name: 'SendInvoiceByEinvoiceResult' }, directResult: true },
    resolve: (_, { id }, ctx) => sendInvoiceByEinvoice(ctx, qontoIdArgument(id, 'id')),
  }),
);
