/**
 * Qonto Business API wire types, in snake_case exactly as Qonto sends them
 * (see docs/qonto-facts.md).
 *
 * Parsing is lenient where Qonto documents nothing (docs/qonto-facts.md#leniency): every field
 * but `id` may be missing or `null`, enum-like fields are plain strings (unknown values are kept,
 * never rejected) and `status_code` may be a string or a number. The gateway maps these into its
 * own shapes; the simulator emits exactly one variant of each.
 */

/** A decimal string amount, e.g. `{ value: "12.52", currency: "EUR" }`. */
export interface WireMoney {
  value: string;
  currency: string;
}

/** Known client kinds; any other string is kept as is. */
export type WireClientKind = 'company' | 'individual' | 'freelancer' | (string & {});

/** Known invoice statuses; any other string is kept as is. */
export type WireInvoiceStatus = 'draft' | 'unpaid' | 'paid' | 'canceled' | (string & {});

/** Known e-invoicing statuses (decided: docs/qonto-facts.md#einvoicing-status); any other string is kept as is. */
export type WireEinvoicingStatus =
  | 'pending'
  | 'submitted'
  | 'submission_failed'
  | 'approved'
  | 'not_delivered'
  | 'declined'
  | (string & {});

/** A postal address as Qonto nests it in `billing_address` / `delivery_address`. */
export interface WireAddress {
  street_address?: string | null;
  city?: string | null;
  zip_code?: string | null;
  province_code?: string | null;
  country_code?: string | null;
}

/** `GET /v2/clients/{id}` → `{ client }` (docs/qonto-facts.md#client-fields). */
export interface WireClient {
  id: string;
  kind?: WireClientKind | null;
  type?: WireClientKind | null;
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
  extra_emails?: string[] | null;
  phone_number?: string | null;
  phone?: { country_code?: string | null; number?: string | null } | null;
  currency?: string | null;
  locale?: string | null;
  vat_number?: string | null;
  tax_identification_number?: string | null;
  e_invoicing_address?: string | null;
  e_invoicing_reachable?: boolean | null;
  recipient_code?: string | null;
  address?: string | null;
  city?: string | null;
  zip_code?: string | null;
  province_code?: string | null;
  country_code?: string | null;
  billing_address?: WireAddress | null;
  delivery_address?: WireAddress | null;
  created_at?: string | null;
  updated_at?: string | null;
}

/** The client copy embedded in an invoice (no `e_invoicing_*` fields). */
export interface WireEmbeddedClient {
  id?: string | null;
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  type?: WireClientKind | null;
  email?: string | null;
  vat_number?: string | null;
  tax_identification_number?: string | null;
  address?: string | null;
  city?: string | null;
  zip_code?: string | null;
  province_code?: string | null;
  country_code?: string | null;
  recipient_code?: string | null;
  locale?: string | null;
  billing_address?: WireAddress | null;
  delivery_address?: WireAddress | null;
}

/** A line discount. */
export interface WireDiscount {
  type?: 'percentage' | 'absolute' | (string & {}) | null;
  value?: string | null;
  amount?: WireMoney | null;
}

/** One invoice line (docs/qonto-facts.md#invoice-fields). */
export interface WireInvoiceItem {
  title?: string | null;
  description?: string | null;
  quantity?: string | null;
  unit?: string | null;
  unit_price?: WireMoney | null;
  unit_price_cents?: number | null;
  vat_rate?: string | null;
  vat_exemption_reason?: string | null;
  discount?: WireDiscount | null;
  subtotal?: WireMoney | null;
  subtotal_cents?: number | null;
  total_vat?: WireMoney | null;
  total_vat_cents?: number | null;
  total_amount?: WireMoney | null;
  total_amount_cents?: number | null;
}

/**
 * One e-invoicing lifecycle event (docs/qonto-facts.md#lifecycle-events). `status_code` may come
 * as a string or a number; the simulator always sends a string.
 */
export interface WireLifecycleEvent {
  status_code: string | number;
  timestamp?: string | null;
  reason?: string | null;
  reason_message?: string | null;
}

