import type {
  AddressJson,
  BankAccountJson,
  ClientInvoiceJson,
  ClientJson,
  EmbeddedClientJson,
  InvoiceItemJson,
  MoneyJson,
  OrganizationJson,
  UploadJson,
  WebhookDataJson,
  WebhookEvent,
  WebhookSubscriptionJson,
} from './wire.js';
import { formatCents } from './amounts.js';
import { deriveEinvoicingStatus } from './lifecycle.js';
import type { ClientRecord, InvoiceItemRecord, InvoiceRecord, OrganizationRecord, SubscriptionRecord, UploadRecord } from './types.js';

function money(cents: number, currency: string): MoneyJson {
  return { value: formatCents(cents), currency };
}

function copyAddress(address: AddressJson | null): AddressJson | null {
  return address ? { ...address } : null;
}

/** The displayed name: the company name, or `first_name last_name` for people. */
export function clientDisplayName(client: ClientRecord): string | null {
  if (client.kind === 'company') return client.name;
  const full = [client.first_name, client.last_name].filter((part) => part).join(' ');
  return full === '' ? client.name : full;
}

/** `{client}` payload (docs/qonto-facts.md#client-fields); root address fields mirror `billing_address` (docs/qonto-facts.md#simulator-clients). */
export function toWireClient(client: ClientRecord): ClientJson {
  const billing = client.billing_address;
  return {
    id: client.id,
    kind: client.kind,
    type: client.kind,
    name: clientDisplayName(client),
    first_name: client.first_name,
    last_name: client.last_name,
    email: client.email,
    extra_emails: [...client.extra_emails],
    phone_number: client.phone_number,
    phone: client.phone ? { ...client.phone } : null,
    currency: client.currency,
    locale: client.locale,
    vat_number: client.vat_number,
    tax_identification_number: client.tax_identification_number,
    e_invoicing_address: client.e_invoicing_address,
    e_invoicing_reachable: client.e_invoicing_reachable,
    recipient_code: client.recipient_code,
    address: billing?.street_address ?? null,
    city: billing?.city ?? null,
    zip_code: billing?.zip_code ?? null,
    province_code: billing?.province_code ?? null,
    country_code: billing?.country_code ? billing.country_code.toUpperCase() : null,
    billing_address: copyAddress(billing),
    delivery_address: copyAddress(client.delivery_address),
    created_at: client.created_at,
    updated_at: client.updated_at,
  };
}

/** The client copy embedded in an invoice (docs/qonto-facts.md#invoice-fields). */
export function embeddedClient(client: ClientRecord): EmbeddedClientJson {
  const wire = toWireClient(client);
  return {
    id: wire.id,
    name: wire.name,
    first_name: wire.first_name,
    last_name: wire.last_name,
    type: wire.type,
    email: wire.email,
    vat_number: wire.vat_number,
    tax_identification_number: wire.tax_identification_number,
    address: wire.address,
    city: wire.city,
    zip_code: wire.zip_code,
    province_code: wire.province_code,
    country_code: wire.country_code,
    recipient_code: wire.recipient_code,
    locale: wire.locale,
    billing_address: wire.billing_address,
    delivery_address: wire.delivery_address,
  };
}

function toWireItem(item: InvoiceItemRecord, currency: string): InvoiceItemJson {
  return {
    title: item.title,
    description: item.description,
    quantity: item.quantity,
    unit: item.unit,
    unit_price: money(item.unit_price_cents, currency),
    unit_price_cents: item.unit_price_cents,
    vat_rate: item.vat_rate,
    vat_exemption_reason: item.vat_exemption_reason,
    discount: item.discount
      ? { type: item.discount.type, value: item.discount.value, amount: money(item.discount.amount_cents, currency) }
      : null,
    subtotal: money(item.subtotal_cents, currency),
    subtotal_cents: item.subtotal_cents,
    total_vat: money(item.total_vat_cents, currency),
    total_vat_cents: item.total_vat_cents,
    total_amount: money(item.total_amount_cents, currency),
    total_amount_cents: item.total_amount_cents,
  };
}

/** Options of {@link toWireInvoice}. */
export interface InvoiceViewOptions {
  /** Simulator base URL, for `invoice_url`. */
  baseUrl: string;
  /** Include `einvoicing_lifecycle_events` (single GET) or leave it out (list items, docs/qonto-facts.md#simulator-invoices). */
  withEvents: boolean;
}

