import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { MinHeap } from './min-heap.js';
import { SlidingWindowLog } from './sliding-window.js';

/** At most `limit` grants in any `durationMs` interval. */
export interface RateWindow {
  durationMs: number;
  limit: number;
}

/** Qonto's per-address limits scaled to `ratePer10s`: that many per 10 s, ten times that per 10 min. */
export function qontoRateWindows(ratePer10s: number): RateWindow[] {
  return [
    { durationMs: 10_000, limit: ratePer10s },
    { durationMs: 600_000, limit: ratePer10s * 10 },
  ];
}

/** Options of {@link FairScheduler}. */
export interface FairSchedulerOptions {
  /** Grants held at once across every credential (upstream requests in flight). */
  maxInFlight: number;
  /** Every grant counts in each window; a grant is given only when each has room. */
  windows: readonly RateWindow[];
  /**
   * Largest share, in percent, of the slots and of each window one credential may use (at least one
   * slot and one grant per window); 100 = no cap beyond the totals.
   */
  sharePercent: number;
  /** Longest a request may wait for its grant before it is refused. */
  maxQueueWaitMs: number;
  /** Requests one credential may have waiting, default 1000; more are refused at once. */
  maxQueuedPerCredential?: number;
  clock?: Clock;
}

/** Why a request was refused a grant. */
export type SchedulerRefusalReason =
  /** It waited `maxQueueWaitMs` without getting its turn. */
  | 'queue_timeout'
  /** Its credential already had `maxQueuedPerCredential` requests waiting. */
  | 'queue_full'
  /** The windows already show it cannot get its turn within the wait allowed. */
  | 'over_quota';

/** A request refused a grant; `retryAfterMs` estimates when one may be given. */
export class SchedulerRefusal extends Error {
  override name = 'SchedulerRefusal';
  constructor(
    readonly reason: SchedulerRefusalReason,
    readonly retryAfterMs: number,
  ) {
    super(`No upstream grant (${reason}); retry in ${retryAfterMs} ms`);
  }
}

/** Thrown to waiting and later requests once the scheduler is closed. */
export class SchedulerClosedError extends Error {
  override name = 'SchedulerClosedError';
  constructor() {
    super('Qonto transport is closed');
  }
}

/** Permission for one upstream request; release it when the request has ended. */
export interface Grant {
  /** Frees the slot (idempotent). The grant keeps counting in the windows. */
  release(): void;
}

/** What the scheduler holds right now, for metrics. */
export interface SchedulerStats {
  /** Grants held (requests in flight). */
  active: number;
  /** Requests waiting for a grant. */
  queued: number;
  /** Credentials with at least one request waiting. */
  waitingCredentials: number;
  /** Credentials tracked (recent grants, waiting or in flight). */
  trackedCredentials: number;
  /** Use of each window across the process. */
  windows: Array<{ durationMs: number; limit: number; used: number }>;
}

/** Options of one {@link FairScheduler.acquire}. */
export interface AcquireOptions {
  signal?: AbortSignal | undefined;
  /** Wait at most this long (and never more than `maxQueueWaitMs`). */
  maxWaitMs?: number | undefined;
}

type LaneState =
  /** Nothing waiting. */
  | 'idle'
  /** Waiting for its turn in the ready heap. */
  | 'ready'
  /** Waiting for one of its own grants to be released (slot share used up). */
  | 'slot'
  /** Waiting for its own window share to free up (a timer wakes it). */
  | 'window';

interface Waiter {
  lane: Lane;
  grant: (grant: Grant) => void;
  refuse: (reason: unknown) => void;
  timer: TimerHandle;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The requests and recent grants of one credential. */
interface Lane {
  key: string;
  /** Waiting requests in arrival order (a Set: removal on abort is O(1)). */
  queue: Set<Waiter>;
  active: number;
  /** Its own grants, one log per window, sized to its share. */
  logs: SlidingWindowLog[];
  state: LaneState;
  /** Sequence number of its last grant (0: never served): the least recently served goes first. */
  turn: number;
  /** Creation order, to break ties between lanes never served. */
  order: number;
  wake: TimerHandle | undefined;
}

/**
 * Grants upstream requests fairly between credentials, within process-wide limits.
 *
 * A grant needs a free slot (`maxInFlight`) and room in every window, counted over every grant
 * this process gives. Waiting requests are kept per credential; the credential that was served
 * least recently goes next (round-robin that puts a newcomer ahead of a credential that was just
 * served), so contending credentials get equal shares. No credential holds more than its share
 * of the slots or uses more than its share of a window. A request that cannot be granted within
 * the wait allowed, or that the windows show cannot be, is refused with a
 * {@link SchedulerRefusal} carrying `retryAfterMs`.
 *
 * Every operation is O(log n) in the number of waiting credentials.
 */
export class FairScheduler {
  readonly #maxInFlight: number;
  readonly #windows: readonly RateWindow[];
  readonly #laneLimits: number[];
  readonly #laneSlots: number;
  readonly #maxQueueWaitMs: number;
  readonly #maxQueuedPerCredential: number;
  readonly #clock: Clock;
  readonly #logs: SlidingWindowLog[];
  readonly #lanes = new Map<string, Lane>();
  readonly #ready = new MinHeap<Lane>((a, b) => a.turn < b.turn || (a.turn === b.turn && a.order < b.order));
  #active = 0;
  #queued = 0;
  #waitingLanes = 0;
  #turns = 0;
  #lanesCreated = 0;
  #pumping = false;
  #globalWake: { at: number; timer: TimerHandle } | undefined;
  #lastSweep: number;
  #closed = false;

