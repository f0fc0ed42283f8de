/** One entry of a Qonto error body (docs/qonto-facts.md#error-body, docs/qonto-facts.md#simulator-status-codes). */
export interface ApiErrorEntry {
  code: string;
  detail: string;
  source?: { pointer?: string; parameter?: string };
}

/** An error answer of the simulator; thrown by handlers and turned into a Qonto error body. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: ApiErrorEntry[];
  readonly headers: Record<string, string>;

  constructor(status: number, errors: ApiErrorEntry[], headers: Record<string, string> = {}) {
    super(errors.map((entry) => `${entry.code}: ${entry.detail}`).join('; '));
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}

/** Builds an error body (docs/qonto-facts.md#error-body). */
export function errorBody(errors: ApiErrorEntry[], traceId: string): { errors: ApiErrorEntry[]; trace_id: string } {
  return { errors, trace_id: traceId };
}

/** 401 `unauthorized` (docs/qonto-facts.md#simulator-authentication). */
export function unauthorized(): ApiError {
  return new ApiError(401, [{ code: 'unauthorized', detail: 'The Authorization header is missing or invalid.' }]);
}

/** 403 `forbidden`. */
export function forbidden(detail: string): ApiError {
  return new ApiError(403, [{ code: 'forbidden', detail }]);
}

/** 404 `not_found`. */
export function notFound(detail = 'The requested resource was not found.'): ApiError {
  return new ApiError(404, [{ code: 'not_found', detail }]);
}

/** 422 `invalid_transition` (docs/qonto-facts.md#simulator-invoice-transitions). */
export function invalidTransition(detail: string): ApiError {
  return new ApiError(422, [{ code: 'invalid_transition', detail }]);
}

/** 412 with one of the codes of docs/qonto-facts.md#simulator-send-by-e-invoice. */
export function preconditionFailed(code: string, detail: string): ApiError {
  return new ApiError(412, [{ code, detail }]);
}

/** Validation error codes (docs/qonto-facts.md#simulator-status-codes). */
export type ValidationCode = 'blank' | 'invalid' | 'not_in_list';

/** A 422 error entry pointing into the request body (`/data/attributes/<field>`). */
export function pointerError(code: ValidationCode, field: string, detail: string): ApiErrorEntry {
  return { code, detail, source: { pointer: `/data/attributes/${field}` } };
}

/** A 422 error entry naming a query (or multipart) parameter. */
export function parameterError(code: ValidationCode, parameter: string, detail: string): ApiErrorEntry {
  return { code, detail, source: { parameter } };
}

/** 422 with the given validation entries. */
export function validationFailed(entries: ApiErrorEntry[]): ApiError {
  return new ApiError(422, entries);
}

/** The `code` used for an injected failure: a 5xx, or 401 / 403 to stand for refused credentials or a missing scope. */
export function serverErrorCode(status: number): string {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 502:
      return 'bad_gateway';
    case 503:
      return 'service_unavailable';
    case 504:
      return 'gateway_timeout';
    default:
      return 'internal_server_error';
  }
}
