import type { EinvoicingOutcome, EinvoicingOutcomeSpec, LifecycleEventRecord } from './types.js';
import type { EinvoicingStatus } from './wire.js';

export type { EinvoicingStatus } from './wire.js';

/** Default reasons of the terminal events (docs/qonto-facts.md#simulator-e-invoicing-network). */
export const DEFAULT_OUTCOME_REASONS: Record<Exclude<EinvoicingOutcome, 'approved'>, { reason: string; reasonMessage: string }> = {
  rejected: { reason: 'SIM_REJECTED', reasonMessage: 'Rejected by the receiving platform (simulated)' },
  refused: { reason: 'SIM_REFUSED', reasonMessage: 'Refused by the buyer (simulated)' },
};

/** Lifecycle codes of each outcome, one per network step (docs/qonto-facts.md#simulator-e-invoicing-network). */
export const OUTCOME_SEQUENCES: Record<EinvoicingOutcome, readonly string[]> = {
  approved: ['200', '201', '202', '203', '204', '205'],
  rejected: ['200', '201', '202', '213'],
  refused: ['200', '201', '202', '203', '210'],
};

/** An outcome with its default reason. */
export function outcomeSpec(outcome: EinvoicingOutcome, reason?: string | null, reasonMessage?: string | null): EinvoicingOutcomeSpec {
  if (outcome === 'approved') return { outcome, reason: null, reasonMessage: null };
  const defaults = DEFAULT_OUTCOME_REASONS[outcome];
  return { outcome, reason: reason ?? defaults.reason, reasonMessage: reasonMessage ?? defaults.reasonMessage };
}

/** One event to append: its code and reason (null for every non-terminal event). */
export interface PlannedEvent {
  statusCode: string;
  reason: string | null;
  reasonMessage: string | null;
}

/** The events of a progression for an outcome; the reason goes on the final 213/210 only. */
export function plannedEvents(spec: EinvoicingOutcomeSpec): PlannedEvent[] {
  return OUTCOME_SEQUENCES[spec.outcome].map((statusCode) => {
    const carriesReason = statusCode === '213' || statusCode === '210';
    return {
      statusCode,
      reason: carriesReason ? spec.reason : null,
      reasonMessage: carriesReason ? spec.reasonMessage : null,
    };
  });
}

const TERMINAL: Record<string, EinvoicingStatus> = { '213': 'submission_failed', '221': 'not_delivered', '210': 'declined' };
const RANKED: Record<string, EinvoicingStatus> = {
  '200': 'pending',
  '201': 'submitted',
  '202': 'submitted',
  '203': 'submitted',
  '204': 'submitted',
  '207': 'submitted',
  '208': 'submitted',
  '209': 'submitted',
  '214': 'submitted',
  '205': 'approved',
  '206': 'approved',
  '211': 'approved',
  '212': 'approved',
};
const RANK: Record<string, number> = { pending: 1, submitted: 2, approved: 3 };

/** True for the statuses that never change again (docs/qonto-facts.md#simulator-einvoicing-status-and-settings). */
export function isTerminalStatus(status: EinvoicingStatus | null): boolean {
  return status === 'submission_failed' || status === 'not_delivered' || status === 'declined';
}

/** True when the latest event is a failure (213, 210, 221), so a send is a resend (docs/qonto-facts.md#simulator-send-by-e-invoice, step 4b). */
export function lastEventIsFailure(events: readonly Pick<LifecycleEventRecord, 'status_code'>[]): boolean {
  const last = events.at(-1);
  return last !== undefined && Object.hasOwn(TERMINAL, String(last.status_code));
}

/**
 * Derives `einvoicing_status` from the events in order (docs/qonto-facts.md#simulator-einvoicing-status-and-settings); null before any send.
 * A terminal status stays until a 200 that follows it (a resend), which starts over at `pending`.
 */
export function deriveEinvoicingStatus(events: readonly Pick<LifecycleEventRecord, 'status_code'>[]): EinvoicingStatus | null {
  let status: EinvoicingStatus | null = null;
  for (const event of events) {
    const code = String(event.status_code);
    if (isTerminalStatus(status)) {
      if (code === '200') status = 'pending';
      continue;
    }
    const terminal = TERMINAL[code];
    if (terminal) {
      status = terminal;
      continue;
    }
    const mapped = RANKED[code];
    if (!mapped) continue;
    if (status === null || (RANK[mapped] ?? 0) > (RANK[status] ?? 0)) status = mapped;
  }
  return status;
}
