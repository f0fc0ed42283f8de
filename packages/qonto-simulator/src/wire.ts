/**
 * The JSON the simulator sends, restated from Qonto's documentation as summarised in
 * docs/qonto-facts.md (repository root). These are the simulator's own types: they describe the one
 * variant the simulator emits (every key present, `null` where there is no value), not the lenient
 * shapes a client of Qonto has to accept (docs/qonto-facts.md#leniency). They must never be
 * imported from the gateway, so that a wrong assumption on one side shows up as a failing test on
 * the other.
 */

/** Webhook type of client invoice changes (docs/qonto-facts.md#webhook-types). */
export const CLIENT_INVOICES_WEBHOOK_TYPE = 'v1/client-invoices';
/** Webhook type of client changes (docs/qonto-facts.md#webhook-types). */
export const CLIENTS_WEBHOOK_TYPE = 'v1/clients';

/** An amount: a decimal string and its currency, e.g. `{ "value": "12.52", "currency": "EUR" }` (docs/qonto-facts.md#conventions). */
export interface MoneyJson {
  value: string;
  currency: string;
}

/** Client kinds (docs/qonto-facts.md#client-fields); `freelancer` only for Italian organizations. */
export type ClientKind = 'company' | 'individual' | 'freelancer';

/** Invoice statuses (docs/qonto-facts.md#client-invoices). */
export type InvoiceStatus = 'draft' | 'unpaid' | 'paid' | 'canceled';

/** `einvoicing_status` values the simulator sends (docs/qonto-facts.md#simulator-einvoicing-status-and-settings). */
export type EinvoicingStatus = 'pending' | 'submitted' | 'submission_failed' | 'approved' | 'not_delivered' | 'declined';

/** A postal address as nested in `billing_address` / `delivery_address` (docs/qonto-facts.md#client-fields). */
export interface AddressJson {
  street_address: string | null;
  city: string | null;
  zip_code: string | null;
  province_code: string | null;
  country_code: string | null;
}

/**
 * A client, as `GET /v2/clients/{id}` returns it under `client` (docs/qonto-facts.md#client-fields,
 * docs/qonto-facts.md#simulator-clients): `kind` and `type` carry the same value, the deprecated root
 * address fields mirror `billing_address`, `e_invoicing_reachable` is never `null`.
 */
export interface ClientJson {
  id: string;
  kind: ClientKind;
  type: ClientKind;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  extra_emails: string[];
  phone_number: string | null;
  phone: { country_code: string | null; number: string | null } | null;
  currency: string | null;
  locale: string | null;
  vat_number: string | null;
  tax_identification_number: string | null;
  e_invoicing_address: string | null;
  e_invoicing_reachable: boolean;
  recipient_code: string | null;
  address: string | null;
  city: string | null;
  zip_code: string | null;
  province_code: string | null;
  country_code: string | null;
  billing_address: AddressJson | null;
  delivery_address: AddressJson | null;
  created_at: string;
  updated_at: string;
}

/** The copy of the client embedded in an invoice: no `kind` and no `e_invoicing_*` fields (docs/qonto-facts.md#invoice-fields). */
export interface EmbeddedClientJson {
  id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  type: ClientKind;
  email: string | null;
  vat_number: string | null;
  tax_identification_number: string | null;
  address: string | null;
  city: string | null;
  zip_code: string | null;
  province_code: string | null;
  country_code: string | null;
  recipient_code: string | null;
  locale: string | null;
  billing_address: AddressJson | null;
  delivery_address: AddressJson | null;
}

/** A discount as written in a body and echoed on the invoice (docs/qonto-facts.md#invoice-create-and-update-body). */
export interface DiscountJson {
  type: 'percentage' | 'absolute';
  value: string;
}

/** One invoice line with its computed amounts, each with a `*_cents` sibling (docs/qonto-facts.md#invoice-fields). */
export interface InvoiceItemJson {
  title: string;
  description: string | null;
  quantity: string;
  unit: string | null;
  unit_price: MoneyJson;
  unit_price_cents: number;
  vat_rate: string;
  vat_exemption_reason: string | null;
  discount: (DiscountJson & { amount: MoneyJson }) | null;
  subtotal: MoneyJson;
  subtotal_cents: number;
  total_vat: MoneyJson;
  total_vat_cents: number;
  total_amount: MoneyJson;
  total_amount_cents: number;
}

/**
 * One e-invoicing lifecycle event, oldest first in the array; `status_code` is always a string
 * (docs/qonto-facts.md#lifecycle-events, docs/qonto-facts.md#simulator-e-invoicing-network).
 */
export interface LifecycleEventJson {
  status_code: string;
  timestamp: string;
  reason: string | null;
  reason_message: string | null;
}

/**
 * A client invoice, as `GET /v2/client_invoices/{id}` returns it under `client_invoice`
 * (docs/qonto-facts.md#invoice-fields, docs/qonto-facts.md#simulator-invoices). List items leave out
 * `einvoicing_lifecycle_events`.
 */
