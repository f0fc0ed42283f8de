import type { PaginationMeta } from './wire.js';
import { parameterError, validationFailed } from './errors.js';

/** Page request read from `page` / `per_page` (docs/qonto-facts.md#pagination). */
export interface PageRequest {
  page: number;
  perPage: number;
}

function integerParameter(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw validationFailed([parameterError('invalid', name, `${name} must be an integer ${range}`)]);
  }
  return value;
}

/** Reads `page` (≥ 1, default 1) and `per_page` (1–100, default 100); 422 `invalid` otherwise (docs/qonto-facts.md#simulator-pagination-and-filters). */
export function parsePageRequest(query: URLSearchParams): PageRequest {
  return {
    page: integerParameter(query, 'page', 1, 1, Number.MAX_SAFE_INTEGER),
    perPage: integerParameter(query, 'per_page', 100, 1, 100),
  };
}

/** One page of `items` with its `meta` (docs/qonto-facts.md#pagination); a page after the last is empty with correct totals (docs/qonto-facts.md#simulator-pagination-and-filters). */
export function paginate<T>(items: readonly T[], request: PageRequest): { items: T[]; meta: PaginationMeta } {
  const totalCount = items.length;
  const totalPages = Math.ceil(totalCount / request.perPage);
  const start = (request.page - 1) * request.perPage;
  return {
    items: items.slice(start, start + request.perPage),
    meta: {
      current_page: request.page,
      next_page: request.page < totalPages ? request.page + 1 : null,
      prev_page: request.page > 1 ? request.page - 1 : null,
      total_pages: totalPages,
      total_count: totalCount,
      per_page: request.perPage,
    },
  };
}
