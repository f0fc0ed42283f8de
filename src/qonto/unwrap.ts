import { isRecord } from '../lib/is-record.js';
import { QontoError } from './errors.js';
import type { WirePaginationMeta } from './wire.js';

/** Where a body came from, for error messages. */
export interface CallSite {
  method: string;
  route: string;
  traceId?: string | undefined;
}

/**
 * A single resource, wrapped in one of `keys` (`{ client: {…} }`) or unwrapped
 * (docs/qonto-facts.md#leniency). It must carry an `id`, a string or a number (normalized to a
 * string).
 */
export function unwrapResource<T extends { id: string }>(body: unknown, keys: readonly string[], site: CallSite): T {
  for (const key of keys) {
    const candidate = isRecord(body) ? body[key] : undefined;
    if (hasId(candidate)) return normalizeId(candidate) as T;
  }
  if (hasId(body)) return normalizeId(body) as T;
  throw shapeError(site, `without a ${keys[0] ?? 'resource'} object`);
}

/** An object without an `id` (settings), wrapped in one of `keys` or unwrapped. */
export function unwrapObject<T>(body: unknown, keys: readonly string[], site: CallSite): T {
  if (isRecord(body)) {
    for (const key of keys) {
      const candidate = body[key];
      if (isRecord(candidate)) return candidate as T;
    }
    return body as T;
  }
  throw shapeError(site, `without a ${keys[0] ?? 'JSON'} object`);
}

/** A page of a list: items under one of `keys`, `subscriptions`, or a bare array; `meta` completed when partial. */
export function unwrapList<T>(
  body: unknown,
  keys: readonly string[],
  site: CallSite,
  request: { page?: number | undefined; perPage?: number | undefined } = {},
): { items: T[]; meta: WirePaginationMeta } {
  let raw: unknown;
  if (Array.isArray(body)) raw = body;
  else if (isRecord(body)) {
    for (const key of [...keys, 'subscriptions']) {
      if (Array.isArray(body[key])) {
        raw = body[key];
        break;
      }
    }
  }
  if (!Array.isArray(raw)) throw shapeError(site, `without a ${keys[0] ?? 'list'} array`);
  const items = raw.filter(isRecord).map((item) => normalizeId(item) as T);
  const meta = isRecord(body) ? body['meta'] : undefined;
  return { items, meta: normalizeMeta(meta, items.length, request) };
}

function normalizeMeta(
  raw: unknown,
  count: number,
  request: { page?: number | undefined; perPage?: number | undefined },
): WirePaginationMeta {
  const m = isRecord(raw) ? raw : {};
  const current = integer(m['current_page']) ?? request.page ?? 1;
  const totalPagesRaw = integer(m['total_pages']);
  let next: number | null;
  if (m['next_page'] === null) next = null;
  else next = integer(m['next_page']) ?? (totalPagesRaw !== undefined && current < totalPagesRaw ? current + 1 : null);
  let prev: number | null;
  if (m['prev_page'] === null) prev = null;
  else prev = integer(m['prev_page']) ?? (current > 1 ? current - 1 : null);
  const perPage = integer(m['per_page']) ?? request.perPage ?? count;
  return {
    current_page: current,
    next_page: next,
    prev_page: prev,
    total_pages: totalPagesRaw ?? (next === null ? current : next),
    total_count: integer(m['total_count']) ?? (next === null ? (current - 1) * perPage + count : count),
    per_page: perPage,
  };
}

function integer(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function hasId(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && (typeof value['id'] === 'string' || typeof value['id'] === 'number');
}

function normalizeId(value: Record<string, unknown>): Record<string, unknown> {
  return typeof value['id'] === 'number' ? { ...value, id: String(value['id']) } : value;
}

function shapeError(site: CallSite, what: string): QontoError {
  const init: ConstructorParameters<typeof QontoError>[0] = {
    kind: 'invalid_response',
    method: site.method,
    route: site.route,
    attempts: 1,
    message: `Qonto ${site.method} ${site.route} answered ${what}`,
  };
  if (site.traceId !== undefined) init.traceId = site.traceId;
  return new QontoError(init);
}