/** `GET /v2/client_invoices/{id}` → `{ client_invoice }` (docs/qonto-facts.md#invoice-fields). */
export interface WireClientInvoice {
  id: string;
  organization_id?: string | null;
  attachment_id?: string | null;
  number?: string | null;
  status?: WireInvoiceStatus | null;
  purchase_order?: string | null;
  invoice_url?: string | null;
  contact_email?: string | null;
  terms_and_conditions?: string | null;
  discount_conditions?: string | null;
  late_payment_penalties?: string | null;
  legal_fixed_compensation?: string | null;
  header?: string | null;
  footer?: string | null;
  currency?: string | null;
  total_amount?: WireMoney | null;
  total_amount_cents?: number | null;
  vat_amount?: WireMoney | null;
  vat_amount_cents?: number | null;
  issue_date?: string | null;
  due_date?: string | null;
  performance_date?: string | null;
  performance_start_date?: string | null;
  performance_end_date?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
  finalized_at?: string | null;
  paid_at?: string | null;
  stamp_duty_amount?: string | null;
  discount?: WireDiscount | null;
  items?: WireInvoiceItem[] | null;
  client?: WireEmbeddedClient | null;
  /** Not sent by Qonto's examples; accepted when `client.id` is missing (docs/qonto-facts.md#leniency). */
  client_id?: string | null;
  einvoicing_status?: WireEinvoicingStatus | null;
  /** Not in Qonto's examples (docs/qonto-facts.md#invoice-fields); read when present. */
  amount_paid?: WireMoney | null;
  amount_paid_cents?: number | null;
  /** Not in Qonto's examples (docs/qonto-facts.md#invoice-fields); read when present. */
  credit_notes_ids?: ReadonlyArray<string | number> | null;
  /** Only on the single-invoice GET; list items leave it out. */
  einvoicing_lifecycle_events?: WireLifecycleEvent[] | null;
}

/** `GET /v2/attachments/{id}` → `{ attachment }` (docs/qonto-facts.md#attachments). */
export interface WireAttachment {
  id: string;
  file_name?: string | null;
  file_content_type?: string | null;
  file_size?: number | string | null;
  /** A download link, valid for a limited time. */
  url?: string | null;
  created_at?: string | null;
}

/** Pagination `meta` of every list (docs/qonto-facts.md#pagination). */
export interface WirePaginationMeta {
  current_page: number;
  next_page: number | null;
  prev_page: number | null;
  total_pages: number;
  total_count: number;
  per_page: number;
}

/** `GET /v2/clients` */
export interface WireClientList {
  clients: WireClient[];
  meta: WirePaginationMeta;
}

/** `GET /v2/client_invoices` */
export interface WireClientInvoiceList {
  client_invoices: WireClientInvoice[];
  meta: WirePaginationMeta;
}

/** `POST /v2/client_invoices/bulk` → one entry per file (docs/qonto-facts.md#bulk-import). */
export interface WireBulkImportEntry {
  invoice_id: string;
  file_name: string;
}

/** `GET /v2/einvoicing/settings` (docs/qonto-facts.md#einvoicing-settings). */
export interface WireEinvoicingSettings {
  sending_status?: 'enabled' | 'disabled' | (string & {}) | null;
  receiving_status?: 'enabled' | 'disabled' | 'pending_creation' | 'pending_deletion' | (string & {}) | null;
}

/** One bank account of the organization (docs/qonto-facts.md#organization). */
export interface WireBankAccount {
  slug?: string | null;
  iban?: string | null;
  bic?: string | null;
  currency?: string | null;
  balance?: number | null;
  balance_cents?: number | null;
  authorized_balance?: number | null;
  authorized_balance_cents?: number | null;
  name?: string | null;
  updated_at?: string | null;
  status?: string | null;
  main?: boolean | null;
}

/** `GET /v2/organization` → `{ organization }` (docs/qonto-facts.md#organization). */
export interface WireOrganization {
  id: string;
  slug?: string | null;
  legal_name?: string | null;
  legal_number?: string | null;
  legal_sector?: string | null;
  legal_registration_date?: string | null;
  legal_address?: string | null;
  legal_form?: string | null;
  legal_country?: string | null;
  legal_share_capital?: number | null;
  locale?: string | null;
  contract_signed_at?: string | null;
  bank_accounts?: WireBankAccount[] | null;
}

