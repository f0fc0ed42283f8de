import { CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE, type ClientInvoiceJson, type ClientJson } from './wire.js';
import { isoTimestamp, uuidv7 } from './ids.js';
import { outcomeSpec } from './lifecycle.js';
import { toWireClient, toWireInvoice } from './representation.js';
import type {
  ClientRecord,
  ClientlessImportPolicy,
  EinvoicingOutcome,
  EinvoicingSettingsRecord,
  InvoiceRecord,
  LifecycleEventRecord,
  OrganizationRecord,
  OutboxEntry,
  SubscriptionRecord,
  UploadRecord,
} from './types.js';

/** A change to a resource that webhooks report (docs/qonto-facts.md#simulator-webhooks). */
export type ResourceChange =
  | { type: 'v1/client-invoices'; organizationId: string; event: 'created' | 'updated'; resourceId: string; data: ClientInvoiceJson }
  | { type: 'v1/clients'; organizationId: string; event: 'created' | 'updated' | 'deleted'; resourceId: string; data: ClientJson };

/** A lifecycle event to append through {@link SimulatorStore.appendLifecycleEvent}. */
export interface LifecycleEventInput {
  status_code: string | number;
  reason?: string | null;
  reason_message?: string | null;
  /** Defaults to the simulator clock. */
  timestamp?: string;
}

/** Thrown by test helpers for unknown organisations or resources. */
export class UnknownResourceError extends Error {
  constructor(what: string, id: string) {
    super(`unknown ${what} ${id}`);
    this.name = 'UnknownResourceError';
  }
}

/**
 * The simulator's in-memory state: organisations, clients, invoices, uploads, webhook
 * subscriptions and the email outbox. Route handlers and tests share it; changes that Qonto
 * reports by webhook go through {@link SimulatorStore.emitInvoiceChange} /
 * {@link SimulatorStore.emitClientChange}.
 */
export class SimulatorStore {
  /** Base URL of the running simulator, used in `invoice_url` and upload `url`. */
  baseUrl = 'http://127.0.0.1';
  /** Messages "sent" by `POST /v2/client_invoices/{id}/send` (docs/qonto-facts.md#simulator-send-by-email). */
  readonly outbox: OutboxEntry[] = [];

  private readonly orgs = new Map<string, OrganizationRecord>();
  private readonly clients = new Map<string, ClientRecord>();
  private readonly invoices = new Map<string, InvoiceRecord>();
  private readonly uploads = new Map<string, UploadRecord>();
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly listeners = new Set<(change: ResourceChange) => void>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** Current simulator time. */
  now(): Date {
    return this.clock();
  }

  /** Current simulator time as a timestamp (docs/qonto-facts.md#simulator-ids-and-trace-ids). */
  timestamp(): string {
    return isoTimestamp(this.clock());
  }

  /** A new UUIDv7 at the simulator time. */
  newId(): string {
    return uuidv7(this.clock().getTime());
  }

  /** A new, not yet stored company client of `organizationId` with every optional field empty. */
  blankClient(organizationId: string): ClientRecord {
    const now = this.timestamp();
    return {
      id: this.newId(),
      organizationId,
      kind: 'company',
      name: null,
      first_name: null,
      last_name: null,
      email: null,
      extra_emails: [],
      phone_number: null,
      phone: null,
      currency: null,
      locale: null,
      vat_number: null,
      tax_identification_number: null,
      e_invoicing_address: null,
      e_invoicing_reachable: false,
      recipient_code: null,
      billing_address: null,
      delivery_address: null,
      created_at: now,
      updated_at: now,
      outcome: outcomeSpec('approved'),
    };
  }

