import { invoiceClientId } from '../domain/eligibility.js';
import { normalizeLifecycleEvents } from '../domain/lifecycle-events.js';
import { toMoney } from '../domain/money.js';
import type { GatewayContext } from '../context.js';
import type { WireClientInvoice, WireInvoiceItem } from '../qonto/wire.js';
import { distinctListArgument, QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { Attachment } from './attachment.js';
import { builder } from './builder.js';
import { Client } from './client.js';
import { connectionType, resolveOffsetConnection } from './connection.js';
import { EinvoicingEligibility, decideEligibility } from './einvoicing-eligibility.js';
import { toEnumValue, toNullableEnumValue } from './enums.js';
import { LifecycleEvent } from './lifecycle-event.js';
import { Money } from './money.js';

const INVOICE_STATUSES = ['DRAFT', 'UNPAID', 'PAID', 'CANCELED'] as const;
const EINVOICING_STATUSES = ['PENDING', 'SUBMITTED', 'SUBMISSION_FAILED', 'APPROVED', 'NOT_DELIVERED', 'DECLINED'] as const;

/** `ClientInvoiceStatus`; UNKNOWN for a status Qonto adds later. */
export const ClientInvoiceStatus = builder.enumType('ClientInvoiceStatus', {
  values: [...INVOICE_STATUSES, 'UNKNOWN'] as const,
});

/** Filterable statuses (UNKNOWN cannot be asked of Qonto). */
const ClientInvoiceStatusFilter = INVOICE_STATUSES;

/** `EinvoicingStatus`: where the e-invoice stands overall; null before any send. */
export const EinvoicingStatus = builder.enumType('EinvoicingStatus', { values: [...EINVOICING_STATUSES, 'UNKNOWN'] as const });

/** Maps a Qonto invoice status to the enum (UNKNOWN for any other value). */
export const toInvoiceStatus = (raw: string | null | undefined) => toEnumValue(raw, INVOICE_STATUSES);

const InvoiceDiscount = builder.objectRef<NonNullable<WireInvoiceItem['discount']>>('InvoiceItemDiscount').implement({
  fields: (t) => ({
    type: t.string({ nullable: true, description: '"percentage" or "absolute".', resolve: (d) => d.type ?? null }),
    value: t.string({
      nullable: true,
      description: 'A fraction for percentages ("0.1" = 10 %), else an amount.',
      resolve: (d) => d.value ?? null,
    }),
    amount: t.field({ type: Money, nullable: true, resolve: (d) => toMoney(d.amount, null) }),
  }),
});

const InvoiceItem = builder.objectRef<WireInvoiceItem>('InvoiceItem').implement({
  fields: (t) => ({
    title: t.string({ nullable: true, resolve: (i) => i.title ?? null }),
    description: t.string({ nullable: true, resolve: (i) => i.description ?? null }),
    quantity: t.string({ nullable: true, resolve: (i) => i.quantity ?? null }),
    unit: t.string({ nullable: true, resolve: (i) => i.unit ?? null }),
    unitPrice: t.field({ type: Money, nullable: true, resolve: (i) => toMoney(i.unit_price, i.unit_price_cents) }),
    vatRate: t.string({ nullable: true, description: 'A fraction: "0.2" = 20 %.', resolve: (i) => i.vat_rate ?? null }),
    vatExemptionReason: t.string({ nullable: true, resolve: (i) => i.vat_exemption_reason ?? null }),
    discount: t.field({ type: InvoiceDiscount, nullable: true, resolve: (i) => i.discount ?? null }),
    subtotal: t.field({ type: Money, nullable: true, resolve: (i) => toMoney(i.subtotal, i.subtotal_cents) }),
    totalVat: t.field({ type: Money, nullable: true, resolve: (i) => toMoney(i.total_vat, i.total_vat_cents) }),
    totalAmount: t.field({ type: Money, nullable: true, resolve: (i) => toMoney(i.total_amount, i.total_amount_cents) }),
  }),
});

/**
 * The invoice with its lifecycle events: the parent itself when it came from a single GET, else
 * the detail through the request's loader (list items leave the events out).
 */
async function withLifecycleEvents(invoice: WireClientInvoice, ctx: GatewayContext): Promise<WireClientInvoice> {
  if (Array.isArray(invoice.einvoicing_lifecycle_events)) return invoice;
  return (await ctx.loaders.invoice.load(invoice.id)) ?? invoice;
}

/** `ClientInvoice`: an invoice issued by the organization (made in Qonto or imported). */
export const ClientInvoice = builder.objectRef<WireClientInvoice>('ClientInvoice').implement({
  description: 'A client invoice, made in Qonto (Flow 1) or imported from another tool (Flow 2).',
  fields: (t) => ({
    id: t.exposeID('id'),
    number: t.string({
      nullable: true,
      description: 'Null while draft, and for imported files Qonto could not read.',
      resolve: (i) => i.number ?? null,
    }),
    status: t.field({ type: ClientInvoiceStatus, resolve: (i) => toInvoiceStatus(i.status) }),
    client: t.field({
      type: Client,
      nullable: true,
      description: "The invoice's client as it is now (not the copy frozen on the invoice); null when there is none.",
      resolve: (i, _, ctx) => {
        const id = invoiceClientId(i);
        return id ? ctx.loaders.client.load(id) : null;
      },
    }),
    currency: t.string({ nullable: true, resolve: (i) => i.currency ?? null }),
    issueDate: t.field({ type: 'Date', nullable: true, resolve: (i) => i.issue_date ?? null }),
    dueDate: t.field({ type: 'Date', nullable: true, resolve: (i) => i.due_date ?? null }),
    performanceStartDate: t.field({ type: 'Date', nullable: true, resolve: (i) => i.performance_start_date ?? null }),
    performanceEndDate: t.field({ type: 'Date', nullable: true, resolve: (i) => i.performance_end_date ?? null }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (i) => i.created_at ?? null }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (i) => i.updated_at ?? null }),
    finalizedAt: t.field({ type: 'DateTime', nullable: true, resolve: (i) => i.finalized_at ?? null }),
    paidAt: t.field({ type: 'DateTime', nullable: true, resolve: (i) => i.paid_at ?? null }),
    totalAmount: t.field({ type: Money, nullable: true, resolve: (i) => toMoney(i.total_amount, i.total_amount_cents) }),
    vatAmount: t.field({ type: Money, nullable: true, resolve: (i) => toMoney(i.vat_amount, i.vat_amount_cents) }),
    amountPaid: t.field({
      type: Money,
      nullable: true,
      description: 'What has been paid so far, when Qonto sends it; null otherwise.',
      resolve: (i) => toMoney(i.amount_paid, i.amount_paid_cents),
    }),
    creditNoteIds: t.idList({
      description: 'Ids of the credit notes issued against this invoice; empty when Qonto sends none.',
      resolve: (i) => (i.credit_notes_ids ?? []).map(String),
    }),
    attachment: t.field({
      type: Attachment,
      nullable: true,
      description: "The invoice's PDF, fetched from Qonto only when selected; null when there is none or Qonto says 404.",
      resolve: (i, _, ctx) => (i.attachment_id ? ctx.loaders.attachment.load(i.attachment_id) : null),
    }),
    invoiceUrl: t.string({ nullable: true, resolve: (i) => i.invoice_url ?? null }),
    purchaseOrder: t.string({ nullable: true, resolve: (i) => i.purchase_order ?? null }),
    contactEmail: t.string({ nullable: true, resolve: (i) => i.contact_email ?? null }),
    termsAndConditions: t.string({ nullable: true, resolve: (i) => i.terms_and_conditions ?? null }),
    header: t.string({ nullable: true, resolve: (i) => i.header ?? null }),
    footer: t.string({ nullable: true, resolve: (i) => i.footer ?? null }),
    items: t.field({ type: [InvoiceItem], nullable: true, resolve: (i) => i.items ?? null }),
    einvoicingStatus: t.field({
      type: EinvoicingStatus,
      nullable: true,
      description: 'Null before any e-invoice send.',
      resolve: (i) => toNullableEnumValue(i.einvoicing_status, EINVOICING_STATUSES),
    }),
    einvoicingLifecycleEvents: t.field({
      type: [LifecycleEvent],
      description: "Every lifecycle event so far, in Qonto's order (oldest first).",
      resolve: async (i, _, ctx) => {
        const detail = await withLifecycleEvents(i, ctx);
        return normalizeLifecycleEvents(i.id, detail.einvoicing_lifecycle_events);
      },
    }),
    einvoicingEligibility: t.field({
      type: EinvoicingEligibility,
      description: 'Whether sendInvoiceByEinvoice would be accepted now, and why not.',
      resolve: async (i, _, ctx) => (await decideEligibility(ctx, i)).eligibility,
    }),
  }),
});