/** `{client_invoice}` payload (docs/qonto-facts.md#invoice-fields, docs/qonto-facts.md#simulator-invoices). */
export function toWireInvoice(invoice: InvoiceRecord, options: InvoiceViewOptions): ClientInvoiceJson {
  const currency = invoice.currency ?? 'EUR';
  const wire: ClientInvoiceJson = {
    id: invoice.id,
    organization_id: invoice.organizationId,
    attachment_id: invoice.attachment_id,
    number: invoice.number,
    status: invoice.status,
    purchase_order: invoice.purchase_order,
    invoice_url: `${options.baseUrl}/invoices/${invoice.id}`,
    contact_email: invoice.contact_email,
    terms_and_conditions: invoice.terms_and_conditions,
    discount_conditions: invoice.discount_conditions,
    late_payment_penalties: invoice.late_payment_penalties,
    legal_fixed_compensation: invoice.legal_fixed_compensation,
    header: invoice.header,
    footer: invoice.footer,
    currency: invoice.currency,
    total_amount: invoice.total_amount_cents === null ? null : money(invoice.total_amount_cents, currency),
    total_amount_cents: invoice.total_amount_cents,
    vat_amount: invoice.vat_amount_cents === null ? null : money(invoice.vat_amount_cents, currency),
    vat_amount_cents: invoice.vat_amount_cents,
    issue_date: invoice.issue_date,
    due_date: invoice.due_date,
    performance_date: null,
    performance_start_date: invoice.performance_start_date,
    performance_end_date: invoice.performance_end_date,
    created_at: invoice.created_at,
    updated_at: invoice.updated_at,
    finalized_at: invoice.finalized_at,
    paid_at: invoice.paid_at,
    stamp_duty_amount: null,
    discount: invoice.discount ? { ...invoice.discount } : null,
    items: invoice.items.map((item) => toWireItem(item, currency)),
    client: invoice.client ? structuredClone(invoice.client) : null,
    einvoicing_status: deriveEinvoicingStatus(invoice.events),
  };
  if (options.withEvents) wire.einvoicing_lifecycle_events = invoice.events.map((event) => ({ ...event }));
  return wire;
}

/** `{organization}` payload (docs/qonto-facts.md#organization). */
export function toWireOrganization(org: OrganizationRecord): OrganizationJson {
  return {
    id: org.id,
    slug: org.slug,
    legal_name: org.legal_name,
    legal_number: org.legal_number,
    legal_sector: org.legal_sector,
    legal_registration_date: org.legal_registration_date,
    legal_address: org.legal_address,
    legal_form: org.legal_form,
    legal_country: org.legal_country,
    legal_share_capital: org.legal_share_capital,
    locale: org.locale,
    contract_signed_at: org.contract_signed_at,
    bank_accounts: org.bank_accounts.map(
      (account): BankAccountJson => ({
        slug: account.slug,
        iban: account.iban,
        bic: account.bic,
        currency: account.currency,
        balance: account.balance_cents / 100,
        balance_cents: account.balance_cents,
        authorized_balance: account.authorized_balance_cents / 100,
        authorized_balance_cents: account.authorized_balance_cents,
        name: account.name,
        updated_at: account.updated_at,
        status: account.status,
        main: account.main,
      }),
    ),
  };
}

/** A webhook subscription, unwrapped, `secret` included (docs/qonto-facts.md#simulator-webhook-subscriptions). */
export function toWireSubscription(subscription: SubscriptionRecord): WebhookSubscriptionJson {
  return {
    id: subscription.id,
    organization_id: subscription.organizationId,
    membership_id: subscription.membership_id,
    callback_url: subscription.callback_url,
    types: [...subscription.types],
    description: subscription.description,
    created_at: subscription.created_at,
    updated_at: subscription.updated_at,
    secret: subscription.secret,
  };
}

/** `{client_invoice_upload}` payload (docs/qonto-facts.md#uploads). */
export function toWireUpload(upload: UploadRecord, baseUrl: string): UploadJson {
  return {
    id: upload.id,
    organization_id: upload.organizationId,
    filename: upload.filename,
    content_type: upload.content_type,
    file_size: upload.bytes.length,
    url: `${baseUrl}/uploads/${upload.id}`,
    created_at: upload.created_at,
    updated_at: upload.updated_at,
  };
}

/**
 * Webhook `data` (docs/qonto-facts.md#simulator-webhooks): the resource as the single GET returns it, without `*_cents` fields (at any
 * depth) and without `einvoicing_lifecycle_events`, with `event` first.
 */
export function webhookData(resource: ClientJson | ClientInvoiceJson, event: WebhookEvent): WebhookDataJson {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key.endsWith('_cents') || key === 'einvoicing_lifecycle_events') continue;
      out[key] = strip(inner);
    }
    return out;
  };
  return { event, ...(strip(resource) as Record<string, unknown>), id: resource.id };
}