/** Webhook subscription (docs/qonto-facts.md#webhook-subscriptions); returned unwrapped. */
export interface WireWebhookSubscription {
  id: string;
  organization_id?: string | null;
  membership_id?: string | null;
  callback_url: string;
  types: string[];
  description?: string | null;
  secret?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
}

/** The envelope of every webhook delivery (docs/qonto-facts.md#webhook-envelope). */
export interface WireWebhookEnvelope<TData = Record<string, unknown>> {
  id: string;
  subscription_id?: string | null;
  organization_id?: string | null;
  membership_id?: string | null;
  type: string;
  created_at?: string | null;
  data: TData & { event?: string | null; id?: string | null };
}

/** One entry of Qonto's error body (docs/qonto-facts.md#error-body). */
export interface WireError {
  code?: string | null;
  detail?: string | null;
  source?: { pointer?: string | null; parameter?: string | null } | null;
}

/** Qonto's error body (docs/qonto-facts.md#error-body). */
export interface WireErrorBody {
  errors?: WireError[] | null;
  trace_id?: string | null;
}

/** `POST /v2/client_invoices/{id}/send` body (docs/qonto-facts.md#send-by-email). */
export interface WireSendByEmailBody {
  send_to: string[];
  email_title: string;
  email_body?: string;
  copy_to_self?: boolean;
}

/** `POST /v2/webhook_subscriptions` body (docs/qonto-facts.md#webhook-subscriptions). */
export interface WireCreateWebhookSubscriptionBody {
  callback_url: string;
  types: string[];
  secret?: string;
  description?: string;
}

/** The webhook types the gateway subscribes to. */
export const CLIENT_INVOICES_WEBHOOK_TYPE = 'v1/client-invoices';
/** Client webhooks: a signal to refresh client data. */
export const CLIENTS_WEBHOOK_TYPE = 'v1/clients';

/** `POST /v2/clients` body: the client fields Qonto accepts, read-only ones left out (docs/qonto-facts.md#client-fields). */
export type WireCreateClientBody = Omit<Partial<WireClient>, 'id' | 'e_invoicing_reachable' | 'created_at' | 'updated_at'>;

/** `PATCH /v2/clients/{id}` body: only the keys to change (docs/qonto-facts.md#clients). */
export type WireUpdateClientBody = WireCreateClientBody;

/** A discount as sent in a create/update body (docs/qonto-facts.md#invoice-create-and-update-body). */
export interface WireDiscountInput {
  type: 'percentage' | 'absolute' | (string & {});
  value: string;
}

/** One invoice line as sent in a create/update body (docs/qonto-facts.md#invoice-create-and-update-body). */
export interface WireInvoiceItemInput {
  title: string;
  description?: string;
  quantity: string;
  unit?: string;
  unit_price: WireMoney;
  vat_rate: string;
  vat_exemption_reason?: string;
  discount?: WireDiscountInput;
}

/** `POST /v2/client_invoices` body, flat (docs/qonto-facts.md#invoice-create-and-update-body). */
export interface WireCreateClientInvoiceBody {
  client_id: string;
  issue_date: string;
  due_date: string;
  status?: 'draft' | 'unpaid' | (string & {});
  currency?: string;
  number?: string;
  purchase_order?: string;
  performance_start_date?: string;
  performance_end_date?: string;
  terms_and_conditions?: string;
  header?: string;
  footer?: string;
  payment_methods?: { iban: string };
  upload_id?: string;
  settings?: Record<string, unknown>;
  items: WireInvoiceItemInput[];
  discount?: WireDiscountInput;
  report_einvoicing?: boolean;
}

/** `PATCH /v2/client_invoices/{id}` body: only the keys to change (docs/qonto-facts.md#invoice-create-and-update-body). */
export type WireUpdateClientInvoiceBody = Partial<WireCreateClientInvoiceBody>;

/** `POST /v2/client_invoices/{id}/mark_as_paid` body (docs/qonto-facts.md#client-invoices). */
export interface WireMarkAsPaidBody {
  /** `YYYY-MM-DD`; today when omitted. */
  paid_at?: string;
}
