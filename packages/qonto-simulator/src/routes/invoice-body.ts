import { parseCents, parseDecimal } from '../amounts.js';
import { isRecord } from '../http.js';
import type { ItemInput } from '../invoice-logic.js';
import type { SimulatorStore } from '../store.js';
import type { ClientRecord, OrganizationRecord } from '../types.js';
import { BodyValidator, type NestedValidator } from '../validation.js';

/** The invoice fields a create or PATCH body may set (docs/qonto-facts.md#simulator-invoices); absent keys are undefined. */
export interface InvoiceChanges {
  client?: ClientRecord;
  issue_date?: string;
  due_date?: string;
  status?: 'draft' | 'unpaid';
  performance_start_date?: string | null;
  performance_end_date?: string | null;
  number?: string | null;
  purchase_order?: string | null;
  terms_and_conditions?: string;
  header?: string | null;
  footer?: string | null;
  currency?: string;
  payment_iban?: string;
  upload_id?: string | null;
  discount_conditions?: string | null;
  late_payment_penalties?: string | null;
  legal_fixed_compensation?: string | null;
  items?: ItemInput[];
  discount?: { type: 'percentage' | 'absolute'; value: string } | null;
}

const DISCOUNT_TYPES = ['percentage', 'absolute'] as const;

/** Accepts the flat body and the `{"client_invoice": {...}}` wrapper (docs/qonto-facts.md#simulator-invoices). */
export function unwrapInvoiceBody(body: Record<string, unknown>): Record<string, unknown> {
  const wrapped = body['client_invoice'];
  return isRecord(wrapped) ? wrapped : body;
}

function decimalText(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : null;
}

function readDiscount(
  v: NestedValidator | BodyValidator,
  key: string,
  field: string,
): { type: 'percentage' | 'absolute'; value: string } | null | undefined {
  const raw = v.object(key, { field });
  if (raw === undefined || raw === null) return raw;
  const nested = v.nested(raw, field);
  const type = nested.oneOf('type', DISCOUNT_TYPES, { required: true });
  const value = decimalText(raw['value']);
  if (value === null) {
    nested.blank(nested.field('value'));
    return undefined;
  }
  const decimal = parseDecimal(value);
  const ok =
    type === 'percentage'
      ? decimal !== null && decimal.numerator >= 0n && decimal.numerator <= 10n ** BigInt(decimal.scale)
      : parseCents(value) !== null && !value.startsWith('-');
  if (!ok) {
    nested.invalid(
      nested.field('value'),
      type === 'percentage' ? 'discount value must be a fraction between 0 and 1' : 'discount value must be an amount',
    );
    return undefined;
  }
  return type ? { type, value } : undefined;
}

function readItems(v: BodyValidator, required: boolean): ItemInput[] | undefined {
  if (!v.has('items') || v.raw('items') === null) {
    if (required || v.has('items')) v.blank('items', 'items must contain at least one line');
    return undefined;
  }
  const raw = v.raw('items');
  if (!Array.isArray(raw) || raw.length === 0) {
    v.blank('items', 'items must contain at least one line');
    return undefined;
  }
  const items: ItemInput[] = [];
  raw.forEach((entry, index) => {
    const prefix = `items/${index}`;
    if (!isRecord(entry)) {
      v.invalid(prefix, `${prefix} must be an object`);
      return;
    }
    const item = v.nested(entry, prefix);
    const title = item.string('title', { required: true, max: 250 });
    const quantity = decimalText(entry['quantity']);
    const quantityDecimal = quantity ? parseDecimal(quantity) : null;
    if (quantity === null || quantity === '') item.blank(item.field('quantity'));
    else if (!quantityDecimal || quantityDecimal.numerator <= 0n)
      item.invalid(item.field('quantity'), 'quantity must be a positive decimal');
    const unitPrice = item.object('unit_price', { required: true });
    let unitPriceValue: string | null = null;
    if (unitPrice) {
      const price = item.nested(unitPrice, item.field('unit_price'));
      unitPriceValue = decimalText(unitPrice['value']);
      if (unitPriceValue === null || unitPriceValue === '') price.blank(price.field('value'));
      else if (parseCents(unitPriceValue) === null)
        price.invalid(price.field('value'), 'unit_price value must be an amount with at most 2 decimals');
      const currency = price.string('currency');
      if (currency && currency !== 'EUR') price.notInList(price.field('currency'), ['EUR']);
    }
    const vatRate = decimalText(entry['vat_rate']);
    const vatDecimal = vatRate ? parseDecimal(vatRate) : null;
    if (vatRate === null || vatRate === '') item.blank(item.field('vat_rate'));
    else if (!vatDecimal || vatDecimal.numerator < 0n || vatDecimal.numerator > 10n ** BigInt(vatDecimal.scale)) {
      item.invalid(item.field('vat_rate'), 'vat_rate must be a fraction between 0 and 1');
    }
    const discount = readDiscount(item, 'discount', item.field('discount'));
    const description = item.string('description', { max: 2000 });
    const unit = item.string('unit', { max: 50 });
    const exemption = item.string('vat_exemption_reason', { max: 100 });
    if (title && quantityDecimal && quantityDecimal.numerator > 0n && unitPriceValue && parseCents(unitPriceValue) !== null && vatDecimal) {
      items.push({
        title,
        description: description ?? null,
        quantity: quantity ?? '',
        unit: unit ?? null,
        unitPrice: unitPriceValue,
        vatRate: vatRate ?? '',
        vatExemptionReason: exemption ?? null,
        discount: discount ?? null,
      });
    }
  });
  return items.length === raw.length ? items : undefined;
}

