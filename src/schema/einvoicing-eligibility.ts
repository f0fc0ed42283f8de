import type { GatewayContext } from '../context.js';
import { evaluateEligibility, invoiceClientId, type Eligibility } from '../domain/eligibility.js';
import { isHttpError } from '../qonto/errors.js';
import type { WireClientInvoice, WireEinvoicingSettings } from '../qonto/wire.js';
import { builder } from './builder.js';

/** `EinvoicingIneligibilityReason`: why sending by e-invoice is not possible now. */
export const EinvoicingIneligibilityReason = builder.enumType('EinvoicingIneligibilityReason', {
  values: {
    CLIENT_MISSING: { description: 'The invoice has no client Qonto knows.' },
    CLIENT_NOT_REACHABLE: { description: 'The client is not reachable on the e-invoicing network: send by email instead.' },
    INVOICE_NOT_FINALIZED: { description: 'The invoice is a draft: finalize it first.' },
    INVOICE_CANCELED: { description: 'The invoice is canceled.' },
    SANDBOX_ENVIRONMENT: { description: "Qonto's sandbox has no e-invoicing network." },
    EINVOICING_NOT_ACTIVATED: { description: 'E-invoicing is not activated for the organization.' },
  },
});

/** `EinvoicingEligibility`: the same checks `sendInvoiceByEinvoice` runs, without sending. */
export const EinvoicingEligibility = builder.objectRef<Eligibility>('EinvoicingEligibility').implement({
  fields: (t) => ({
    eligible: t.exposeBoolean('eligible'),
    reasons: t.field({ type: [EinvoicingIneligibilityReason], resolve: (e) => e.reasons }),
  }),
});

async function readSettings(ctx: GatewayContext): Promise<WireEinvoicingSettings | null> {
  try {
    return await ctx.loaders.einvoicingSettings();
  } catch (error) {
    if (isHttpError(error, 403, 404)) return null;
    throw error;
  }
}

/**
 * Decides e-invoicing eligibility for an invoice from the request's loaders (fresh per request):
 * its current client and the organization's settings. The one place both the
 * `einvoicingEligibility` field and the `sendInvoiceByEinvoice` pre-checks decide from.
 */
export async function decideEligibility(ctx: GatewayContext, invoice: WireClientInvoice) {
  const clientId = invoiceClientId(invoice);
  const [client, settings] = await Promise.all([clientId ? ctx.loaders.client.load(clientId) : null, readSettings(ctx)]);
  return { client, eligibility: evaluateEligibility({ environment: ctx.environment, invoice, client, settings }) };
}
