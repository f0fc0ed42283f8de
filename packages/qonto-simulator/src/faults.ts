/** Webhook faults (delivery is otherwise faithful: docs/qonto-facts.md#simulator-webhooks). */
export interface WebhookFaults {
  /** Drop the next N deliveries: never sent, never retried. */
  dropNext: number;
  /** Send the next N deliveries twice (same envelope id and body). */
  duplicateNext: number;
  /** Hold the next N deliveries and send each right after the delivery that follows it. */
  reorderNext: number;
  /** Wait this long before every delivery attempt. */
  delayMs: number;
  /** The next N attempts send nothing and count as failed (the retry schedule applies). */
  failNext: number;
}

/** Faults injected into the simulator, for tests (deterministic counters) and demos (rates). */
export interface Faults {
  /** Added to every `/v2` response. */
  latencyMs: number;
  /** The next `count` matching requests answer `status` (a 5xx, or 401 / 403 for credential errors) with a Qonto error body. */
  failNext: { count: number; status: number; routes?: string[] };
  /** The next `count` requests answer 429; `Retry-After` only when `retryAfterSeconds` is set. */
  rateLimitNext: { count: number; retryAfterSeconds?: number };
  /** The next `count` requests never answer (until the client gives up or the simulator closes). */
  hangNext: { count: number };
  /** Probability (0..1) that a request answers 500. */
  failRate: number;
  /** Probability (0..1) that a request answers 429 (with `Retry-After: 1`). */
  rateLimitRate: number;
  webhooks: WebhookFaults;
}

/** Faults as accepted by {@link FaultController.set}: every level is optional. */
export type FaultsInput = Partial<Omit<Faults, 'webhooks' | 'failNext'>> & {
  failNext?: Partial<Faults['failNext']>;
  webhooks?: Partial<WebhookFaults>;
};

/** Sets and consumes faults. */
export interface FaultController {
  /** Merges the given faults into the current ones (nested objects are merged too). */
  set(faults: FaultsInput): void;
  /** Back to no faults. */
  reset(): void;
  /** A copy of the current faults (counters show what is left). */
  current(): Faults;
}

/** What a request must suffer, decided once per `/v2` request. */
export type RequestFault = { kind: 'hang' } | { kind: 'rate-limit'; retryAfterSeconds?: number } | { kind: 'fail'; status: number };

/** Which fault applies to one first delivery of a webhook. */
export interface WebhookDeliveryFault {
  drop: boolean;
  duplicate: boolean;
  reorder: boolean;
}

function noFaults(): Faults {
  return {
    latencyMs: 0,
    failNext: { count: 0, status: 500 },
    rateLimitNext: { count: 0 },
    hangNext: { count: 0 },
    failRate: 0,
    rateLimitRate: 0,
    webhooks: { dropNext: 0, duplicateNext: 0, reorderNext: 0, delayMs: 0, failNext: 0 },
  };
}

/** The simulator's {@link FaultController}, plus the consumers used by the server and webhooks. */
export class FaultState implements FaultController {
  private faults: Faults = noFaults();

  constructor(private readonly random: () => number = Math.random) {}

  set(faults: FaultsInput): void {
    const { failNext, rateLimitNext, hangNext, webhooks, ...scalars } = faults;
    this.faults = {
      ...this.faults,
      ...scalars,
      failNext: { ...this.faults.failNext, ...failNext },
      rateLimitNext: rateLimitNext ? { ...rateLimitNext } : this.faults.rateLimitNext,
      hangNext: hangNext ? { ...hangNext } : this.faults.hangNext,
      webhooks: { ...this.faults.webhooks, ...webhooks },
    };
  }

  reset(): void {
    this.faults = noFaults();
  }

  current(): Faults {
    return structuredClone(this.faults);
  }

  /** Latency to add to a response. */
  latencyMs(): number {
    return Math.max(0, this.faults.latencyMs);
  }

  /** Decides (and consumes) the fault of one request identified by its route key. */
  takeRequestFault(routeKey: string, concreteKey: string): RequestFault | undefined {
    const f = this.faults;
    if (f.hangNext.count > 0) {
      f.hangNext.count -= 1;
      return { kind: 'hang' };
    }
    if (f.rateLimitNext.count > 0) {
      f.rateLimitNext.count -= 1;
      return f.rateLimitNext.retryAfterSeconds === undefined
        ? { kind: 'rate-limit' }
        : { kind: 'rate-limit', retryAfterSeconds: f.rateLimitNext.retryAfterSeconds };
    }
    const routes = f.failNext.routes;
    if (f.failNext.count > 0 && (!routes || routes.includes(routeKey) || routes.includes(concreteKey))) {
      f.failNext.count -= 1;
      return { kind: 'fail', status: f.failNext.status };
    }
    if (f.rateLimitRate > 0 && this.random() < f.rateLimitRate) return { kind: 'rate-limit', retryAfterSeconds: 1 };
    if (f.failRate > 0 && this.random() < f.failRate) return { kind: 'fail', status: 500 };
    return undefined;
  }

  /** Decides (and consumes) drop / duplicate / reorder for a first delivery. */
  takeWebhookDeliveryFault(): WebhookDeliveryFault {
    const w = this.faults.webhooks;
    const take = (key: 'dropNext' | 'duplicateNext' | 'reorderNext'): boolean => {
      if (w[key] <= 0) return false;
      w[key] -= 1;
      return true;
    };
    if (take('dropNext')) return { drop: true, duplicate: false, reorder: false };
    return { drop: false, reorder: take('reorderNext'), duplicate: take('duplicateNext') };
  }

  /** Consumes one webhook `failNext`. */
  takeWebhookFailure(): boolean {
    if (this.faults.webhooks.failNext <= 0) return false;
    this.faults.webhooks.failNext -= 1;
    return true;
  }

  /** Delay before each webhook attempt. */
  webhookDelayMs(): number {
    return Math.max(0, this.faults.webhooks.delayMs);
  }
}
