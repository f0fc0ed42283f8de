import { invalidTransition, notFound, parameterError, preconditionFailed, validationFailed } from '../errors.js';
import { isoDate } from '../ids.js';
import { jsonResponse, noContent } from '../http.js';
import { applyTotals, buildItem, finalizeInvoice, refreshClientCopy } from '../invoice-logic.js';
import { deriveEinvoicingStatus, isTerminalStatus, lastEventIsFailure, outcomeSpec } from '../lifecycle.js';
import { paginate, parsePageRequest } from '../pagination.js';
import { toWireInvoice } from '../representation.js';
import type { SimContext, SimRouter } from '../services.js';
import type { InvoiceRecord, InvoiceStatus } from '../types.js';
import { BodyValidator, isEmail, timestampParameter } from '../validation.js';
import { type InvoiceChanges, readInvoiceChanges } from './invoice-body.js';

const STATUSES: readonly InvoiceStatus[] = ['draft', 'unpaid', 'paid', 'canceled'];
const SORTS = ['created_at:desc', 'created_at:asc'] as const;

function view(ctx: SimContext, invoice: InvoiceRecord, withEvents: boolean) {
  return toWireInvoice(invoice, { baseUrl: ctx.services.store.baseUrl, withEvents });
}

function single(ctx: SimContext, invoice: InvoiceRecord, status = 200) {
  return jsonResponse(status, { client_invoice: view(ctx, invoice, true) });
}

function requireInvoice(ctx: SimContext): InvoiceRecord {
  const invoice = ctx.services.store.invoiceRecord(ctx.org.id, ctx.params['id'] ?? '');
  if (!invoice) throw notFound('Client invoice not found.');
  return invoice;
}

function listInvoices(ctx: SimContext) {
  const { query } = ctx;
  const page = parsePageRequest(query);
  const statusFilter = query.get('filter[status]');
  let statuses: string[] | undefined;
  if (statusFilter !== null) {
    statuses = statusFilter.split(',').map((status) => status.trim());
    if (statuses.some((status) => !(STATUSES as readonly string[]).includes(status))) {
      throw validationFailed([
        parameterError('not_in_list', 'filter[status]', `filter[status] values must be among: ${STATUSES.join(', ')}`),
      ]);
    }
  }
  const sort = query.get('sort_by') ?? 'created_at:desc';
  if (!(SORTS as readonly string[]).includes(sort)) {
    throw validationFailed([parameterError('not_in_list', 'sort_by', `sort_by must be one of: ${SORTS.join(', ')}`)]);
  }
  const ranges: Array<[number | undefined, 'created_at' | 'updated_at', 'from' | 'to']> = [
    [timestampParameter(query, 'filter[created_at_from]'), 'created_at', 'from'],
    [timestampParameter(query, 'filter[created_at_to]'), 'created_at', 'to'],
    [timestampParameter(query, 'filter[updated_at_from]'), 'updated_at', 'from'],
    [timestampParameter(query, 'filter[updated_at_to]'), 'updated_at', 'to'],
  ];
  const invoices = ctx.services.store
    .invoiceRecords(ctx.org.id)
    .filter((invoice) => !statuses || statuses.includes(invoice.status))
    .filter((invoice) =>
      ranges.every(([bound, field, side]) => {
        if (bound === undefined) return true;
        const time = Date.parse(invoice[field]);
        return side === 'from' ? time >= bound : time <= bound;
      }),
    )
    .sort((a, b) => {
      const order = a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);
      return sort === 'created_at:asc' ? order : -order;
    });
  const result = paginate(invoices, page);
  return jsonResponse(200, { client_invoices: result.items.map((invoice) => view(ctx, invoice, false)), meta: result.meta });
}

function applyChanges(ctx: SimContext, invoice: InvoiceRecord, changes: InvoiceChanges): void {
  if (changes.client) invoice.clientId = changes.client.id;
  const scalarKeys = [
    'issue_date',
    'due_date',
    'performance_start_date',
    'performance_end_date',
    'number',
    'purchase_order',
    'terms_and_conditions',
    'header',
    'footer',
    'currency',
    'upload_id',
    'discount_conditions',
    'late_payment_penalties',
    'legal_fixed_compensation',
  ] as const;
  for (const key of scalarKeys) {
    const value = changes[key];
    if (value !== undefined) invoice[key] = value;
  }
  if (changes.payment_iban !== undefined) invoice.payment_iban = changes.payment_iban;
  if (changes.discount !== undefined) invoice.discount = changes.discount;
  if (changes.items) {
    invoice.items = changes.items.map(buildItem);
    applyTotals(invoice);
  }
  refreshClientCopy(ctx.services.store, invoice);
}

