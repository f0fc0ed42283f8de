import { isRecord } from '../lib/is-record.js';
import type { QontoErrorInit } from './errors.js';
import { parseRetryAfter } from './retry.js';
import type { WireError } from './wire.js';

/**
 * One failed attempt, before it becomes a {@link QontoError}. A `message` here is completed by the
 * transport into `Qonto <METHOD> <route> <message>`.
 */
export type AttemptFailure = Omit<QontoErrorInit, 'method' | 'route' | 'attempts'> & { retryable: boolean };

/** A classified HTTP answer. */
export type ClassifiedResponse = { ok: true; body: unknown; traceId?: string } | { ok: false; failure: AttemptFailure };

const STAGING_HINT = 'In sandbox, QONTO_STAGING_TOKEN is probably missing or wrong (Qonto then serves its login page).';

/**
 * Classifies an answer (docs/qonto-facts.md#error-body, docs/qonto-facts.md#leniency): any 2xx
 * is success, with or without a JSON body; a 2xx/3xx that is not JSON is `invalid_response`; any
 * 4xx/5xx is `http`, with or without `errors[]`/`trace_id`, retryable for 429 and 5xx.
 */
export function failureFromResponse(status: number, headers: Record<string, string>, text: string, nowMs: number): ClassifiedResponse {
  const contentType = headers['content-type'] ?? '';
  const headerTrace = nonEmpty(headers['x-tyk-trace-id']);
  const json = parseJson(text);

  if (status >= 200 && status < 300) {
    if (isBlank(text)) return withTrace({ ok: true, body: undefined }, headerTrace);
    if (json.ok && !/html/i.test(contentType)) return withTrace({ ok: true, body: json.value }, headerTrace);
    return { ok: false, failure: invalidResponse(status, contentType, undefined, headerTrace) };
  }
  if (status < 400) {
    return { ok: false, failure: invalidResponse(status, contentType, headers['location'], headerTrace) };
  }

  const body = json.ok && isRecord(json.value) ? json.value : undefined;
  const errors = readErrors(body);
  const traceId = nonEmpty(typeof body?.['trace_id'] === 'string' ? body['trace_id'] : undefined) ?? headerTrace;
  const failure: AttemptFailure = { kind: 'http', status, errors, retryable: status === 429 || status >= 500 };
  if (traceId !== undefined) failure.traceId = traceId;
  const retryAfterMs = parseRetryAfter(headers['retry-after'], nowMs);
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  if (!json.ok && !isBlank(text) && /html/i.test(contentType)) {
    failure.message = `answered HTTP ${status} with a non-JSON body (${contentType}). ${STAGING_HINT}`;
  }
  return { ok: false, failure };
}

/**
 * Replaces the `Authorization` value, and its secret part (the token of `Bearer <token>`, the
 * secret of `<login>:<secret>`), with `***` in `text`, in any letter case: an upstream may echo
 * the value upper- or lower-cased. Parts shorter than 4 characters are left alone.
 */
export function scrubSecret(text: string, authorization: string): string {
  const pattern = secretPattern(authorization);
  return pattern ? text.replace(pattern, '***') : text;
}

function secretPattern(authorization: string): RegExp | undefined {
  const secrets = new Set<string>([authorization, authorization.trim()]);
  const bearer = /^\s*bearer\s+(.+?)\s*$/i.exec(authorization);
  if (bearer?.[1]) secrets.add(bearer[1]);
  const colon = authorization.indexOf(':');
  if (!bearer && colon >= 0 && colon < authorization.length - 1) secrets.add(authorization.slice(colon + 1));
  const parts = [...secrets].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  if (parts.length === 0) return undefined;
  return new RegExp(parts.map(escapeRegExp).join('|'), 'gi');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function invalidResponse(status: number, contentType: string, location: string | undefined, traceId: string | undefined): AttemptFailure {
  const what =
    status >= 300 && status < 400
      ? `a redirect (HTTP ${status}${location ? ` to ${safeLocation(location)}` : ''})`
      : `a non-JSON body (HTTP ${status}${contentType ? `, ${contentType}` : ''})`;
  const failure: AttemptFailure = {
    kind: 'invalid_response',
    status,
    retryable: false,
    message: `answered with ${what} instead of JSON. ${STAGING_HINT}`,
  };
  if (traceId !== undefined) failure.traceId = traceId;
  return failure;
}

function safeLocation(location: string): string {
  try {
    const url = new URL(location);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'another location';
  }
}

function readErrors(body: Record<string, unknown> | undefined): WireError[] {
  if (!body) return [];
  const raw = body['errors'];
  if (Array.isArray(raw)) {
    return raw.filter(isRecord).map((entry) => {
      const error: WireError = {};
      const code = entry['code'];
      if (typeof code === 'string' || typeof code === 'number') error.code = String(code);
      if (typeof entry['detail'] === 'string') error.detail = entry['detail'];
      else if (typeof entry['message'] === 'string') error.detail = entry['message'];
      const source = entry['source'];
      if (isRecord(source)) {
        error.source = {};
        if (typeof source['pointer'] === 'string') error.source.pointer = source['pointer'];
        if (typeof source['parameter'] === 'string') error.source.parameter = source['parameter'];
      }
      return error;
    });
  }
  const message = body['message'] ?? body['error'];
  return typeof message === 'string' ? [{ detail: message }] : [];
}

/** True for an empty or whitespace-only body, without copying a large one (as `trim()` would). */
function isBlank(text: string): boolean {
  return !/\S/.test(text);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (isBlank(text)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function withTrace(result: { ok: true; body: unknown }, traceId: string | undefined): ClassifiedResponse {
  return traceId === undefined ? result : { ...result, traceId };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