function normalizeIban(value: string): string {
  return value.replace(/\s/g, '').toUpperCase();
}

/**
 * Validates a create (`creating`) or PATCH body (docs/qonto-facts.md#simulator-invoices). Returns the changes; throws a 422 with every
 * problem found.
 */
export function readInvoiceChanges(
  store: SimulatorStore,
  org: OrganizationRecord,
  rawBody: Record<string, unknown>,
  creating: boolean,
): InvoiceChanges {
  const body = unwrapInvoiceBody(rawBody);
  const v = new BodyValidator(body);
  const changes: InvoiceChanges = {};
  const required = { required: creating };

  const clientId = v.string('client_id', required);
  if (clientId === null && !creating) v.blank('client_id');
  if (clientId) {
    const client = store.clientRecord(org.id, clientId);
    if (!client) v.invalid('client_id', 'client_id does not reference a client of the organization');
    else {
      if (!client.currency) v.invalid('currency', 'the client has no currency');
      if (!client.locale || !client.billing_address?.street_address)
        v.invalid('client_id', 'the client needs a currency, a locale and an address before it can be invoiced');
      changes.client = client;
    }
  }
  for (const key of ['issue_date', 'due_date'] as const) {
    const value = v.date(key, required);
    if (value === null && !creating) v.blank(key);
    if (value) changes[key] = value;
  }
  if (creating) {
    const status = v.oneOf('status', ['draft', 'unpaid'] as const);
    if (status) changes.status = status;
  }
  for (const key of ['performance_start_date', 'performance_end_date'] as const) {
    const value = v.date(key);
    if (value !== undefined) changes[key] = value;
  }
  for (const [key, max] of [
    ['number', 40],
    ['purchase_order', 100],
    ['header', 2000],
    ['footer', 2000],
  ] as const) {
    const value = v.string(key, { max });
    if (value !== undefined) changes[key] = value;
  }
  const terms = v.string('terms_and_conditions', { ...required, max: 10_000 });
  if (terms === null && !creating) v.blank('terms_and_conditions');
  if (terms) changes.terms_and_conditions = terms;
  const currency = v.string('currency', required);
  if (currency === null && !creating) v.blank('currency');
  if (currency && currency !== 'EUR') v.notInList('currency', ['EUR']);
  else if (currency) changes.currency = currency;

  const paymentMethods = v.object('payment_methods', { required: creating, field: 'payment_methods/iban' });
  if (paymentMethods === null && !creating) v.blank('payment_methods/iban');
  if (paymentMethods) {
    const nested = v.nested(paymentMethods, 'payment_methods');
    const iban = nested.string('iban', { required: true });
    if (iban) {
      const normalized = normalizeIban(iban);
      if (!org.bank_accounts.some((account) => normalizeIban(account.iban) === normalized)) {
        nested.invalid(nested.field('iban'), 'iban must be the IBAN of one of the organization bank accounts');
      } else changes.payment_iban = normalized;
    }
  }
  const uploadId = v.string('upload_id');
  if (uploadId && !store.getUpload(org.id, uploadId)) v.invalid('upload_id', 'upload_id does not reference an upload');
  else if (uploadId !== undefined) changes.upload_id = uploadId;

  const settings = v.object('settings');
  if (settings) {
    const nested = v.nested(settings, 'settings');
    for (const key of ['discount_conditions', 'late_payment_penalties', 'legal_fixed_compensation'] as const) {
      const value = nested.string(key, { max: 2000 });
      if (value !== undefined) changes[key] = value;
    }
  }
  const items = readItems(v, creating);
  if (items) changes.items = items;
  const discount = readDiscount(v, 'discount', 'discount');
  if (discount !== undefined) changes.discount = discount;
  v.throwIfErrors();
  return changes;
}