function createInvoice(ctx: SimContext) {
  const { store } = ctx.services;
  const changes = readInvoiceChanges(store, ctx.org, ctx.json(), true);
  const invoice = store.blankInvoice(ctx.org);
  applyChanges(ctx, invoice, changes);
  if (changes.status === 'unpaid') finalizeInvoice(store, invoice);
  store.addInvoice(invoice);
  store.emitInvoiceChange(ctx.org.id, invoice.id, 'created');
  return single(ctx, invoice, 201);
}

function updateInvoice(ctx: SimContext) {
  const { store } = ctx.services;
  const invoice = requireInvoice(ctx);
  if (invoice.status !== 'draft') throw invalidTransition(`Only draft invoices can be updated; this invoice is ${invoice.status}.`);
  const changes = readInvoiceChanges(store, ctx.org, ctx.json(), false);
  applyChanges(ctx, invoice, changes);
  invoice.updated_at = store.timestamp();
  store.emitInvoiceChange(ctx.org.id, invoice.id, 'updated');
  return single(ctx, invoice);
}

function deleteInvoice(ctx: SimContext) {
  const invoice = requireInvoice(ctx);
  const importedUntouched = invoice.imported && invoice.status === 'unpaid' && invoice.events.length === 0;
  if (invoice.status !== 'draft' && !importedUntouched) {
    throw invalidTransition(
      `Only drafts and imported unpaid invoices without e-invoicing events can be deleted; this invoice is ${invoice.status}.`,
    );
  }
  ctx.services.store.removeInvoice(ctx.org.id, invoice.id);
  return noContent();
}

function finalize(ctx: SimContext) {
  const { store } = ctx.services;
  const invoice = requireInvoice(ctx);
  if (invoice.status !== 'draft') throw invalidTransition(`Only draft invoices can be finalized; this invoice is ${invoice.status}.`);
  finalizeInvoice(store, invoice);
  store.emitInvoiceChange(ctx.org.id, invoice.id, 'updated');
  return single(ctx, invoice);
}

function markAsPaid(ctx: SimContext) {
  const { store } = ctx.services;
  const invoice = requireInvoice(ctx);
  if (invoice.status !== 'unpaid' && invoice.status !== 'paid') {
    throw invalidTransition(`Only unpaid invoices can be marked as paid; this invoice is ${invoice.status}.`);
  }
  const v = new BodyValidator(ctx.json());
  const today = isoDate(store.now());
  const paidAt = v.date('paid_at') ?? today;
  if (paidAt > today) v.invalid('paid_at', 'paid_at cannot be in the future');
  v.throwIfErrors();
  const wasUnpaid = invoice.status === 'unpaid';
  invoice.status = 'paid';
  invoice.paid_at = paidAt;
  invoice.updated_at = store.timestamp();
  store.emitInvoiceChange(ctx.org.id, invoice.id, 'updated');
  const status = deriveEinvoicingStatus(invoice.events);
  const cashedAlready = invoice.events.some((event) => event.status_code === '212');
  if (wasUnpaid && invoice.events.length > 0 && !isTerminalStatus(status) && !cashedAlready) {
    store.appendLifecycleEvent(ctx.org.id, invoice.id, { status_code: '212' });
  }
  return single(ctx, invoice);
}

function unmarkAsPaid(ctx: SimContext) {
  const { store } = ctx.services;
  const invoice = requireInvoice(ctx);
  if (invoice.status !== 'paid') throw invalidTransition(`Only paid invoices can be unmarked as paid; this invoice is ${invoice.status}.`);
  invoice.status = 'unpaid';
  invoice.paid_at = null;
  invoice.updated_at = store.timestamp();
  store.emitInvoiceChange(ctx.org.id, invoice.id, 'updated');
  return single(ctx, invoice);
}

function markAsCanceled(ctx: SimContext) {
  const { store } = ctx.services;
  const invoice = requireInvoice(ctx);
  if (invoice.status !== 'unpaid') throw invalidTransition(`Only unpaid invoices can be canceled; this invoice is ${invoice.status}.`);
  invoice.status = 'canceled';
  invoice.updated_at = store.timestamp();
  store.emitInvoiceChange(ctx.org.id, invoice.id, 'updated');
  return single(ctx, invoice);
}