  /** A new, not yet stored draft invoice of `org` in EUR, without client, items or amounts. */
  blankInvoice(org: OrganizationRecord): InvoiceRecord {
    const now = this.timestamp();
    return {
      id: this.newId(),
      organizationId: org.id,
      attachment_id: null,
      number: null,
      status: 'draft',
      purchase_order: null,
      contact_email: org.contact_email,
      terms_and_conditions: null,
      discount_conditions: null,
      late_payment_penalties: null,
      legal_fixed_compensation: null,
      header: null,
      footer: null,
      currency: 'EUR',
      total_amount_cents: 0,
      vat_amount_cents: 0,
      issue_date: null,
      due_date: null,
      performance_start_date: null,
      performance_end_date: null,
      created_at: now,
      updated_at: now,
      finalized_at: null,
      paid_at: null,
      discount: null,
      items: [],
      clientId: null,
      client: null,
      payment_iban: null,
      upload_id: null,
      events: [],
      imported: false,
      file_hash: null,
      file: null,
    };
  }

  // Organisations

  /** Adds an organisation (seed). */
  addOrganization(org: OrganizationRecord): void {
    this.orgs.set(org.id, org);
  }

  /** Every organisation, in seed order. */
  listOrganizations(): OrganizationRecord[] {
    return [...this.orgs.values()];
  }

  /** One organisation by id. */
  getOrganization(organizationId: string): OrganizationRecord | undefined {
    return this.orgs.get(organizationId);
  }

  private requireOrganization(organizationId: string): OrganizationRecord {
    const org = this.orgs.get(organizationId);
    if (!org) throw new UnknownResourceError('organization', organizationId);
    return org;
  }

  /** The organisation whose Bearer token or API key is `authorization` (docs/qonto-facts.md#simulator-authentication). */
  organizationForAuthorization(authorization: string | undefined): OrganizationRecord | undefined {
    if (!authorization) return undefined;
    const value = authorization.trim();
    const bearer = /^bearer\s+(.+)$/i.exec(value);
    for (const org of this.orgs.values()) {
      if (bearer ? bearer[1] === org.bearer_token : value === org.api_key) return org;
    }
    return undefined;
  }

  /** Changes the seeded e-invoicing settings (docs/qonto-facts.md#simulator-einvoicing-status-and-settings; `annuaire_registered` is seed-only). */
  setEinvoicingSettings(organizationId: string, settings: Partial<EinvoicingSettingsRecord>): void {
    const org = this.requireOrganization(organizationId);
    org.einvoicing = { ...org.einvoicing, ...settings };
  }

  /**
   * Whether a send by e-invoice accepts an imported invoice with no client (`accept`: 204 and the
   * default outcome) or refuses it (`refuse`, the default: 412 `recipient_not_reachable_on_einvoicing`);
   * docs/qonto-facts.md#simulator-send-by-e-invoice, step 5.
   */
  setClientlessImportPolicy(organizationId: string, policy: ClientlessImportPolicy): void {
    this.requireOrganization(organizationId).einvoicing.clientless_import = policy;
  }

  /** Changes the organisation's `legal_country` (e.g. `IT` to exercise the 403 of docs/qonto-facts.md#simulator-status-codes (bulk import) and the 422 of docs/qonto-facts.md#simulator-clients (freelancer)). */
  setOrganizationCountry(organizationId: string, country: string): void {
    this.requireOrganization(organizationId).legal_country = country;
  }

  // Clients

  /** Inserts a client as is, without webhook (seed, imports). */
  addClient(client: ClientRecord): void {
    this.clients.set(client.id, client);
  }

  /** The organisation's clients, unsorted. */
  clientRecords(organizationId: string): ClientRecord[] {
    return [...this.clients.values()].filter((client) => client.organizationId === organizationId);
  }

  /** A stored client of the organisation. */
  clientRecord(organizationId: string, clientId: string): ClientRecord | undefined {
    const client = this.clients.get(clientId);
    return client && client.organizationId === organizationId ? client : undefined;
  }

  /** The client as `GET /v2/clients/{id}` returns it. */
  getClient(organizationId: string, clientId: string): ClientJson | undefined {
    const client = this.clientRecord(organizationId, clientId);
    return client ? toWireClient(client) : undefined;
  }

