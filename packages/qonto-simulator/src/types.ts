import type { ClientJson, EmbeddedClientJson, OrganizationJson, InvoiceStatus, LifecycleEventJson } from './wire.js';

export type { ClientKind, InvoiceStatus } from './wire.js';

/** Lifecycle outcome a seeded client gives to e-invoices (seed-only, never exposed; docs/qonto-facts.md#simulator-e-invoicing-network). */
export type EinvoicingOutcome = 'approved' | 'rejected' | 'refused';

/** The outcome of a client with the reason carried by the final 213/210 event. */
export interface EinvoicingOutcomeSpec {
  outcome: EinvoicingOutcome;
  reason: string | null;
  reasonMessage: string | null;
}

/** Seeded e-invoicing settings of an organisation (docs/qonto-facts.md#simulator-einvoicing-status-and-settings). */
export interface EinvoicingSettingsRecord {
  /** `enabled` or `disabled` in the seed; any other string can be seeded and also blocks sending (docs/qonto-facts.md#simulator-send-by-e-invoice, step 2). */
  sending_status: string;
  receiving_status: 'enabled' | 'disabled' | 'pending_creation' | 'pending_deletion';
  /** Seed-only: registered in the Annuaire (step 2 of docs/qonto-facts.md#simulator-send-by-e-invoice). */
  annuaire_registered: boolean;
  /**
   * Seed-only: what a send by e-invoice does with an imported invoice that has no client
   * (docs/qonto-facts.md#simulator-send-by-e-invoice, step 5). `refuse` (the default) answers 412
   * `recipient_not_reachable_on_einvoicing`; `accept` answers 204 and runs the default outcome.
   */
  clientless_import: ClientlessImportPolicy;
}

/** See {@link EinvoicingSettingsRecord.clientless_import}. */
export type ClientlessImportPolicy = 'refuse' | 'accept';

/** One bank account of an organisation (docs/qonto-facts.md#organization). */
export interface BankAccountRecord {
  slug: string;
  iban: string;
  bic: string;
  currency: string;
  balance_cents: number;
  authorized_balance_cents: number;
  name: string;
  updated_at: string;
  status: string;
  main: boolean;
}

/** A seeded organisation with its demo credentials. */
export interface OrganizationRecord extends Omit<OrganizationJson, 'bank_accounts'> {
  bank_accounts: BankAccountRecord[];
  membership_id: string;
  contact_email: string;
  bearer_token: string;
  api_key: string;
  einvoicing: EinvoicingSettingsRecord;
}

/** A client as stored; root address fields are derived from `billing_address` (docs/qonto-facts.md#simulator-clients). */
export interface ClientRecord extends Omit<ClientJson, 'type' | 'address' | 'city' | 'zip_code' | 'province_code' | 'country_code'> {
  organizationId: string;
  outcome: EinvoicingOutcomeSpec;
}

/** One computed invoice line. */
export interface InvoiceItemRecord {
  title: string;
  description: string | null;
  quantity: string;
  unit: string | null;
  unit_price_cents: number;
  vat_rate: string;
  vat_exemption_reason: string | null;
  discount: { type: 'percentage' | 'absolute'; value: string; amount_cents: number } | null;
  subtotal_cents: number;
  total_vat_cents: number;
  total_amount_cents: number;
}

/** One lifecycle event, stored exactly as it is sent (`status_code` always a string). */
export type LifecycleEventRecord = LifecycleEventJson;

/** A client invoice as stored. */
export interface InvoiceRecord {
  id: string;
  organizationId: string;
  attachment_id: string | null;
  number: string | null;
  status: InvoiceStatus;
  purchase_order: string | null;
  contact_email: string | null;
  terms_and_conditions: string | null;
  discount_conditions: string | null;
  late_payment_penalties: string | null;
  legal_fixed_compensation: string | null;
  header: string | null;
  footer: string | null;
  currency: string | null;
  total_amount_cents: number | null;
  vat_amount_cents: number | null;
  issue_date: string | null;
  due_date: string | null;
  performance_start_date: string | null;
  performance_end_date: string | null;
  created_at: string;
  updated_at: string;
  finalized_at: string | null;
  paid_at: string | null;
  discount: { type: 'percentage' | 'absolute'; value: string } | null;
  items: InvoiceItemRecord[];
  /** Id of the client the invoice was written for (null for an import without a buyer). */
  clientId: string | null;
  /** Embedded client copy: refreshed on each draft write, frozen at finalize (docs/qonto-facts.md#simulator-invoices). */
  client: EmbeddedClientJson | null;
  payment_iban: string | null;
  upload_id: string | null;
  events: LifecycleEventRecord[];
  /** True for invoices created by the bulk import (such unpaid invoices may be deleted: docs/qonto-facts.md#simulator-invoice-transitions). */
  imported: boolean;
  /** SHA-256 of the imported file (deduplication: docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
  file_hash: string | null;
  /** The imported file, kept exactly as uploaded and served at `invoice_url`. */
  file: { name: string; content_type: string; bytes: Buffer } | null;
}

/** An uploaded file (docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
export interface UploadRecord {
  id: string;
  organizationId: string;
  filename: string;
  content_type: string;
  bytes: Buffer;
  created_at: string;
  updated_at: string;
}

/** A webhook subscription (docs/qonto-facts.md#webhook-subscriptions, docs/qonto-facts.md#simulator-webhook-subscriptions). */
export interface SubscriptionRecord {
  id: string;
  organizationId: string;
  membership_id: string;
  callback_url: string;
  types: string[];
  description: string | null;
  secret: string;
  created_at: string;
  updated_at: string;
}

/** One message recorded by the email send (docs/qonto-facts.md#simulator-send-by-email). */
export interface OutboxEntry {
  invoiceId: string;
  organizationId: string;
  sendTo: string[];
  emailTitle: string;
  emailBody?: string;
  copyToSelf: boolean;
  at: string;
}
