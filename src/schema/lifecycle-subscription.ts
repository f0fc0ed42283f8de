import { GraphQLError } from 'graphql';
import { unauthenticated } from '../graphql/errors.js';
import { LifecycleSubscriptionError, type LifecycleUpdate } from '../lifecycle/hub.js';
import { type InvoiceFeedUpdate, MAX_FEED_IDS } from '../lifecycle/organization-feed.js';
import { createLoaders } from '../loaders.js';
import { distinctListArgument, QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import { primeInvoice } from './fresh.js';
import { LifecycleEvent } from './lifecycle-event.js';

/** `ClientInvoiceLifecycleUpdate`: one new lifecycle event and the invoice as it is now. */
export const ClientInvoiceLifecycleUpdate = builder.objectRef<LifecycleUpdate>('ClientInvoiceLifecycleUpdate').implement({
  fields: (t) => ({
    event: t.field({ type: LifecycleEvent, resolve: (u) => u.event }),
    invoice: t.field({ type: ClientInvoice, resolve: (u) => u.invoice }),
  }),
});

builder.subscriptionField('clientInvoiceLifecycle', (t) =>
  t.field({
    type: ClientInvoiceLifecycleUpdate,
    description:
      "Streams an invoice's new e-invoicing lifecycle events, exactly once each and in Qonto's order. Without `after`, events recorded from now on; with `after` (a LifecycleEvent cursor), every later event first.",
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }), after: t.arg.string() },
    subscribe: async (_, { id, after }, ctx) => {
      const invoiceId = qontoIdArgument(id, 'id');
      if (!ctx.caller) throw unauthenticated();
      try {
        return await ctx.services.lifecycle.subscribe(ctx.caller, invoiceId, after);
      } catch (error) {
        if (error instanceof LifecycleSubscriptionError) throw new GraphQLError(error.message, { extensions: { code: error.code } });
        throw error;
      }
    },
    resolve: (update, _, ctx) => {
      ctx.loaders = createLoaders(ctx.qonto);
      primeInvoice(ctx, update.invoice);
      return update;
    },
  }),
);

const ClientInvoiceUpdateKind = builder.enumType('ClientInvoiceUpdateKind', {
  description:
    'CREATED: an invoice the feed did not know. UPDATED: something the schema exposes changed. DELETED: Qonto answers 404 for an invoice the feed knew.',
  values: ['CREATED', 'UPDATED', 'DELETED'] as const,
});

/** `ClientInvoiceUpdate`: one change of one invoice of the organisation. */
export const ClientInvoiceUpdate = builder.objectRef<InvoiceFeedUpdate>('ClientInvoiceUpdate').implement({
  fields: (t) => ({
    kind: t.field({ type: ClientInvoiceUpdateKind, resolve: (u) => u.kind }),
    invoiceId: t.id({ resolve: (u) => u.invoiceId }),
    invoice: t.field({ type: ClientInvoice, nullable: true, description: 'Null when DELETED.', resolve: (u) => u.invoice }),
    newLifecycleEvents: t.field({
      type: [LifecycleEvent],
      description: "The lifecycle events this subscription had not been sent, each once, in Qonto's order.",
      resolve: (u) => u.newLifecycleEvents,
    }),
  }),
});

const ClientInvoiceUpdatesFilter = builder.inputType('ClientInvoiceUpdatesFilter', {
  fields: (t) => ({
    ids: t.idList({
      description: `At most ${MAX_FEED_IDS} invoice ids; absent = every invoice of the organisation. ${QONTO_ID_DESCRIPTION}`,
    }),
  }),
});

builder.subscriptionField('clientInvoiceUpdates', (t) =>
  t.field({
    type: ClientInvoiceUpdate,
    description:
      "Streams the changes of the caller's organisation's invoices (or of `filter.ids`): CREATED, UPDATED (with the new lifecycle events) and DELETED, each once and in order. Fed by Qonto's webhooks and a reconciliation poll.",
    args: { filter: t.arg({ type: ClientInvoiceUpdatesFilter }) },
    subscribe: async (_, { filter }, ctx) => {
      const ids = distinctListArgument(filter?.ids, 'filter.ids', { min: 1, max: MAX_FEED_IDS })?.map((id) =>
        qontoIdArgument(id, 'filter.ids'),
      );
      if (!ctx.caller) throw unauthenticated();
      return ctx.services.lifecycle.feeds.subscribe(ctx.caller, ids ?? null);
    },
    resolve: (update, _, ctx) => {
      ctx.loaders = createLoaders(ctx.qonto);
      if (update.invoice) primeInvoice(ctx, update.invoice);
      return update;
    },
  }),
);
