import { type PlannedEvent, plannedEvents } from './lifecycle.js';
import type { SimulatorStore } from './store.js';
import type { TimerRegistry } from './timers.js';
import type { EinvoicingOutcomeSpec } from './types.js';

/** Options of the simulated e-invoicing network (docs/qonto-facts.md#simulator-e-invoicing-network). */
export interface NetworkOptions {
  store: SimulatorStore;
  timers: TimerRegistry;
  /** Pace between events after 200; 0 appends every event at once. */
  stepIntervalMs: number;
  /** When true, events after 200 only come from {@link EinvoicingNetwork.advance} / `flush`. */
  manualClock: boolean;
}

interface Progression {
  organizationId: string;
  invoiceId: string;
  remaining: PlannedEvent[];
  timer?: NodeJS.Timeout;
}

/**
 * The simulated French e-invoicing network (docs/qonto-facts.md#simulator-e-invoicing-network): a send appends event 200 synchronously,
 * then the rest of the seeded client's outcome one event per step (timer or manual clock). Each
 * appended event sends its webhook through the store.
 */
export class EinvoicingNetwork {
  private readonly progressions = new Map<string, Progression>();

  constructor(private readonly options: NetworkOptions) {}

  /** Starts a progression: event 200 now, the others later (or now when the step is 0). */
  submit(organizationId: string, invoiceId: string, outcome: EinvoicingOutcomeSpec): void {
    // A resend replaces whatever is left of an earlier progression of the same invoice.
    const earlier = this.progressions.get(invoiceId);
    if (earlier) {
      this.options.timers.clear(earlier.timer);
      this.progressions.delete(invoiceId);
    }
    const [first, ...rest] = plannedEvents(outcome);
    if (!first) return;
    this.append(organizationId, invoiceId, first);
    if (rest.length === 0) return;
    const progression: Progression = { organizationId, invoiceId, remaining: rest };
    this.progressions.set(invoiceId, progression);
    if (this.options.manualClock) return;
    if (this.options.stepIntervalMs <= 0) {
      this.runToEnd(progression);
      return;
    }
    this.schedule(progression);
  }

  /** Appends the next due event of every running progression; returns how many were appended. */
  advance(): number {
    let appended = 0;
    for (const progression of [...this.progressions.values()]) {
      if (this.step(progression)) appended += 1;
    }
    return appended;
  }

  /** Runs every progression to its end; returns how many events were appended. */
  flush(): number {
    let appended = 0;
    for (const progression of [...this.progressions.values()]) appended += this.runToEnd(progression);
    return appended;
  }

  /** How many progressions still have events to append. */
  running(): number {
    return this.progressions.size;
  }

  /** Stops every progression (timers are cancelled by the registry). */
  close(): void {
    for (const progression of this.progressions.values()) this.options.timers.clear(progression.timer);
    this.progressions.clear();
  }

  private runToEnd(progression: Progression): number {
    let appended = 0;
    while (this.step(progression)) appended += 1;
    return appended;
  }

  private step(progression: Progression): boolean {
    this.options.timers.clear(progression.timer);
    progression.timer = undefined;
    const next = progression.remaining.shift();
    if (!next) {
      this.progressions.delete(progression.invoiceId);
      return false;
    }
    const stillThere = this.append(progression.organizationId, progression.invoiceId, next);
    if (!stillThere || progression.remaining.length === 0) this.progressions.delete(progression.invoiceId);
    else if (!this.options.manualClock && this.options.stepIntervalMs > 0) this.schedule(progression);
    return stillThere;
  }

  private schedule(progression: Progression): void {
    progression.timer = this.options.timers.set(() => {
      progression.timer = undefined;
      this.step(progression);
    }, this.options.stepIntervalMs);
  }

  private append(organizationId: string, invoiceId: string, event: PlannedEvent): boolean {
    if (!this.options.store.invoiceRecord(organizationId, invoiceId)) return false;
    this.options.store.appendLifecycleEvent(organizationId, invoiceId, {
      status_code: event.statusCode,
      reason: event.reason,
      reason_message: event.reasonMessage,
    });
    return true;
  }
}
