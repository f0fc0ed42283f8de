import type { WireClient, WireClientInvoice, WireEinvoicingSettings } from '../qonto/wire.js';

/** Why an invoice cannot be sent by e-invoice now (the `EinvoicingIneligibilityReason` enum). */
export type IneligibilityReason =
  | 'CLIENT_MISSING'
  | 'CLIENT_NOT_REACHABLE'
  | 'INVOICE_NOT_FINALIZED'
  | 'INVOICE_CANCELED'
  | 'SANDBOX_ENVIRONMENT'
  | 'EINVOICING_NOT_ACTIVATED';

/** Every reason, in the order they are reported. */
export const INELIGIBILITY_REASONS: readonly IneligibilityReason[] = [
  'SANDBOX_ENVIRONMENT',
  'EINVOICING_NOT_ACTIVATED',
  'INVOICE_NOT_FINALIZED',
  'INVOICE_CANCELED',
  'CLIENT_MISSING',
  'CLIENT_NOT_REACHABLE',
];

/** What eligibility is decided from; every piece is fresh data from Qonto. */
export interface EligibilityInput {
  environment: 'production' | 'sandbox';
  invoice: Pick<WireClientInvoice, 'status'>;
  /** The invoice's current client, or null when it has none (or Qonto no longer knows it). */
  client: Pick<WireClient, 'e_invoicing_reachable'> | null;
  /** E-invoicing settings; null when they could not be read (not treated as a reason). */
  settings: WireEinvoicingSettings | null;
}

/** The verdict of {@link evaluateEligibility}. */
export interface Eligibility {
  eligible: boolean;
  reasons: IneligibilityReason[];
}

/**
 * Decides whether an invoice can be sent by e-invoice, listing every reason it cannot, in the
 * order of {@link INELIGIBILITY_REASONS}. One module serves both `einvoicingEligibility` and the
 * pre-checks of `sendInvoiceByEinvoice`. An unknown invoice status is not a reason: Qonto decides.
 */
export function evaluateEligibility(input: EligibilityInput): Eligibility {
  const reasons: IneligibilityReason[] = [];
  if (input.environment === 'sandbox') reasons.push('SANDBOX_ENVIRONMENT');
  if (input.settings && input.settings.sending_status != null && input.settings.sending_status !== 'enabled') {
    reasons.push('EINVOICING_NOT_ACTIVATED');
  }
  if (input.invoice.status === 'draft') reasons.push('INVOICE_NOT_FINALIZED');
  if (input.invoice.status === 'canceled') reasons.push('INVOICE_CANCELED');
  if (!input.client) reasons.push('CLIENT_MISSING');
  else if (input.client.e_invoicing_reachable !== true) reasons.push('CLIENT_NOT_REACHABLE');
  return { eligible: reasons.length === 0, reasons };
}

/** The client id of an invoice: the embedded `client.id`, else a top-level `client_id` (docs/qonto-facts.md#leniency). */
export function invoiceClientId(invoice: Pick<WireClientInvoice, 'client' | 'client_id'>): string | null {
  return invoice.client?.id ?? invoice.client_id ?? null;
}
