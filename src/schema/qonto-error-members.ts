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
  /** The client the call addressed (when no `invoiceId` is given): a 404 is a `NotFoundError` for it. */
  clientId?: string;
  /**
   * Qonto body attributes to GraphQL input paths (`{ paid_at: 'paidAt' }`): a 422 whose
   * `source.pointer` names one of them (`/data/attributes/paid_at`) is a `ValidationError` on that path.
   * A key may be a nested path with `*` for list indexes, and its path then takes the pointer's
   * indexes in order: with `{ 'items/*\/vat_rate': 'input.items[*].vatRate' }`,
   * `/data/attributes/items/0/vat_rate` is `input.items[0].vatRate`. The longest key matching a
   * leading part of the pointer wins (see {@link pointerFieldPath}).
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
    build: (_, call) => {
      if (call.invoiceId !== undefined) return new NotFoundError(call.invoiceId);
      return call.clientId === undefined ? undefined : new NotFoundError(call.clientId, 'Client');
    },
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
      const path = call.fields === undefined ? undefined : pointerFieldPath(error.source?.pointer, call.fields);
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
  return pointerSegments(pointer)[0];
}

/** The segments of a JSON pointer after `/data/attributes/`, else its last segment alone (`/paid_at`). */
function pointerSegments(pointer: string | undefined): string[] {
  if (!pointer) return [];
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments[0] === 'data' && segments[1] === 'attributes') return segments.slice(2).filter((segment) => segment !== '');
  const last = segments.at(-1);
  return last ? [last] : [];
}

/**
 * The GraphQL input path a 422 pointer names through `fields` (see {@link QontoCall.fields}), or
 * undefined. Numeric segments match `*` and fill the `*`s of the path in order; the longest
 * leading part of the pointer that is a key wins, so `/data/attributes/items/0/unit_price/value`
 * falls back to `items/*\/unit_price` when there is no deeper key.
 */
export function pointerFieldPath(pointer: string | undefined, fields: Readonly<Record<string, string>>): string | undefined {
  const segments = pointerSegments(pointer);
  for (let length = segments.length; length > 0; length--) {
    const head = segments.slice(0, length);
    const indexes = head.filter((segment) => /^\d+$/.test(segment));
    const path = fields[head.map((segment) => (/^\d+$/.test(segment) ? '*' : segment)).join('/')];
    if (path === undefined) continue;
    let next = 0;
    return path.replace(/\*/g, () => indexes[next++] ?? '*');
  }
  return undefined;
}