  constructor(options: FairSchedulerOptions) {
    const { maxInFlight, windows, sharePercent } = options;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError('maxInFlight must be a positive integer');
    if (!(sharePercent > 0 && sharePercent <= 100)) throw new RangeError('sharePercent must be in (0, 100]');
    for (const window of windows) {
      if (!Number.isInteger(window.limit) || window.limit < 1 || !(window.durationMs > 0)) {
        throw new RangeError('each window needs a positive duration and a positive integer limit');
      }
    }
    this.#maxInFlight = maxInFlight;
    this.#windows = windows.map((window) => ({ ...window }));
    this.#laneLimits = windows.map((window) => shareOf(window.limit, sharePercent));
    this.#laneSlots = shareOf(maxInFlight, sharePercent);
    this.#maxQueueWaitMs = Math.max(0, options.maxQueueWaitMs);
    this.#maxQueuedPerCredential = options.maxQueuedPerCredential ?? 1000;
    this.#clock = options.clock ?? systemClock;
    this.#logs = windows.map((window) => new SlidingWindowLog(window.durationMs, window.limit));
    this.#lastSweep = this.#clock.now();
  }

  /** Slots one credential may hold at once. */
  get slotsPerCredential(): number {
    return this.#laneSlots;
  }

  /** Grants one credential may get in each window, in the order of `windows`. */
  get grantsPerCredential(): readonly number[] {
    return this.#laneLimits;
  }

