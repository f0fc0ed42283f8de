import type { GatewayContext } from '../context.js';
import { INVOICE_INPUT_LIMITS } from '../domain/input-rules.js';
import { badUserInput } from '../graphql/errors.js';
import type {
  WireClientInvoice,
  WireCreateClientInvoiceBody,
  WireDiscountInput,
  WireInvoiceItemInput,
  WireUpdateClientInvoiceBody,
} from '../qonto/wire.js';
import { boundedStringArgument, QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import { InvalidInvoiceStateError, NotFoundError, ValidationError } from './errors.js';
import { primeInvoice } from './fresh.js';
import { MoneyInput } from './money.js';
import { defaultIban, organizationIban } from './organization.js';
import { toErrorMember, type ErrorMemberClass, type QontoCall } from './qonto-error-members.js';

/** `DiscountType`: Qonto's `percentage` or `absolute` (docs/qonto-facts.md#invoice-create-and-update-body). */
const DiscountType = builder.enumType('DiscountType', {
  values: { PERCENTAGE: { value: 'percentage' }, ABSOLUTE: { value: 'absolute' } } as const,
});

const DiscountInput = builder.inputType('DiscountInput', {
  fields: (t) => ({
    type: t.field({ type: DiscountType, required: true }),
    value: t.string({ required: true, description: 'A fraction for PERCENTAGE ("0.1" = 10 %), else an amount.' }),
  }),
});

const ClientInvoiceItemInput = builder.inputType('ClientInvoiceItemInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string(),
    quantity: t.string({ required: true, description: 'Decimal string, e.g. "2" or "1.5".' }),
    unit: t.string(),
    unitPrice: t.field({ type: MoneyInput, required: true }),
    vatRate: t.string({ required: true, description: 'A fraction: "0.2" = 20 %.' }),
    vatExemptionReason: t.string(),
    discount: t.field({ type: DiscountInput }),
  }),
});

const L = INVOICE_INPUT_LIMITS;

const invoiceInputFields = (required: boolean) => (t: InputFieldBuilder) => ({
  clientId: t.id({ required, description: QONTO_ID_DESCRIPTION }),
  issueDate: t.field({ type: 'Date', required }),
  dueDate: t.field({ type: 'Date', required }),
  items: t.field({
    type: [ClientInvoiceItemInput],
    required,
    description: `${L.items.min} to ${L.items.max} lines${required ? '' : '; replaces every line'}.`,
  }),
  iban: t.string({ description: "One of the organization's IBANs; by default its main account's (see `organization`)." }),
  currency: t.string({ description: 'EUR (the default), the only currency Qonto allows.' }),
  number: t.string({ description: 'Left empty, Qonto numbers the invoice at finalize.' }),
  purchaseOrder: t.string(),
  termsAndConditions: t.string({ description: 'Qonto needs it on every invoice.' }),
  header: t.string(),
  footer: t.string(),
  performanceStartDate: t.field({ type: 'Date' }),
  performanceEndDate: t.field({ type: 'Date' }),
  discount: t.field({ type: DiscountInput }),
});

type InputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const CreateClientInvoiceInput = builder.inputType('CreateClientInvoiceInput', {
  description: 'A new invoice, created as a draft.',
  fields: invoiceInputFields(true),
});
const UpdateClientInvoiceInput = builder.inputType('UpdateClientInvoiceInput', {
  description: 'Only the fields given change (drafts only).',
  fields: invoiceInputFields(false),
});

interface MoneyArgs {
  value: string;
  currency: string;
}
interface DiscountArgs {
  type: string;
  value: string;
}
interface ItemArgs {
  title: string;
  description?: string | null;
  quantity: string;
  unit?: string | null;
  unitPrice: MoneyArgs;
  vatRate: string;
  vatExemptionReason?: string | null;
  discount?: DiscountArgs | null;
}
/** An invoice input as GraphQL hands it over (create requires the first four). */
interface InvoiceArgs {
  clientId?: string | number | null;
  issueDate?: string | null;
  dueDate?: string | null;
  items?: ItemArgs[] | null;
  iban?: string | null;
  currency?: string | null;
  number?: string | null;
  purchaseOrder?: string | null;
  termsAndConditions?: string | null;
  header?: string | null;
  footer?: string | null;
  performanceStartDate?: string | null;
  performanceEndDate?: string | null;
  discount?: DiscountArgs | null;
}