export interface ClientInvoiceJson {
  id: string;
  organization_id: string;
  attachment_id: string | null;
  number: string | null;
  status: InvoiceStatus;
  purchase_order: string | null;
  invoice_url: string;
  contact_email: string | null;
  terms_and_conditions: string | null;
  discount_conditions: string | null;
  late_payment_penalties: string | null;
  legal_fixed_compensation: string | null;
  header: string | null;
  footer: string | null;
  currency: string | null;
  total_amount: MoneyJson | null;
  total_amount_cents: number | null;
  vat_amount: MoneyJson | null;
  vat_amount_cents: number | null;
  issue_date: string | null;
  due_date: string | null;
  /** Italy-only; always `null` here. */
  performance_date: null;
  performance_start_date: string | null;
  performance_end_date: string | null;
  created_at: string;
  updated_at: string;
  finalized_at: string | null;
  paid_at: string | null;
  /** Italy-only; always `null` here. */
  stamp_duty_amount: null;
  discount: DiscountJson | null;
  items: InvoiceItemJson[];
  client: EmbeddedClientJson | null;
  einvoicing_status: EinvoicingStatus | null;
  /** Only on the single-invoice GET. */
  einvoicing_lifecycle_events?: LifecycleEventJson[];
}

/** `meta` of every list (docs/qonto-facts.md#pagination). */
export interface PaginationMeta {
  current_page: number;
  next_page: number | null;
  prev_page: number | null;
  total_pages: number;
  total_count: number;
  per_page: number;
}

/** One bank account of the organization (docs/qonto-facts.md#organization). */
export interface BankAccountJson {
  slug: string;
  iban: string;
  bic: string;
  currency: string;
  balance: number;
  balance_cents: number;
  authorized_balance: number;
  authorized_balance_cents: number;
  name: string;
  updated_at: string;
  status: string;
  main: boolean;
}

/** The organization, as `GET /v2/organization` returns it under `organization` (docs/qonto-facts.md#organization). */
export interface OrganizationJson {
  id: string;
  slug: string;
  legal_name: string;
  legal_number: string;
  legal_sector: string;
  legal_registration_date: string;
  legal_address: string;
  legal_form: string;
  legal_country: string;
  legal_share_capital: number;
  locale: string;
  contract_signed_at: string;
  bank_accounts: BankAccountJson[];
}

/** `GET /v2/einvoicing/settings`, unwrapped (docs/qonto-facts.md#einvoicing-settings). */
export interface EinvoicingSettingsJson {
  /** `enabled` or `disabled`, or whatever string a test seeded (docs/qonto-facts.md#simulator-einvoicing-status-and-settings). */
  sending_status: string;
  receiving_status: 'enabled' | 'disabled' | 'pending_creation' | 'pending_deletion';
}

/** A webhook subscription, unwrapped, `secret` included (docs/qonto-facts.md#webhook-subscriptions). */
export interface WebhookSubscriptionJson {
  id: string;
  organization_id: string;
  membership_id: string;
  callback_url: string;
  types: string[];
  description: string | null;
  created_at: string;
  updated_at: string;
  secret: string;
}

/** An upload, under `client_invoice_upload` (docs/qonto-facts.md#uploads). */
export interface UploadJson {
  id: string;
  organization_id: string;
  filename: string;
  content_type: string;
  file_size: number;
  url: string;
  created_at: string;
  updated_at: string;
}

/** `GET /v2/attachments/{id}`, inside `{"attachment": …}` (docs/qonto-facts.md#attachments, docs/qonto-facts.md#simulator-attachments). */
export interface AttachmentJson {
  id: string;
  file_name: string;
  file_size: number;
  file_content_type: string;
  url: string;
  created_at: string;
}

/** One entry of the bulk import answer (docs/qonto-facts.md#bulk-import). */
export interface BulkImportEntryJson {
  invoice_id: string;
  file_name: string;
}

/** `GET /v2/clients` */
export interface ClientListJson {
  clients: ClientJson[];
  meta: PaginationMeta;
}

/** `GET /v2/client_invoices` (items without `einvoicing_lifecycle_events`). */
export interface ClientInvoiceListJson {
  client_invoices: ClientInvoiceJson[];
  meta: PaginationMeta;
}

/** `GET /v2/webhook_subscriptions` (docs/qonto-facts.md#simulator-webhook-subscriptions). */
export interface WebhookSubscriptionListJson {
  subscriptions: WebhookSubscriptionJson[];
  meta: PaginationMeta;
}

/** `POST /v2/client_invoices/bulk` */
export interface BulkImportJson {
  client_invoices: BulkImportEntryJson[];
}

/** Events named in a webhook's `data.event` (docs/qonto-facts.md#webhook-types). */
export type WebhookEvent = 'created' | 'updated' | 'deleted';

/**
 * A webhook's `data`: the resource as its single GET returns it, without any `*_cents` field and
 * without `einvoicing_lifecycle_events`, plus `event` (docs/qonto-facts.md#webhook-envelope,
 * docs/qonto-facts.md#simulator-webhooks).
 */
export type WebhookDataJson = { event: WebhookEvent; id: string } & Record<string, unknown>;

/** The envelope of every webhook delivery (docs/qonto-facts.md#webhook-envelope). */
export interface WebhookEnvelopeJson {
  id: string;
  subscription_id: string;
  organization_id: string;
  membership_id: string;
  type: string;
  created_at: string;
  data: WebhookDataJson;
}

/** One entry of an error body; `source` names a body field or a query parameter (docs/qonto-facts.md#error-body). */
export interface ErrorEntryJson {
  code: string;
  detail: string;
  source?: { pointer?: string; parameter?: string };
}

/** Every error answer (docs/qonto-facts.md#error-body); `trace_id` equals the `X-Tyk-Trace-Id` header. */
export interface ErrorBodyJson {
  errors: ErrorEntryJson[];
  trace_id: string;
}
