import type { ObjectRef } from '@pothos/core';
import { badUserInput } from '../graphql/errors.js';
import { decodeOffsetCursor, encodeOffsetCursor, MAX_PAGE_SIZE, planPages } from '../domain/pagination.js';
import type { WirePaginationMeta } from '../qonto/wire.js';
import { builder } from './builder.js';

/** Default `first` when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 20;

/** The resolved shape of a connection, before field resolvers run. */
export interface ConnectionShape<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const PageInfo = builder.objectRef<PageInfoShape>('PageInfo').implement({
  description: 'Relay page information.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionType<T>(name: string, node: ObjectRef<GatewayTypes, T>) {
  const Edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      // Pothos cannot narrow its resolver result type for a generic T; the ref guarantees it.
      node: t.field({ type: node, resolve: (edge) => edge.node as never }),
    }),
  });
  return builder.objectRef<ConnectionShape<T>>(`${name}Connection`).implement({
    description: `A page of ${name} items (Relay connection over Qonto's page-based pagination).`,
    fields: (t) => ({
      edges: t.field({ type: [Edge], resolve: (c) => c.edges }),
      nodes: t.field({ type: [node], resolve: (c) => c.nodes as never }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
      totalCount: t.exposeInt('totalCount', { description: 'Items in the whole list, as Qonto counts them.' }),
    }),
  });
}

type GatewayTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** Arguments common to every connection field. */
export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * Resolves a Relay window over a Qonto list: validates `first` (0..100) and `after`, fetches the
 * fewest pages that cover the window, and returns every item exactly once across pages.
 */
export async function resolveOffsetConnection<T>(
  args: ConnectionArgs,
  fetchPage: (page: number, perPage: number) => Promise<{ items: T[]; meta: WirePaginationMeta | null | undefined }>,
): Promise<ConnectionShape<T>> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  let offset = 0;
  if (args.after != null) {
    const position = decodeOffsetCursor(args.after);
    if (position === null) throw badUserInput('after is not a cursor of this list', 'after');
    offset = position + 1;
  }
  const plan = planPages(offset, Math.max(first, 1));
  const pages = await Promise.all(plan.pages.map((page) => fetchPage(page, plan.perPage)));
  const totalCount = pages[0]?.meta?.total_count ?? offset + pages.reduce((sum, p) => sum + p.items.length, 0);
  const items = pages.flatMap((p) => p.items).slice(plan.skip, plan.skip + first);
  const edges = items.map((node, i) => ({ cursor: encodeOffsetCursor(offset + i), node }));
  return {
    edges,
    nodes: items,
    totalCount,
    pageInfo: {
      hasNextPage: offset + items.length < totalCount,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