/** Top-level text inputs: GraphQL name, Qonto attribute, limit. */
const TEXT_FIELDS = [
  ['number', 'number', L.shortText],
  ['purchaseOrder', 'purchase_order', L.shortText],
  ['termsAndConditions', 'terms_and_conditions', L.longText],
  ['header', 'header', L.longText],
  ['footer', 'footer', L.longText],
  ['currency', 'currency', L.currency],
] as const;
const DATE_FIELDS = [
  ['issueDate', 'issue_date'],
  ['dueDate', 'due_date'],
  ['performanceStartDate', 'performance_start_date'],
  ['performanceEndDate', 'performance_end_date'],
] as const;

/**
 * Qonto body attributes (a 422 `source.pointer` below `/data/attributes/`) to input paths, for
 * {@link QontoCall.fields}: `items/0/vat_rate` is `input.items[0].vatRate`.
 */
export const INVOICE_FIELDS: Readonly<Record<string, string>> = {
  client_id: 'input.clientId',
  ...Object.fromEntries(DATE_FIELDS.map(([field, attribute]) => [attribute, `input.${field}`])),
  ...Object.fromEntries(TEXT_FIELDS.map(([field, attribute]) => [attribute, `input.${field}`])),
  payment_methods: 'input.iban',
  'payment_methods/iban': 'input.iban',
  discount: 'input.discount',
  'discount/type': 'input.discount.type',
  'discount/value': 'input.discount.value',
  items: 'input.items',
  'items/*': 'input.items[*]',
  'items/*/title': 'input.items[*].title',
  'items/*/description': 'input.items[*].description',
  'items/*/quantity': 'input.items[*].quantity',
  'items/*/unit': 'input.items[*].unit',
  'items/*/unit_price': 'input.items[*].unitPrice',
  'items/*/unit_price/value': 'input.items[*].unitPrice.value',
  'items/*/unit_price/currency': 'input.items[*].unitPrice.currency',
  'items/*/vat_rate': 'input.items[*].vatRate',
  'items/*/vat_exemption_reason': 'input.items[*].vatExemptionReason',
  'items/*/discount': 'input.items[*].discount',
  'items/*/discount/type': 'input.items[*].discount.type',
  'items/*/discount/value': 'input.items[*].discount.value',
};

const decimal = (value: string, argument: string) => boundedStringArgument(value, argument, L.decimal) ?? '';

function discountBody(discount: DiscountArgs, argument: string): WireDiscountInput {
  return { type: discount.type, value: decimal(discount.value, `${argument}.value`) };
}

function itemBody(item: ItemArgs, index: number): WireInvoiceItemInput {
  const at = `input.items[${index}]`;
  const body: WireInvoiceItemInput = {
    title: boundedStringArgument(item.title, `${at}.title`, L.shortText) ?? '',
    quantity: decimal(item.quantity, `${at}.quantity`),
    unit_price: {
      value: decimal(item.unitPrice.value, `${at}.unitPrice.value`),
      currency: boundedStringArgument(item.unitPrice.currency, `${at}.unitPrice.currency`, L.currency) ?? '',
    },
    vat_rate: decimal(item.vatRate, `${at}.vatRate`),
  };
  const description = boundedStringArgument(item.description, `${at}.description`, L.longText);
  if (description !== undefined) body.description = description;
  const unit = boundedStringArgument(item.unit, `${at}.unit`, L.shortText);
  if (unit !== undefined) body.unit = unit;
  const reason = boundedStringArgument(item.vatExemptionReason, `${at}.vatExemptionReason`, L.shortText);
  if (reason !== undefined) body.vat_exemption_reason = reason;
  if (item.discount != null) body.discount = discountBody(item.discount, `${at}.discount`);
  return body;
}