function sendByEmail(ctx: SimContext) {
  const { store } = ctx.services;
  const invoice = requireInvoice(ctx);
  if (invoice.status !== 'unpaid' && invoice.status !== 'paid') {
    throw invalidTransition(`Only unpaid or paid invoices can be sent; this invoice is ${invoice.status}.`);
  }
  const body = ctx.json();
  const v = new BodyValidator(body);
  const sendTo = v.raw('send_to');
  if (sendTo === undefined || sendTo === null || (Array.isArray(sendTo) && sendTo.length === 0))
    v.blank('send_to', 'send_to needs at least one email address');
  else if (!Array.isArray(sendTo) || sendTo.some((entry) => typeof entry !== 'string' || !isEmail(entry))) {
    v.invalid('send_to', 'send_to must be a list of email addresses');
  }
  const title = v.string('email_title', { required: true, max: 500 });
  const emailBody = v.string('email_body', { max: 10_000 });
  const copyToSelf = v.boolean('copy_to_self');
  v.throwIfErrors();
  store.outbox.push({
    invoiceId: invoice.id,
    organizationId: ctx.org.id,
    sendTo: (sendTo as string[]).map(String),
    emailTitle: title ?? '',
    ...(emailBody ? { emailBody } : {}),
    copyToSelf: copyToSelf ?? true,
    at: store.timestamp(),
  });
  return noContent();
}

/** `send_by_einvoice` with the checks of docs/qonto-facts.md#simulator-send-by-e-invoice in their exact order. */
function sendByEinvoice(ctx: SimContext) {
  const { store, network } = ctx.services;
  const invoice = requireInvoice(ctx);
  const settings = ctx.org.einvoicing;
  if (settings.sending_status !== 'enabled' || !settings.annuaire_registered) {
    throw preconditionFailed(
      'einvoicing_not_activated',
      'E-invoicing is not activated for this organization (sending disabled or not registered in the Annuaire).',
    );
  }
  if (invoice.status === 'draft' || invoice.status === 'canceled') {
    throw preconditionFailed('invalid_invoice_status', `A ${invoice.status} invoice cannot be sent by e-invoice.`);
  }
  // Step 4: already submitted → 204, nothing new; step 4b: a resend after a failure goes on.
  if (invoice.events.length > 0 && !lastEventIsFailure(invoice.events)) return noContent();
  const clientlessImportAccepted = invoice.imported && invoice.clientId === null && settings.clientless_import === 'accept';
  const client = invoice.clientId ? store.clientRecord(ctx.org.id, invoice.clientId) : undefined;
  if (!clientlessImportAccepted && client?.e_invoicing_reachable !== true) {
    throw preconditionFailed(
      'recipient_not_reachable_on_einvoicing',
      'The client cannot receive e-invoices; send the invoice by email instead.',
    );
  }
  network.submit(ctx.org.id, invoice.id, invoice.imported || !client ? outcomeSpec('approved') : client.outcome);
  return noContent();
}

/** Registers the client invoice endpoints (docs/qonto-facts.md#client-invoices, docs/qonto-facts.md#send-by-e-invoice). */
export function registerInvoiceRoutes(router: SimRouter): void {
  router
    .add('GET', '/v2/client_invoices', listInvoices)
    .add('GET', '/v2/client_invoices/{id}', (ctx) => single(ctx, requireInvoice(ctx)))
    .add('POST', '/v2/client_invoices', createInvoice)
    .add('PATCH', '/v2/client_invoices/{id}', updateInvoice)
    .add('DELETE', '/v2/client_invoices/{id}', deleteInvoice)
    .add('POST', '/v2/client_invoices/{id}/finalize', finalize)
    .add('POST', '/v2/client_invoices/{id}/mark_as_paid', markAsPaid)
    .add('POST', '/v2/client_invoices/{id}/unmark_as_paid', unmarkAsPaid)
    .add('POST', '/v2/client_invoices/{id}/mark_as_canceled', markAsCanceled)
    .add('POST', '/v2/client_invoices/{id}/send', sendByEmail)
    .add('POST', '/v2/client_invoices/{id}/send_by_einvoice', sendByEinvoice);
}
