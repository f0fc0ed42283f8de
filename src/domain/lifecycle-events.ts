import type { WireLifecycleEvent } from '../qonto/wire.js';

/** French e-invoicing lifecycle statuses by code (docs/qonto-facts.md#lifecycle-codes), named as in the GraphQL enum. */
export const LIFECYCLE_STATUSES = {
  200: { status: 'SUBMITTED', label: 'Submitted' },
  201: { status: 'ISSUED_BY_PLATFORM', label: 'Issued by platform' },
  202: { status: 'RECEIVED_BY_PLATFORM', label: 'Received by platform' },
  203: { status: 'MADE_AVAILABLE', label: 'Made available' },
  204: { status: 'IN_HAND', label: 'In hand' },
  205: { status: 'APPROVED', label: 'Approved' },
  206: { status: 'PARTIALLY_APPROVED', label: 'Partially approved' },
  207: { status: 'IN_DISPUTE', label: 'In dispute' },
  208: { status: 'SUSPENDED', label: 'Suspended' },
  209: { status: 'COMPLETED', label: 'Completed' },
  210: { status: 'REFUSED', label: 'Refused' },
  211: { status: 'PAYMENT_TRANSMITTED', label: 'Payment transmitted' },
  212: { status: 'CASHED', label: 'Payment received' },
  213: { status: 'REJECTED', label: 'Rejected' },
  214: { status: 'REVIEWED', label: 'Reviewed' },
  220: { status: 'CANCELLED', label: 'Cancelled' },
  221: { status: 'ROUTING_ERROR', label: 'Routing error' },
  224: { status: 'DIRECT_PAYMENT_REQUESTED', label: 'Direct payment requested' },
  225: { status: 'FACTORED', label: 'Factored' },
  226: { status: 'FACTORED_CONFIDENTIAL', label: 'Factored (confidential)' },
  227: { status: 'PAYEE_ACCOUNT_CHANGED', label: 'Payee account changed' },
  228: { status: 'NOT_FACTORED', label: 'Not factored' },
} as const;

/** A `LifecycleStatus` enum value, `UNKNOWN` for a code we do not know. */
export type LifecycleStatusName = (typeof LIFECYCLE_STATUSES)[keyof typeof LIFECYCLE_STATUSES]['status'] | 'UNKNOWN';

/** Every `LifecycleStatus` enum value with its code (`UNKNOWN` has none). */
export const LIFECYCLE_STATUS_NAMES: ReadonlyArray<readonly [LifecycleStatusName, number | null]> = [
  ...Object.entries(LIFECYCLE_STATUSES).map(([code, { status }]) => [status, Number(code)] as const),
  ['UNKNOWN', null],
];

/** A lifecycle event normalised for the gateway: sorted, typed and addressable by a cursor. */
export interface LifecycleEvent {
  /** Position in Qonto's order (0 = first event). */
  index: number;
  /** The numeric code, or null when Qonto sent something that is not a number. */
  statusCode: number | null;
  /** The code exactly as Qonto sent it, as a string. */
  rawStatusCode: string;
  status: LifecycleStatusName;
  label: string;
  occurredAt: string | null;
  reason: string | null;
  reasonMessage: string | null;
  cursor: string;
}

const CURSOR_PREFIX = 'lc1:';

/** Encodes the position of an event in an invoice's lifecycle as an opaque cursor. */
export function encodeLifecycleCursor(invoiceId: string, index: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${invoiceId}:${index}`, 'utf8').toString('base64url');
}

/**
 * Decodes a cursor from {@link encodeLifecycleCursor}. Returns null for anything else, including
 * a cursor of another invoice.
 */
export function decodeLifecycleCursor(cursor: string, invoiceId: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const expectedPrefix = `${CURSOR_PREFIX}${invoiceId}:`;
  if (!text.startsWith(expectedPrefix)) return null;
  const rest = text.slice(expectedPrefix.length);
  if (!/^\d{1,6}$/.test(rest)) return null;
  return Number(rest);
}

function timeOf(event: WireLifecycleEvent): number {
  const time = event.timestamp ? Date.parse(event.timestamp) : Number.NaN;
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/**
 * Normalises Qonto's `einvoicing_lifecycle_events` (docs/qonto-facts.md#leniency): `status_code`
 * as string or number, sorted by timestamp keeping array order for ties (events without a
 * timestamp keep their place at the front), unknown codes mapped to `UNKNOWN`.
 */
export function normalizeLifecycleEvents(invoiceId: string, events: readonly WireLifecycleEvent[] | null | undefined): LifecycleEvent[] {
  if (!events || events.length === 0) return [];
  const ordered = events
    .map((event, position) => ({ event, position, time: timeOf(event) }))
    .sort((a, b) => a.time - b.time || a.position - b.position);
  return ordered.map(({ event }, index) => {
    const rawStatusCode = String(event.status_code ?? '').trim();
    const numeric = /^\d+$/.test(rawStatusCode) ? Number(rawStatusCode) : null;
    const known = numeric !== null ? LIFECYCLE_STATUSES[numeric as keyof typeof LIFECYCLE_STATUSES] : undefined;
    return {
      index,
      statusCode: numeric,
      rawStatusCode,
      status: known?.status ?? 'UNKNOWN',
      label: known?.label ?? (rawStatusCode ? `Status ${rawStatusCode}` : 'Unknown status'),
      occurredAt: event.timestamp ?? null,
      reason: event.reason ?? null,
      reasonMessage: event.reason_message ?? null,
      cursor: encodeLifecycleCursor(invoiceId, index),
    };
  });
}