/**
 * The Qonto body of an invoice input, only the keys given, every id and length checked first
 * (`BAD_USER_INPUT` naming the input path). The IBAN is resolved separately ({@link resolveIban}).
 */
export function invoiceBody(input: InvoiceArgs): WireUpdateClientInvoiceBody {
  const body: WireUpdateClientInvoiceBody = {};
  if (input.clientId != null) body.client_id = qontoIdArgument(input.clientId, 'input.clientId');
  for (const [field, attribute] of DATE_FIELDS) {
    const value = input[field];
    if (value != null) body[attribute] = value;
  }
  for (const [field, attribute, limit] of TEXT_FIELDS) {
    const value = boundedStringArgument(input[field], `input.${field}`, limit);
    if (value !== undefined) body[attribute] = value;
  }
  if (input.items != null) {
    if (input.items.length < L.items.min || input.items.length > L.items.max) {
      throw badUserInput(`input.items takes ${L.items.min} to ${L.items.max} lines`, 'input.items');
    }
    body.items = input.items.map(itemBody);
  }
  if (input.discount != null) body.discount = discountBody(input.discount, 'input.discount');
  return body;
}

/**
 * The IBAN to send: the organization's own spelling of `iban`, or its main account's when none is
 * given and `useDefault`. An IBAN that is not the organization's is a `ValidationError` on
 * `input.iban`, before any create or update. Reads the organization once per operation.
 */
export async function resolveIban(ctx: GatewayContext, iban: string | null | undefined, useDefault: boolean): Promise<string | undefined> {
  if (iban == null && !useDefault) return undefined;
  const checked = boundedStringArgument(iban, 'input.iban', L.iban);
  const organization = await ctx.loaders.organization();
  if (checked === undefined) {
    const main = defaultIban(organization);
    if (main === undefined) throw new ValidationError('input.iban', 'The organization has no bank account to be paid on');
    return main;
  }
  const own = organizationIban(organization, checked);
  if (own === undefined) throw new ValidationError('input.iban', "input.iban is not one of the organization's IBANs");
  return own;
}

interface InvoiceOutcome {
  invoice: WireClientInvoice;
}

const successOf = (name: string) =>
  builder.objectRef<InvoiceOutcome>(name).implement({
    fields: (t) => ({ invoice: t.field({ type: ClientInvoice, resolve: (r) => r.invoice }) }),
  });

const CreateClientInvoiceSuccess = successOf('CreateClientInvoiceSuccess');
const UpdateClientInvoiceSuccess = successOf('UpdateClientInvoiceSuccess');
const FinalizeClientInvoiceSuccess = successOf('FinalizeClientInvoiceSuccess');
const CancelClientInvoiceSuccess = successOf('CancelClientInvoiceSuccess');
const DeleteClientInvoiceSuccess = builder.objectRef<{ id: string }>('DeleteClientInvoiceSuccess').implement({
  fields: (t) => ({ id: t.exposeID('id', { description: 'The id of the deleted invoice.' }) }),
});

const CREATE_ERRORS = [ValidationError];
const UPDATE_ERRORS = [NotFoundError, InvalidInvoiceStateError, ValidationError];
const ACTION_ERRORS = [NotFoundError, InvalidInvoiceStateError];

/**
 * Runs one invoice call, translating Qonto's errors with the one table; on success the invoice
 * is put into the operation's loader and the lifecycle hub is told it changed.
 */
async function invoiceCall<T extends WireClientInvoice | undefined>(
  ctx: GatewayContext,
  call: () => Promise<T>,
  translation: Omit<QontoCall, 'ctx'>,
): Promise<T> {
  let result: T;
  try {
    result = await call();
  } catch (error) {
    throw await toErrorMember(error, { ctx, ...translation });
  }
  const id = result?.id ?? translation.invoiceId;
  if (result) primeInvoice(ctx, result);
  else if (id !== undefined) ctx.loaders.invoice.clear(id);
  if (id !== undefined) ctx.services.lifecycle.invoiceChanged(id);
  return result;
}

const action = (members: readonly ErrorMemberClass[], invoiceId: string, invalidState: string) => ({
  members,
  invoiceId,
  invalidState,
});

