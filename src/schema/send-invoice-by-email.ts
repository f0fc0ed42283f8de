import type { GatewayContext } from '../context.js';
import { MAX_EMAIL_LENGTH } from '../domain/input-rules.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import { QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import { InvalidInvoiceStateError, NotFoundError, ValidationError } from './errors.js';
import { loadFreshInvoice } from './fresh.js';
import { toErrorMember } from './qonto-error-members.js';

const SEND_BY_EMAIL_ERRORS = [NotFoundError, ValidationError, InvalidInvoiceStateError];

/** Qonto's body attributes of the email send, as paths of the mutation's input. */
const EMAIL_FIELDS = { send_to: 'input.sendTo', email_title: 'input.emailTitle', email_body: 'input.emailBody' };

const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;
const MAX_RECIPIENTS = 100;
const MAX_TITLE = 255;
const MAX_BODY = 10_000;

/** The input of `sendInvoiceByEmail`. */
export interface SendByEmailInput {
  sendTo: readonly string[];
  emailTitle: string;
  emailBody?: string | null;
  copyToSelf?: boolean | null;
}

const SendInvoiceByEmailInput = builder.inputType('SendInvoiceByEmailInput', {
  fields: (t) => ({
    sendTo: t.stringList({
      required: true,
      description: `1 to ${MAX_RECIPIENTS} email addresses (each at most ${MAX_EMAIL_LENGTH} characters).`,
    }),
    emailTitle: t.string({ required: true, description: `The subject, at most ${MAX_TITLE} characters.` }),
    emailBody: t.string({ description: `At most ${MAX_BODY} characters.` }),
    copyToSelf: t.boolean({ description: 'Also send a copy to the sender (Qonto default: true).' }),
  }),
});

const SendInvoiceByEmailSuccess = builder.objectRef<{ invoice: WireClientInvoice }>('SendInvoiceByEmailSuccess').implement({
  fields: (t) => ({ invoice: t.field({ type: ClientInvoice, resolve: (r) => r.invoice }) }),
});

/** Checks the input as Qonto would, naming the first bad field; throws {@link ValidationError}. */
export function validateEmailInput(input: SendByEmailInput): void {
  if (input.sendTo.length === 0) throw new ValidationError('input.sendTo', 'Give at least one recipient');
  if (input.sendTo.length > MAX_RECIPIENTS) throw new ValidationError('input.sendTo', `At most ${MAX_RECIPIENTS} recipients`);
  input.sendTo.forEach((address, index) => {
    if (address.length > MAX_EMAIL_LENGTH)
      throw new ValidationError(`input.sendTo[${index}]`, `Recipient ${index + 1} is longer than ${MAX_EMAIL_LENGTH} characters`);
    if (!EMAIL.test(address.trim())) throw new ValidationError(`input.sendTo[${index}]`, `"${address}" is not an email address`);
  });
  if (input.emailTitle.trim() === '') throw new ValidationError('input.emailTitle', 'The email title cannot be blank');
  if (input.emailTitle.length > MAX_TITLE)
    throw new ValidationError('input.emailTitle', `The email title is longer than ${MAX_TITLE} characters`);
  if ((input.emailBody?.length ?? 0) > MAX_BODY)
    throw new ValidationError('input.emailBody', `The email body is longer than ${MAX_BODY} characters`);
}

/** Emails an invoice through Qonto after validating the input (no call when it is invalid). */
export async function sendInvoiceByEmail(ctx: GatewayContext, id: string, input: SendByEmailInput) {
  validateEmailInput(input);
  const qonto = ctx.qonto();
  try {
    await qonto.sendClientInvoiceByEmail(id, {
      send_to: input.sendTo.map((address) => address.trim()),
      email_title: input.emailTitle,
      ...(input.emailBody != null ? { email_body: input.emailBody } : {}),
      ...(input.copyToSelf != null ? { copy_to_self: input.copyToSelf } : {}),
    });
  } catch (error) {
    throw await toErrorMember(error, {
      ctx,
      members: SEND_BY_EMAIL_ERRORS,
      invoiceId: id,
      fields: EMAIL_FIELDS,
      invalidState: 'This invoice cannot be sent by email in its current status',
    });
  }
  ctx.services.lifecycle.invoiceChanged(id);
  const invoice = await loadFreshInvoice(ctx, id);
  if (!invoice) throw new NotFoundError(id);
  return { invoice };
}

builder.mutationField('sendInvoiceByEmail', (t) =>
  t.field({
    type: SendInvoiceByEmailSuccess,
    description: 'Emails the invoice through Qonto (the fallback for clients not reachable by e-invoice).',
    args: {
      id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }),
      input: t.arg({ type: SendInvoiceByEmailInput, required: true }),
    },
    errors: { types: SEND_BY_EMAIL_ERRORS, union: { name: 'SendInvoiceByEmailResult' }, directResult: true },
    resolve: (_, { id, input }, ctx) => sendInvoiceByEmail(ctx, qontoIdArgument(id, 'id'), input),
  }),
);
