import type { WireClient, WireClientInvoice, WireEinvoicingSettings } from '../qonto/wire.js';

/**
 * Why an invoice cannot be sent by e-invoice now (the `EinvoicingIneligibilityReason` enum). Only
 * SANDBOX_ENVIRONMENT, INVOICE_NOT_FINALIZED, INVOICE_CANCELED and CLIENT_NOT_REACHABLE are emitted
 * (docs/decisions.md#pre-checks); CLIENT_MISSING and EINVOICING_NOT_ACTIVATED stay for compatibility.
 */
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

/**
 * What the gateway cannot check and leaves to Qonto (the `EinvoicingEligibilityUnknown` enum): a
 * send may still succeed or get Qonto's 412 (docs/decisions.md#pre-checks).
 */
export type EligibilityUnknown = 'CLIENT_MISSING' | 'CLIENT_REACHABILITY_UNKNOWN' | 'SENDING_STATUS_UNKNOWN';

/** Every unknown, in the order they are reported. */
export const ELIGIBILITY_UNKNOWNS: readonly EligibilityUnknown[] = [
  'SENDING_STATUS_UNKNOWN',
  'CLIENT_MISSING',
  'CLIENT_REACHABILITY_UNKNOWN',
];

const UNKNOWN_HINTS: Readonly<Record<EligibilityUnknown, string>> = {
  SENDING_STATUS_UNKNOWN: 'E-invoicing sending is not shown as enabled for the organization; Qonto decides when you send.',
  CLIENT_MISSING: "The invoice has no linked client; Qonto may route it from the document's own buyer data.",
  CLIENT_REACHABILITY_UNKNOWN: "The client's e-invoicing reachability is not known; Qonto decides when you send.",
};

/** What eligibility is decided from; every piece is fresh data from Qonto. */
export interface EligibilityInput {
  environment: 'production' | 'sandbox';
  invoice: Pick<WireClientInvoice, 'status'>;
  /** The invoice's current client, or null when it has none (or Qonto no longer knows it). */
  client: Pick<WireClient, 'e_invoicing_reachable'> | null;
  /** E-invoicing settings; null when they could not be read. */
  settings: WireEinvoicingSettings | null;
}

/** The verdict of {@link evaluateEligibility}. */
export interface Eligibility {
  /** False only when a documented fact makes Qonto refuse (the `reasons`). */
  eligible: boolean;
  reasons: IneligibilityReason[];
  /** What only Qonto can decide: a send is still worth trying. */
  unknowns: EligibilityUnknown[];
  /** A sentence for a UI explaining the unknowns; null when there are none. */
  hint: string | null;
}

/**
 * Decides whether an invoice can be sent by e-invoice. `reasons` lists only what Qonto documents
 * as refused (docs/decisions.md#pre-checks), in the order of {@link INELIGIBILITY_REASONS};
 * `unknowns` lists what only Qonto can decide: no linked client, a reachability that is not a
 * boolean, a `sending_status` other than `enabled` or unreadable settings
 * (docs/qonto-facts.md#einvoicing-settings documents no values). An unknown invoice status is
 * neither: Qonto decides.
 */
export function evaluateEligibility(input: EligibilityInput): Eligibility {
  const reasons: IneligibilityReason[] = [];
  const unknowns: EligibilityUnknown[] = [];
  if (input.environment === 'sandbox') reasons.push('SANDBOX_ENVIRONMENT');
  if (input.settings?.sending_status !== 'enabled') unknowns.push('SENDING_STATUS_UNKNOWN');
  if (input.invoice.status === 'draft') reasons.push('INVOICE_NOT_FINALIZED');
  if (input.invoice.status === 'canceled') reasons.push('INVOICE_CANCELED');
  if (!input.client) unknowns.push('CLIENT_MISSING');
  else if (isKnownUnreachable(input.client)) reasons.push('CLIENT_NOT_REACHABLE');
  else if (input.client.e_invoicing_reachable !== true) unknowns.push('CLIENT_REACHABILITY_UNKNOWN');
  const hint = unknowns.length === 0 ? null : unknowns.map((unknown) => UNKNOWN_HINTS[unknown]).join(' ');
  return { eligible: reasons.length === 0, reasons, unknowns, hint };
}

/**
 * True when the client is documented as not reachable: `e_invoicing_reachable` is exactly `false`
 * (docs/qonto-facts.md#client-fields). Null or missing is not known, and left to Qonto.
 */
export function isKnownUnreachable(client: Pick<WireClient, 'e_invoicing_reachable'> | null): boolean {
  return client?.e_invoicing_reachable === false;
}

/** The client id of an invoice: the embedded `client.id`, else a top-level `client_id` (docs/qonto-facts.md#leniency). */
export function invoiceClientId(invoice: Pick<WireClientInvoice, 'client' | 'client_id'>): string | null {
  return invoice.client?.id ?? invoice.client_id ?? null;
}
