/** Qonto's largest `per_page` (docs/qonto-facts.md#pagination). */
export const MAX_PAGE_SIZE = 100;

/** The Qonto pages that cover one window of a list. */
export interface PagePlan {
  perPage: number;
  /** 1-based page numbers to fetch, in order (one or two). */
  pages: number[];
  /** How many items of the first fetched page precede the window. */
  skip: number;
}

/**
 * Plans the fewest Qonto page requests that cover the items `[offset, offset + limit)`: one page
 * whenever a `per_page` between `limit` and 100 puts the whole window on a single page, else two
 * consecutive pages of `limit` items.
 */
export function planPages(offset: number, limit: number): PagePlan {
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError('offset must be a non-negative integer');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new RangeError(`limit must be between 1 and ${MAX_PAGE_SIZE}`);
  const last = offset + limit - 1;
  for (let perPage = limit; perPage <= MAX_PAGE_SIZE; perPage++) {
    const page = Math.floor(offset / perPage);
    if (page === Math.floor(last / perPage)) return { perPage, pages: [page + 1], skip: offset - page * perPage };
  }
  const first = Math.floor(offset / limit);
  return { perPage: limit, pages: [first + 1, first + 2], skip: offset - first * limit };
}

const CURSOR_PREFIX = 'o:';

/** Encodes an item's absolute position in a list as an opaque connection cursor. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link encodeOffsetCursor}; null when it is not one. */
export function decodeOffsetCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX)) return null;
  const rest = text.slice(CURSOR_PREFIX.length);
  return /^\d{1,9}$/.test(rest) ? Number(rest) : null;
}