const ClientInvoiceConnection = connectionType('ClientInvoice', ClientInvoice);

const FilterableInvoiceStatus = builder.enumType('ClientInvoiceStatusFilter', { values: ClientInvoiceStatusFilter });

const ClientInvoiceOrder = builder.enumType('ClientInvoiceOrder', {
  values: { CREATED_AT_DESC: { value: 'created_at:desc' }, CREATED_AT_ASC: { value: 'created_at:asc' } } as const,
});

const ClientInvoiceFilter = builder.inputType('ClientInvoiceFilter', {
  description: "Qonto's client invoice list filters (`filter[...]`).",
  fields: (t) => ({
    status: t.field({
      type: [FilterableInvoiceStatus],
      description: `Any of these statuses (1 to ${ClientInvoiceStatusFilter.length}; repeats are ignored).`,
    }),
    createdAtFrom: t.field({ type: 'DateTime' }),
    createdAtTo: t.field({ type: 'DateTime' }),
    updatedAtFrom: t.field({ type: 'DateTime' }),
    updatedAtTo: t.field({ type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  clientInvoice: t.field({
    type: ClientInvoice,
    nullable: true,
    description: 'An invoice by its Qonto id; null when Qonto says 404.',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    resolve: (_, { id }, ctx) => ctx.loaders.invoice.load(qontoIdArgument(id, 'id')),
  }),
  clientInvoices: t.field({
    type: ClientInvoiceConnection,
    args: {
      first: t.arg.int({ description: 'At most 100 (default 20).' }),
      after: t.arg.string(),
      filter: t.arg({ type: ClientInvoiceFilter }),
      orderBy: t.arg({ type: ClientInvoiceOrder, description: 'Default: newest first.' }),
    },
    resolve: (_, { first, after, filter, orderBy }, ctx) => {
      const status = distinctListArgument(filter?.status, 'filter.status', { min: 1, max: ClientInvoiceStatusFilter.length });
      return resolveOffsetConnection({ first, after }, async (page, perPage) => {
        const list = await ctx.qonto().listClientInvoices({
          page,
          perPage,
          ...(orderBy ? { sortBy: orderBy } : {}),
          filter: {
            status: status?.map((s) => s.toLowerCase()),
            createdAtFrom: filter?.createdAtFrom ?? undefined,
            createdAtTo: filter?.createdAtTo ?? undefined,
            updatedAtFrom: filter?.updatedAtFrom ?? undefined,
            updatedAtTo: filter?.updatedAtTo ?? undefined,
          },
        });
        return { items: list.client_invoices, meta: list.meta };
      });
    },
  }),
}));
