import type { GatewayContext } from '../context.js';
import { evaluateEligibility, invoiceClientId, type Eligibility } from '../domain/eligibility.js';
import { isHttpError } from '../qonto/errors.js';
import type { WireClientInvoice, WireEinvoicingSettings } from '../qonto/wire.js';
import { builder } from './builder.js';

/** `EinvoicingIneligibilityReason`: why Qonto would refuse to send by e-invoice now (docs/decisions.md#pre-checks). */
export const EinvoicingIneligibilityReason = builder.enumType('EinvoicingIneligibilityReason', {
  values: {
    CLIENT_MISSING: {
      description: 'Never emitted now: an invoice without a client goes to Qonto (see EinvoicingEligibilityUnknown.CLIENT_MISSING).',
      deprecationReason: 'Not a documented refusal: reported in `unknowns` instead.',
    },
    CLIENT_NOT_REACHABLE: {
      description: "The client's e_invoicing_reachable is false: send by email instead.",
    },
    INVOICE_NOT_FINALIZED: { description: 'The invoice is a draft: finalize it first.' },
    INVOICE_CANCELED: { description: 'The invoice is canceled.' },
    SANDBOX_ENVIRONMENT: { description: "Qonto's sandbox has no e-invoicing network." },
    EINVOICING_NOT_ACTIVATED: {
      description:
        'Never emitted now: Qonto documents no sending_status value meaning "not activated" (see EinvoicingEligibilityUnknown.SENDING_STATUS_UNKNOWN).',
      deprecationReason: 'Not a documented refusal: reported in `unknowns` instead.',
    },
  },
});

/** `EinvoicingEligibilityUnknown`: what only Qonto can decide; a send is still worth trying. */
export const EinvoicingEligibilityUnknown = builder.enumType('EinvoicingEligibilityUnknown', {
  values: {
    CLIENT_MISSING: { description: "The invoice has no linked client; Qonto may route it from the document's own buyer data." },
    CLIENT_REACHABILITY_UNKNOWN: { description: "The client's e_invoicing_reachable is null or missing." },
    SENDING_STATUS_UNKNOWN: {
      description: "The organization's sending_status is not `enabled`, or the settings could not be read.",
    },
  },
});

/** `EinvoicingEligibility`: what `sendInvoiceByEinvoice` would refuse without calling Qonto, and what it leaves to Qonto. */
export const EinvoicingEligibility = builder.objectRef<Eligibility>('EinvoicingEligibility').implement({
  description: 'Whether sending by e-invoice can work now: `eligible` is false only for refusals Qonto documents.',
  fields: (t) => ({
    eligible: t.exposeBoolean('eligible', {
      description: 'False only when `reasons` is not empty: a send button can stay enabled otherwise.',
    }),
    reasons: t.field({
      type: [EinvoicingIneligibilityReason],
      description: 'Documented refusals; sendInvoiceByEinvoice answers them without calling Qonto.',
      resolve: (e) => e.reasons,
    }),
    unknowns: t.field({
      type: [EinvoicingEligibilityUnknown],
      description: 'What the gateway cannot check: the send goes to Qonto, which accepts it or answers EinvoicingPreconditionFailedError.',
      resolve: (e) => e.unknowns,
    }),
    hint: t.exposeString('hint', {
      nullable: true,
      description: 'A sentence explaining the unknowns, for a UI; null when there are none.',
    }),
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
 * its current client and the organization's settings (docs/decisions.md#pre-checks).
 */
export async function decideEligibility(ctx: GatewayContext, invoice: WireClientInvoice) {
  const clientId = invoiceClientId(invoice);
  const [client, settings] = await Promise.all([clientId ? ctx.loaders.client.load(clientId) : null, readSettings(ctx)]);
  return { client, eligibility: evaluateEligibility({ environment: ctx.environment, invoice, client, settings }) };
}
