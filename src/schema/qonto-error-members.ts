import type { GatewayContext } from '../context.js';
import { isHttpError, type QontoError } from '../qonto/errors.js';
import {
  type ClientNotReachableError,
  EinvoicingPreconditionFailedError,
  type EinvoicingUnavailableInSandboxError,
  InvalidInvoiceStateError,
  NotFoundError,
  ValidationError,
} from './errors.js';
import { loadFreshInvoice } from './fresh.js';

/** An error member of a mutation's result union (the classes given to Pothos as `errors.types`). */
export type ErrorMemberClass =
  | typeof NotFoundError
  | typeof InvalidInvoiceStateError
  | typeof ValidationError
  | typeof EinvoicingPreconditionFailedError
  | typeof ClientNotReachableError
  | typeof EinvoicingUnavailableInSandboxError;

/** What a mutation tells the table about the Qonto call that failed. */
export interface QontoCall {
  ctx: GatewayContext;
  /** The error members of the mutation's result union: no other member is ever returned. */
  members: readonly ErrorMemberClass[];
  /** The invoice the call addressed: a 404 is a `NotFoundError` for it. Without it a 404 stays as it is. */
  invoiceId?: string;
  /**
   * Qonto body attributes to GraphQL input paths (`{ paid_at: 'paidAt' }`): a 422 whose
   * `source.pointer` names one of them (`/data/attributes/paid_at`) is a `ValidationError` on that path.
   */
  fields?: Readonly<Record<string, string>>;
  /**
   * Any other 422 refuses the invoice's current status: the invoice is read again and the answer
   * is an `InvalidInvoiceStateError` with its status, and Qonto's detail or else this message.
   */
  invalidState?: string;
  /** Any other 422 refuses this input as a whole: a `ValidationError` on `field`, with Qonto's detail or else `message`. */
  refusedInput?: { field: string; message: string };
}

interface Row {
  status: number;
  member: ErrorMemberClass;
  /** The member for this error, or undefined when the call gives this row nothing to go on. */
  build: (error: QontoError, call: QontoCall) => Error | undefined | Promise<Error | undefined>;
}

/**
 * The one translation from Qonto's HTTP errors to mutation error members, tried in order: the
 * first row with the error's status, a member the mutation's union holds, and a result, wins.
 * See docs/qonto-facts.md#error-body and docs/decisions.md#failure-shapes.
 */
const TABLE: readonly Row[] = [
  {
    status: 404,
    member: NotFoundError,
    build: (_, call) => (call.invoiceId === undefined ? undefined : new NotFoundError(call.invoiceId)),
  },
  {
    status: 412,
    member: EinvoicingPreconditionFailedError,
    build: (error) =>
      new EinvoicingPreconditionFailedError(error.code ?? 'precondition_failed', error.detail ?? null, error.traceId ?? null),
  },
  {
    status: 422,
    member: ValidationError,
    build: (error, call) => {
      const attribute = pointerAttribute(error.source?.pointer);
      const path = attribute === undefined ? undefined : call.fields?.[attribute];
      return path === undefined ? undefined : new ValidationError(path, error.detail ?? 'Invalid value');
    },
  },
  {
    status: 422,
    member: InvalidInvoiceStateError,
    build: async (error, call) => {
      if (call.invalidState === undefined || call.invoiceId === undefined) return undefined;
      const current = await loadFreshInvoice(call.ctx, call.invoiceId);
      if (!current && call.members.includes(NotFoundError)) return new NotFoundError(call.invoiceId);
      return new InvalidInvoiceStateError(current?.status, error.detail ?? call.invalidState);
    },
  },
  {
    status: 422,
    member: ValidationError,
    build: (error, call) =>
      call.refusedInput ? new ValidationError(call.refusedInput.field, error.detail ?? call.refusedInput.message) : undefined,
  },
];

/**
 * The error member a failed Qonto call becomes for a mutation, or `error` itself when no row of
 * the table applies (it then stays a top-level error, masked by src/graphql/errors.ts). Meant for
 * `catch (error) { throw await toErrorMember(error, call); }`.
 */
export async function toErrorMember(error: unknown, call: QontoCall): Promise<unknown> {
  if (!isHttpError(error)) return error;
  for (const row of TABLE) {
    if (row.status !== error.status || !call.members.includes(row.member)) continue;
    const member = await row.build(error, call);
    if (member) return member;
  }
  return error;
}

/**
 * The body attribute a JSON pointer names: the segment after `/data/attributes/`
 * (`/data/attributes/send_to/1` names `send_to`), else the last segment (`/paid_at`).
 */
export function pointerAttribute(pointer: string | undefined): string | undefined {
  if (!pointer) return undefined;
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const attribute = segments[0] === 'data' && segments[1] === 'attributes' ? segments[2] : segments.at(-1);
  return attribute || undefined;
}
