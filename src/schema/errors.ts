import type { WireClient } from '../qonto/wire.js';
import { builder } from './builder.js';
import { Client } from './client.js';
import { ClientInvoiceStatus, toInvoiceStatus } from './client-invoice.js';

/** No invoice with that id for these credentials (Qonto 404). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly resourceId: string,
    what = 'Client invoice',
  ) {
    super(`${what} ${resourceId} not found`);
  }
}

/** The client cannot receive e-invoices: send by email instead. */
export class ClientNotReachableError extends Error {
  override name = 'ClientNotReachableError';
  constructor(readonly client: WireClient | null) {
    super(
      client
        ? `${client.name ?? 'The client'} is not reachable on the e-invoicing network: send the invoice with sendInvoiceByEmail instead`
        : 'The invoice has no client reachable on the e-invoicing network: send it with sendInvoiceByEmail instead',
    );
  }
}

/** Qonto refused the send with 412, with its own `code` (docs/qonto-facts.md#send-by-e-invoice). */
export class EinvoicingPreconditionFailedError extends Error {
  override name = 'EinvoicingPreconditionFailedError';
  constructor(
    readonly code: string,
    readonly detail: string | null,
    readonly traceId: string | null,
  ) {
    super(detail ? `E-invoicing precondition failed (${code}): ${detail}` : `E-invoicing precondition failed (${code})`);
  }
}

/** The gateway talks to Qonto's sandbox, which has no e-invoicing network. */
export class EinvoicingUnavailableInSandboxError extends Error {
  override name = 'EinvoicingUnavailableInSandboxError';
  constructor() {
    super("Qonto's sandbox has no e-invoicing network: sending by e-invoice only works in production");
  }
}

/** The invoice's status does not allow the action. */
export class InvalidInvoiceStateError extends Error {
  override name = 'InvalidInvoiceStateError';
  constructor(
    readonly status: string | null | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** An input was refused before calling Qonto (or Qonto refused it with 422). */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** `interface Error { message: String! }`, implemented by every error member of a result union. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Implemented by every error member of a mutation result union.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.exposeID('resourceId', { description: 'The id that was not found.' }) }),
});

builder.objectType(ClientNotReachableError, {
  name: 'ClientNotReachableError',
  description: 'The client cannot receive e-invoices (not `e_invoicing_reachable`): use sendInvoiceByEmail.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ client: t.field({ type: Client, nullable: true, resolve: (e) => e.client }) }),
});

builder.objectType(EinvoicingPreconditionFailedError, {
  name: 'EinvoicingPreconditionFailedError',
  description: 'Qonto refused the e-invoice send (HTTP 412); `code` and `detail` are Qonto’s.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.exposeString('code'),
    detail: t.exposeString('detail', { nullable: true }),
    traceId: t.exposeString('traceId', { nullable: true }),
  }),
});

builder.objectType(EinvoicingUnavailableInSandboxError, {
  name: 'EinvoicingUnavailableInSandboxError',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(InvalidInvoiceStateError, {
  name: 'InvalidInvoiceStateError',
  description: "The invoice's status does not allow this action.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.field({ type: ClientInvoiceStatus, resolve: (e) => toInvoiceStatus(e.status) }) }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An input was refused; `field` names it (e.g. `input.sendTo[1]`, `files[0]`, `paidAt`).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field') }),
});
