import type { WireLifecycleEvent } from '../qonto/wire.js';
import { normalizeLifecycleEvents } from './lifecycle-events.js';

/** Lifecycle codes that end a submission in failure: 210 refused, 213 rejected, 221 routing error (docs/qonto-facts.md#lifecycle-codes). */
export const FAILED_SUBMISSION_CODES: ReadonlySet<number> = new Set([210, 213, 221]);

/**
 * True when the invoice is already on its way through the network: it has lifecycle events and
 * the latest is not a failure. Sending it again would not resubmit it, so the gateway answers
 * `alreadySubmitted` without calling Qonto; after a failure a resend goes to Qonto
 * (docs/decisions.md#pre-checks). `einvoicing_status` is not looked at.
 */
export function isOnItsWay(invoiceId: string, events: readonly WireLifecycleEvent[] | null | undefined): boolean {
  const latest = normalizeLifecycleEvents(invoiceId, events).at(-1);
  if (!latest) return false;
  return latest.statusCode === null || !FAILED_SUBMISSION_CODES.has(latest.statusCode);
}
