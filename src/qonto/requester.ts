/** HTTP methods the Qonto Business API uses. */
export type QontoMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One call to the Qonto REST API. */
export interface QontoRequest {
  method: QontoMethod;
  /** Path starting with `/v2/`, ids already URL-encoded. */
  path: string;
  /** Templated route for metrics and errors, e.g. `/v2/client_invoices/{id}`. */
  route: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: FormData;
  /** The `Authorization` value, forwarded verbatim; never logged nor put in errors. */
  authorization: string;
  /** Sent as `X-Qonto-Idempotency-Key`; required for POST/PATCH to be retried. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** A successful (2xx) answer. `body` is undefined when Qonto sent none. */
export interface QontoResponse<T> {
  status: number;
  /** Lower-case header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: T | undefined;
  traceId?: string;
}

/**
 * What a `QontoClient` sends its calls through: `QontoTransport` in the gateway. Kept apart from
 * the transport so that the client depends on this module only and the transport, which creates
 * clients, on the client: no import cycle.
 */
export interface QontoRequester {
  /** Sends one call; rejects with a `QontoError` when it fails. */
  request<T>(req: QontoRequest): Promise<QontoResponse<T>>;
}
