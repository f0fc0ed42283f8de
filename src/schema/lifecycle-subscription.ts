import { GraphQLError } from 'graphql';
import { unauthenticated } from '../graphql/errors.js';
import { LifecycleSubscriptionError, type LifecycleUpdate } from '../lifecycle/hub.js';
import { createLoaders } from '../loaders.js';
import { QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
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