  private requireClient(organizationId: string, clientId: string): ClientRecord {
    const client = this.clientRecord(organizationId, clientId);
    if (!client) throw new UnknownResourceError('client', clientId);
    return client;
  }

  /** Sets the read-only `e_invoicing_reachable` of a client (docs/qonto-facts.md#simulator-clients); no webhook. */
  setClientReachable(organizationId: string, clientId: string, reachable: boolean): void {
    const client = this.requireClient(organizationId, clientId);
    client.e_invoicing_reachable = reachable;
  }

  /** Sets the seed-only lifecycle outcome of a client (docs/qonto-facts.md#simulator-e-invoicing-network). */
  setClientOutcome(organizationId: string, clientId: string, outcome: EinvoicingOutcome, reason?: string, reasonMessage?: string): void {
    this.requireClient(organizationId, clientId).outcome = outcomeSpec(outcome, reason, reasonMessage);
  }

  /** Removes a client; invoices keep their embedded copy (docs/qonto-facts.md#simulator-clients). */
  removeClient(organizationId: string, clientId: string): ClientRecord | undefined {
    const client = this.clientRecord(organizationId, clientId);
    if (client) this.clients.delete(clientId);
    return client;
  }

  // Invoices

  /** Inserts an invoice as is, without webhook. */
  addInvoice(invoice: InvoiceRecord): void {
    this.invoices.set(invoice.id, invoice);
  }

  /** The organisation's invoices, unsorted. */
  invoiceRecords(organizationId: string): InvoiceRecord[] {
    return [...this.invoices.values()].filter((invoice) => invoice.organizationId === organizationId);
  }

  /** A stored invoice of the organisation. */
  invoiceRecord(organizationId: string, invoiceId: string): InvoiceRecord | undefined {
    const invoice = this.invoices.get(invoiceId);
    return invoice && invoice.organizationId === organizationId ? invoice : undefined;
  }

  /** The invoice as `GET /v2/client_invoices/{id}` returns it (events included). */
  getInvoice(organizationId: string, invoiceId: string): ClientInvoiceJson | undefined {
    const invoice = this.invoiceRecord(organizationId, invoiceId);
    return invoice ? toWireInvoice(invoice, { baseUrl: this.baseUrl, withEvents: true }) : undefined;
  }

  /** Removes an invoice (no webhook, docs/qonto-facts.md#simulator-webhooks). */
  removeInvoice(organizationId: string, invoiceId: string): void {
    if (this.invoiceRecord(organizationId, invoiceId)) this.invoices.delete(invoiceId);
  }

  /** The organisation's invoice whose `attachment_id` is `attachmentId` (docs/qonto-facts.md#simulator-attachments). */
  invoiceByAttachmentId(organizationId: string, attachmentId: string): InvoiceRecord | undefined {
    return this.invoiceRecords(organizationId).find((invoice) => invoice.attachment_id === attachmentId);
  }

  /** The invoice with this `attachment_id` in any organisation (the public download URL). */
  invoiceByAttachmentIdAnywhere(attachmentId: string): InvoiceRecord | undefined {
    for (const invoice of this.invoices.values()) if (invoice.attachment_id === attachmentId) return invoice;
    return undefined;
  }

  /** The invoice imported from a file with this SHA-256, if any (docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
  invoiceByFileHash(organizationId: string, hash: string): InvoiceRecord | undefined {
    return this.invoiceRecords(organizationId).find((invoice) => invoice.file_hash === hash);
  }

  /**
   * Appends one lifecycle event (docs/qonto-facts.md#simulator-e-invoicing-network) and sends its `v1/client-invoices` `updated` webhook. The
   * single path used by the network, `mark_as_paid` and tests.
   */
  appendLifecycleEvent(organizationId: string, invoiceId: string, input: LifecycleEventInput): LifecycleEventRecord {
    const invoice = this.invoiceRecord(organizationId, invoiceId);
    if (!invoice) throw new UnknownResourceError('invoice', invoiceId);
    const timestamp = input.timestamp ?? this.timestamp();
    const event: LifecycleEventRecord = {
      status_code: String(input.status_code),
      timestamp,
      reason: input.reason ?? null,
      reason_message: input.reason_message ?? null,
    };
    invoice.events.push(event);
    invoice.updated_at = timestamp;
    this.emitInvoiceChange(organizationId, invoiceId, 'updated');
    return event;
  }

