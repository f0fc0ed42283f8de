import { computeLine, parseCents, parseDecimal } from './amounts.js';
import { uuidv7 } from './ids.js';
import { embeddedClient } from './representation.js';
import type { SimulatorStore } from './store.js';
import type { InvoiceItemRecord, InvoiceRecord } from './types.js';

/** A validated invoice line as read from a body (docs/qonto-facts.md#simulator-invoices). */
export interface ItemInput {
  title: string;
  description: string | null;
  quantity: string;
  unit: string | null;
  unitPrice: string;
  vatRate: string;
  vatExemptionReason: string | null;
  discount: { type: 'percentage' | 'absolute'; value: string } | null;
}

/** Computes one stored line (docs/qonto-facts.md#simulator-invoices). Inputs must already be valid decimals. */
export function buildItem(input: ItemInput): InvoiceItemRecord {
  const quantity = parseDecimal(input.quantity);
  const unitPriceCents = parseCents(input.unitPrice);
  const vatRate = parseDecimal(input.vatRate);
  if (!quantity || unitPriceCents === null || !vatRate) throw new Error('buildItem: invalid decimals');
  const amounts = computeLine(quantity, unitPriceCents, vatRate, input.discount);
  return {
    title: input.title,
    description: input.description,
    quantity: input.quantity,
    unit: input.unit,
    unit_price_cents: unitPriceCents,
    vat_rate: input.vatRate,
    vat_exemption_reason: input.vatExemptionReason,
    discount: input.discount && amounts.discountCents !== null ? { ...input.discount, amount_cents: amounts.discountCents } : null,
    subtotal_cents: amounts.subtotalCents,
    total_vat_cents: amounts.vatCents,
    total_amount_cents: amounts.totalCents,
  };
}

/** Sets the invoice totals to the sums of its lines (docs/qonto-facts.md#simulator-invoices). */
export function applyTotals(invoice: InvoiceRecord): void {
  invoice.total_amount_cents = invoice.items.reduce((sum, item) => sum + item.total_amount_cents, 0);
  invoice.vat_amount_cents = invoice.items.reduce((sum, item) => sum + item.total_vat_cents, 0);
}

const NUMBER_PATTERN = /^INV-(\d{4})-(\d{3,})$/;

/** The next `INV-<YYYY>-<NNN>` of the organisation for that year (docs/qonto-facts.md#simulator-invoices; one sequence per year from 001). */
export function nextInvoiceNumber(store: SimulatorStore, organizationId: string, year: number): string {
  let highest = 0;
  for (const invoice of store.invoiceRecords(organizationId)) {
    const match = invoice.number ? NUMBER_PATTERN.exec(invoice.number) : null;
    if (match && Number(match[1]) === year) highest = Math.max(highest, Number(match[2]));
  }
  return `INV-${year}-${String(highest + 1).padStart(3, '0')}`;
}

/** Refreshes the embedded client copy of a draft from the current client (docs/qonto-facts.md#simulator-invoices). */
export function refreshClientCopy(store: SimulatorStore, invoice: InvoiceRecord): void {
  if (!invoice.clientId) return;
  const client = store.clientRecord(invoice.organizationId, invoice.clientId);
  if (client) invoice.client = embeddedClient(client);
}

/**
 * Finalizes a draft (docs/qonto-facts.md#invoice-status-transitions, docs/qonto-facts.md#simulator-invoices): status `unpaid`, number assigned when still null (year of
 * the finalization time), `finalized_at`, a new `attachment_id`, client copy frozen.
 */
export function finalizeInvoice(store: SimulatorStore, invoice: InvoiceRecord): void {
  const now = store.now();
  refreshClientCopy(store, invoice);
  invoice.status = 'unpaid';
  invoice.number ??= nextInvoiceNumber(store, invoice.organizationId, now.getUTCFullYear());
  invoice.finalized_at = store.timestamp();
  invoice.attachment_id = uuidv7(now.getTime());
  invoice.updated_at = invoice.finalized_at;
}