  /**
   * Resolves with a grant for one upstream request of `credential` (a non-secret key, such as a
   * hash of the `Authorization` value). Rejects with a {@link SchedulerRefusal}, with
   * `signal.reason` when the caller aborts first, or with a {@link SchedulerClosedError}.
   */
  acquire(credential: string, options: AcquireOptions = {}): Promise<Grant> {
    if (this.#closed) return Promise.reject(new SchedulerClosedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.#clock.now();
    this.#sweep(now);
    const lane = this.#laneOf(credential);
    const maxWaitMs = Math.max(0, Math.min(this.#maxQueueWaitMs, options.maxWaitMs ?? Infinity));
    if (lane.queue.size >= this.#maxQueuedPerCredential) {
      return Promise.reject(new SchedulerRefusal('queue_full', retryHint(this.#estimateWaitMs(lane, now))));
    }
    const estimate = this.#estimateWaitMs(lane, now);
    if (estimate > maxWaitMs) return Promise.reject(new SchedulerRefusal('over_quota', Math.ceil(estimate)));

    return new Promise<Grant>((resolve, reject) => {
      const waiter: Waiter = {
        lane,
        grant: resolve,
        refuse: reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      waiter.timer = this.#clock.setTimeout(() => {
        waiter.timer = undefined;
        this.#dequeue(waiter);
        reject(new SchedulerRefusal('queue_timeout', retryHint(this.#estimateWaitMs(lane, this.#clock.now()))));
      }, maxWaitMs);
      if (signal) {
        waiter.onAbort = () => {
          this.#dequeue(waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (lane.queue.size === 0) this.#waitingLanes++;
      lane.queue.add(waiter);
      this.#queued++;
      if (lane.state === 'idle') this.#makeReady(lane);
      this.#pump();
    });
  }

  /** Current use, for metrics. */
  stats(): SchedulerStats {
    const now = this.#clock.now();
    return {
      active: this.#active,
      queued: this.#queued,
      waitingCredentials: this.#waitingLanes,
      trackedCredentials: this.#lanes.size,
      windows: this.#windows.map((window, i) => ({ ...window, used: this.#logs[i]?.count(now) ?? 0 })),
    };
  }

  /** Refuses every waiting and later request; grants already given stay valid until released. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#globalWake) this.#clock.clearTimeout(this.#globalWake.timer);
    this.#globalWake = undefined;
    this.#ready.clear();
    for (const lane of this.#lanes.values()) {
      if (lane.wake !== undefined) this.#clock.clearTimeout(lane.wake);
      lane.wake = undefined;
      for (const waiter of [...lane.queue]) {
        this.#dequeue(waiter);
        waiter.refuse(new SchedulerClosedError());
      }
      lane.state = 'idle';
    }
  }

  #laneOf(key: string): Lane {
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = {
        key,
        queue: new Set(),
        active: 0,
        logs: this.#windows.map((window, i) => new SlidingWindowLog(window.durationMs, this.#laneLimits[i] ?? 1)),
        state: 'idle',
        turn: 0,
        order: ++this.#lanesCreated,
        wake: undefined,
      };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * An optimistic estimate of how long a new request of `lane` will wait for the windows: its own
   * share must have room for it behind the lane's queue, and the process-wide windows for it
   * behind that queue plus the requests of other credentials that round-robin serves in between
   * (one per waiting credential for each request ahead in this lane). Slots are not counted.
   */
  #estimateWaitMs(lane: Lane, now: number): number {
    const position = lane.queue.size;
    let wait = 0;
    for (const log of lane.logs) wait = Math.max(wait, log.msUntilRoomFor(position + 1, now));
    const otherLanes = this.#waitingLanes - (position > 0 ? 1 : 0);
    const othersQueued = this.#queued - position;
    const ahead = position + Math.min(othersQueued, otherLanes * position);
    for (const log of this.#logs) wait = Math.max(wait, log.msUntilRoomFor(ahead + 1, now));
    return wait;
  }

  #makeReady(lane: Lane): void {
    if (lane.state === 'ready' || this.#closed) return;
    lane.state = 'ready';
    this.#ready.push(lane);
  }

  /** Gives grants while slots, windows and waiting requests allow. */
  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      while (this.#active < this.#maxInFlight) {
        const lane = this.#ready.peek();
        if (!lane) break;
        const now = this.#clock.now();
        const globalWait = maxWait(this.#logs, now);
        if (globalWait > 0) {
          this.#wakeGlobalAt(now + globalWait);
          break;
        }
        this.#ready.pop();
        const waiter = first(lane.queue);
        if (!waiter) {
          lane.state = 'idle';
          continue;
        }
        if (lane.active >= this.#laneSlots) {
          lane.state = 'slot';
          continue;
        }
        const laneWait = maxWait(lane.logs, now);
        if (laneWait > 0) {
          lane.state = 'window';
          lane.wake = this.#clock.setTimeout(() => {
            lane.wake = undefined;
            lane.state = 'idle';
            if (lane.queue.size > 0) this.#makeReady(lane);
            this.#pump();
          }, laneWait);
          continue;
        }
        this.#dequeue(waiter);
        for (const log of this.#logs) log.record(now);
        for (const log of lane.logs) log.record(now);
        lane.active++;
        this.#active++;
        lane.turn = ++this.#turns;
        lane.state = 'idle';
        if (lane.queue.size > 0) this.#makeReady(lane);
        waiter.grant(this.#grantFor(lane));
      }
    } finally {
      this.#pumping = false;
    }
  }

  #grantFor(lane: Lane): Grant {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        lane.active--;
        this.#active--;
        if (lane.state === 'slot') {
          lane.state = 'idle';
          if (lane.queue.size > 0) this.#makeReady(lane);
        }
        this.#pump();
      },
    };
  }

  #wakeGlobalAt(at: number): void {
    if (this.#globalWake && this.#globalWake.at <= at) return;
    if (this.#globalWake) this.#clock.clearTimeout(this.#globalWake.timer);
    const timer = this.#clock.setTimeout(
      () => {
        this.#globalWake = undefined;
        this.#pump();
      },
      Math.max(0, at - this.#clock.now()),
    );
    this.#globalWake = { at, timer };
  }

  #dequeue(waiter: Waiter): void {
    const { lane } = waiter;
    if (!lane.queue.delete(waiter)) return;
    this.#queued--;
    if (lane.queue.size === 0) this.#waitingLanes--;
    if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
    waiter.timer = undefined;
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  /**
   * Forgets credentials with nothing waiting, nothing in flight and no grant left in any window,
   * at most once per shortest window (amortised O(1) per request).
   */
  #sweep(now: number): void {
    const interval = Math.min(...this.#windows.map((window) => window.durationMs));
    if (now - this.#lastSweep < interval) return;
    this.#lastSweep = now;
    for (const [key, lane] of this.#lanes) {
      if (lane.state === 'idle' && lane.active === 0 && lane.queue.size === 0 && lane.logs.every((log) => log.count(now) === 0)) {
        this.#lanes.delete(key);
      }
    }
  }
}

/** `percent` of `total`, rounded down, at least 1. */
function shareOf(total: number, percent: number): number {
  return Math.max(1, Math.floor((total * percent) / 100));
}

/**
 * The `retryAfterMs` of a request refused after waiting or behind a full queue: the windows'
 * estimate, at least a second (when slots, not windows, are what is short, no estimate exists).
 */
function retryHint(estimateMs: number): number {
  return Math.max(1000, Math.ceil(estimateMs));
}

/** Milliseconds until every log has room for one more grant. */
function maxWait(logs: readonly SlidingWindowLog[], now: number): number {
  let wait = 0;
  for (const log of logs) wait = Math.max(wait, log.msUntilRoomFor(1, now));
  return wait;
}

function first<T>(set: Set<T>): T | undefined {
  for (const item of set) return item;
  return undefined;
}