builder.mutationFields((t) => ({
  createClientInvoice: t.field({
    type: CreateClientInvoiceSuccess,
    description: "Creates a draft invoice (POST /v2/client_invoices). iban defaults to the organization's main account, currency to EUR.",
    args: { input: t.arg({ type: CreateClientInvoiceInput, required: true }) },
    errors: { types: CREATE_ERRORS, union: { name: 'CreateClientInvoiceResult' }, directResult: true },
    resolve: async (_, { input }, ctx) => {
      const fields = invoiceBody(input);
      const iban = await resolveIban(ctx, input.iban, true);
      const body: WireCreateClientInvoiceBody = {
        ...(fields as WireCreateClientInvoiceBody),
        currency: fields.currency ?? 'EUR',
        ...(iban === undefined ? {} : { payment_methods: { iban } }),
      };
      const qonto = ctx.qonto();
      const invoice = await invoiceCall(ctx, () => qonto.createClientInvoice(body), {
        members: CREATE_ERRORS,
        fields: INVOICE_FIELDS,
        refusedInput: { field: 'input', message: 'Qonto refused the invoice' },
      });
      return { invoice };
    },
  }),
  updateClientInvoice: t.field({
    type: UpdateClientInvoiceSuccess,
    description: 'Changes the fields given, and only those, of a draft (PATCH /v2/client_invoices/{id}).',
    args: {
      id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }),
      input: t.arg({ type: UpdateClientInvoiceInput, required: true }),
    },
    errors: { types: UPDATE_ERRORS, union: { name: 'UpdateClientInvoiceResult' }, directResult: true },
    resolve: async (_, { id: rawId, input }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      const body = invoiceBody(input);
      const iban = await resolveIban(ctx, input.iban, false);
      if (iban !== undefined) body.payment_methods = { iban };
      const qonto = ctx.qonto();
      const invoice = await invoiceCall(ctx, () => qonto.updateClientInvoice(id, body), {
        members: UPDATE_ERRORS,
        invoiceId: id,
        fields: INVOICE_FIELDS,
        invalidState: 'Only a draft can be updated',
      });
      return { invoice };
    },
  }),
  finalizeClientInvoice: t.field({
    type: FinalizeClientInvoiceSuccess,
    description: 'draft → unpaid; Qonto numbers the invoice if it has no number.',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    errors: { types: ACTION_ERRORS, union: { name: 'FinalizeClientInvoiceResult' }, directResult: true },
    resolve: async (_, { id: rawId }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      const qonto = ctx.qonto();
      const translation = action(ACTION_ERRORS, id, 'Only a draft can be finalized');
      return { invoice: await invoiceCall(ctx, () => qonto.finalizeClientInvoice(id), translation) };
    },
  }),
  cancelClientInvoice: t.field({
    type: CancelClientInvoiceSuccess,
    description: 'unpaid → canceled, for good (POST /v2/client_invoices/{id}/mark_as_canceled).',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    errors: { types: ACTION_ERRORS, union: { name: 'CancelClientInvoiceResult' }, directResult: true },
    resolve: async (_, { id: rawId }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      const qonto = ctx.qonto();
      const translation = action(ACTION_ERRORS, id, 'Only an unpaid invoice can be canceled');
      return { invoice: await invoiceCall(ctx, () => qonto.markClientInvoiceAsCanceled(id), translation) };
    },
  }),
  deleteClientInvoice: t.field({
    type: DeleteClientInvoiceSuccess,
    description: 'Deletes a draft, or an imported unpaid invoice never sent by e-invoice (DELETE /v2/client_invoices/{id}).',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    errors: { types: ACTION_ERRORS, union: { name: 'DeleteClientInvoiceResult' }, directResult: true },
    resolve: async (_, { id: rawId }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      const qonto = ctx.qonto();
      const translation = action(ACTION_ERRORS, id, 'Only a draft or an imported invoice can be deleted');
      await invoiceCall(ctx, () => qonto.deleteClientInvoice(id).then(() => undefined), translation);
      return { id };
    },
  }),
}));
