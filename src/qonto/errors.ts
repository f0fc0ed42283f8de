import type { WireError } from './wire.js';

/**
 * A call the gateway refused without sending it to Qonto, to protect the quota every tenant shares:
 * - `rate_limited`: no upstream grant within the queue wait (the process's or the credential's
 *   share of Qonto's rate limit is used up, or too many requests are waiting);
 * - `circuit_open`: Qonto kept failing, calls are paused until a trial call succeeds;
 * - `credential_refused`: Qonto answered 401 for these credentials recently;
 * - `unauthorized_budget_exhausted`: the hour's budget of 401 answers is spent and Qonto has not
 *   accepted these credentials yet;
 * - `call_budget_exceeded`: the operation already made as many Qonto calls as it may.
 */
export type QontoLocalRefusalKind =
  | 'rate_limited'
  | 'circuit_open'
  | 'credential_refused'
  | 'unauthorized_budget_exhausted'
  | 'call_budget_exceeded';

/** What went wrong with a Qonto call. */
export type QontoErrorKind = 'http' | 'network' | 'timeout' | 'invalid_response' | 'response_too_large' | QontoLocalRefusalKind;

const LOCAL_REFUSALS: ReadonlySet<QontoErrorKind> = new Set<QontoLocalRefusalKind>([
  'rate_limited',
  'circuit_open',
  'credential_refused',
  'unauthorized_budget_exhausted',
  'call_budget_exceeded',
]);

/** Everything known about a failed Qonto call; never contains the `Authorization` value. */
export interface QontoErrorInit {
  kind: QontoErrorKind;
  method: string;
  /** Templated route, e.g. `/v2/client_invoices/{id}`. */
  route: string;
  status?: number;
  errors?: WireError[];
  traceId?: string;
  retryAfterMs?: number;
  attempts: number;
  /** Overrides the generated message. */
  message?: string;
  cause?: unknown;
}

/**
 * A failed Qonto call: an HTTP error status (`http`), a connection failure (`network`), an attempt
 * that exceeded its time budget (`timeout`), an answer that is not Qonto's JSON
 * (`invalid_response`, typically the sandbox login page when the staging token is wrong), an
 * answer larger than the gateway reads (`response_too_large`), or a call the gateway refused
 * without sending it ({@link QontoLocalRefusalKind}, see {@link isLocalRefusal}).
 */
export class QontoError extends Error {
  override name = 'QontoError';
  readonly kind: QontoErrorKind;
  readonly status?: number;
  /** `errors[0].code` of Qonto's error body. */
  readonly code?: string;
  /** `errors[0].detail` of Qonto's error body. */
  readonly detail?: string;
  readonly source?: { pointer?: string; parameter?: string };
  readonly errors: WireError[];
  /** Body `trace_id`, else the `X-Tyk-Trace-Id` header. */
  readonly traceId?: string;
  readonly method: string;
  readonly route: string;
  /** Delay Qonto asked for (`Retry-After`), or after which a local refusal may be lifted. */
  readonly retryAfterMs?: number;
  /** Number of attempts made, retries included. */
  readonly attempts: number;

  constructor(init: QontoErrorInit) {
    const errors = init.errors ?? [];
    const first = errors[0];
    const code = first?.code ?? undefined;
    const detail = first?.detail ?? undefined;
    super(init.message ?? defaultMessage(init, code, detail), init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    if (init.status !== undefined) this.status = init.status;
    if (code !== undefined) this.code = code;
    if (detail !== undefined) this.detail = detail;
    const source = first?.source;
    if (source) {
      const s: { pointer?: string; parameter?: string } = {};
      if (source.pointer != null) s.pointer = source.pointer;
      if (source.parameter != null) s.parameter = source.parameter;
      this.source = s;
    }
    this.errors = errors;
    if (init.traceId !== undefined) this.traceId = init.traceId;
    this.method = init.method;
    this.route = init.route;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    this.attempts = init.attempts;
  }
}

function defaultMessage(init: QontoErrorInit, code: string | undefined, detail: string | undefined): string {
  const call = `Qonto ${init.method} ${init.route}`;
  const tries = init.attempts > 1 ? ` after ${init.attempts} attempts` : '';
  const trace = init.traceId ? ` (trace ${init.traceId})` : '';
  switch (init.kind) {
    case 'http': {
      const what = [code, detail].filter((part) => part).join(': ');
      return `${call} failed with HTTP ${init.status ?? '?'}${what ? ` ${what}` : ''}${tries}${trace}`;
    }
    case 'network':
      return `${call} could not reach Qonto${tries}`;
    case 'timeout':
      return `${call} timed out${tries}`;
    case 'invalid_response':
      return `${call} answered with an invalid response${trace}`;
    case 'response_too_large':
      return `${call} answered with a body larger than the gateway reads${trace}`;
    case 'rate_limited':
      return `${call} was not sent: the gateway's share of Qonto's rate limit is used up${retry(init)}`;
    case 'circuit_open':
      return `${call} was not sent: Qonto kept failing, calls are paused${retry(init)}`;
    case 'credential_refused':
      return `${call} was not sent: Qonto refused these credentials recently${retry(init)}`;
    case 'unauthorized_budget_exhausted':
      return `${call} was not sent: the gateway is protecting Qonto's limit on failed authentications and Qonto has not accepted these credentials yet${retry(init)}`;
    case 'call_budget_exceeded':
      return `${call} was not sent: the operation already made as many Qonto calls as it may`;
  }
}

function retry(init: QontoErrorInit): string {
  return init.retryAfterMs === undefined ? '' : ` (retry in ${init.retryAfterMs} ms)`;
}

/** True for a {@link QontoError} the gateway raised without sending the call to Qonto. */
export function isLocalRefusal(error: unknown): error is QontoError {
  return isQontoError(error) && LOCAL_REFUSALS.has(error.kind);
}

/** True for any {@link QontoError}. */
export function isQontoError(error: unknown): error is QontoError {
  return error instanceof QontoError;
}

/** The HTTP status Qonto answered with, for a {@link QontoError} of kind `http`; undefined otherwise. */
export function qontoHttpStatus(error: unknown): number | undefined {
  return isQontoError(error) && error.kind === 'http' ? error.status : undefined;
}

/**
 * True when Qonto answered with an HTTP error status, one of `statuses` when any are given:
 * `isHttpError(error, 403, 404)`.
 */
export function isHttpError(error: unknown, ...statuses: number[]): error is QontoError {
  const status = qontoHttpStatus(error);
  return status !== undefined && (statuses.length === 0 || statuses.includes(status));
}

/** True when Qonto answered 404 (unknown id, or another organization's resource). */
export function isNotFound(error: unknown): error is QontoError {
  return isHttpError(error, 404);
}

/**
 * True when the credentials themselves were refused: Qonto answered 401, or the gateway refused
 * them locally because Qonto answered 401 to them recently.
 */
export function isCredentialRefused(error: unknown): error is QontoError {
  return isHttpError(error, 401) || (isQontoError(error) && error.kind === 'credential_refused');
}

/**
 * True when credentials may not be used now: {@link isCredentialRefused}, or they are not yet
 * verified while the process's 401 budget is spent.
 */
export function isCredentialBlocked(error: unknown): error is QontoError {
  return isCredentialRefused(error) || (isQontoError(error) && error.kind === 'unauthorized_budget_exhausted');
}