  // Uploads

  /** Stores an upload (docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
  addUpload(upload: UploadRecord): void {
    this.uploads.set(upload.id, upload);
  }

  /** An upload of the organisation. */
  getUpload(organizationId: string, uploadId: string): UploadRecord | undefined {
    const upload = this.uploads.get(uploadId);
    return upload && upload.organizationId === organizationId ? upload : undefined;
  }

  /** An upload by id only, for its public `url`. */
  uploadById(uploadId: string): UploadRecord | undefined {
    return this.uploads.get(uploadId);
  }

  /** An invoice by id only, for its public `invoice_url` page. */
  invoiceById(invoiceId: string): InvoiceRecord | undefined {
    return this.invoices.get(invoiceId);
  }

  // Webhook subscriptions

  /** Stores or replaces a subscription. */
  putSubscription(subscription: SubscriptionRecord): void {
    this.subscriptions.set(subscription.id, subscription);
  }

  /**
   * Subscribes every organisation's `v1/client-invoices` and `v1/clients` webhooks to `callbackUrl`
   * with `secret`, as an operator would through the API; returns how many organisations.
   */
  subscribeEveryOrganization(callbackUrl: string, secret: string, description: string): number {
    const organizations = this.listOrganizations();
    for (const org of organizations) {
      const now = this.timestamp();
      this.putSubscription({
        id: this.newId(),
        organizationId: org.id,
        membership_id: org.membership_id,
        callback_url: callbackUrl,
        types: [CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE],
        description,
        secret,
        created_at: now,
        updated_at: now,
      });
    }
    return organizations.length;
  }

  /** The organisation's subscriptions in creation order. */
  listSubscriptions(organizationId: string): SubscriptionRecord[] {
    return [...this.subscriptions.values()].filter((sub) => sub.organizationId === organizationId);
  }

  /** A subscription of the organisation. */
  getSubscription(organizationId: string, subscriptionId: string): SubscriptionRecord | undefined {
    const sub = this.subscriptions.get(subscriptionId);
    return sub && sub.organizationId === organizationId ? sub : undefined;
  }

  /** A subscription by id only (webhook retries look it up again). */
  subscriptionById(subscriptionId: string): SubscriptionRecord | undefined {
    return this.subscriptions.get(subscriptionId);
  }

  /** Deletes a subscription. */
  removeSubscription(organizationId: string, subscriptionId: string): void {
    if (this.getSubscription(organizationId, subscriptionId)) this.subscriptions.delete(subscriptionId);
  }

  // Changes

  /** Listens to resource changes (the webhook dispatcher); returns an unsubscribe function. */
  onChange(listener: (change: ResourceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reports an invoice change with its current single-GET representation. */
  emitInvoiceChange(organizationId: string, invoiceId: string, event: 'created' | 'updated'): void {
    const data = this.getInvoice(organizationId, invoiceId);
    if (!data) return;
    this.emit({ type: 'v1/client-invoices', organizationId, event, resourceId: invoiceId, data });
  }

  /** Reports a client change; for `deleted`, pass the client's last state. */
  emitClientChange(client: ClientRecord, event: 'created' | 'updated' | 'deleted'): void {
    this.emit({ type: 'v1/clients', organizationId: client.organizationId, event, resourceId: client.id, data: toWireClient(client) });
  }

  private emit(change: ResourceChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
