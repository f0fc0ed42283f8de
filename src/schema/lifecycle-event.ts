import { LIFECYCLE_STATUS_NAMES, type LifecycleEvent as LifecycleEventShape } from '../domain/lifecycle-events.js';
import { builder } from './builder.js';

/** `LifecycleStatus`: the French e-invoicing lifecycle codes, `UNKNOWN` for any other. */
export const LifecycleStatus = builder.enumType('LifecycleStatus', {
  description: 'French e-invoicing lifecycle status (code in the description); UNKNOWN for a code the gateway does not know.',
  values: Object.fromEntries(
    LIFECYCLE_STATUS_NAMES.map(([name, code]) => [name, { description: code === null ? 'Any other code' : `Code ${code}` }]),
  ),
});

/** `LifecycleEvent`: one step of an e-invoice through the network, in Qonto's order. */
export const LifecycleEvent = builder.objectRef<LifecycleEventShape>('LifecycleEvent').implement({
  description: 'One e-invoicing lifecycle event recorded by Qonto.',
  fields: (t) => ({
    statusCode: t.int({
      description: 'The lifecycle code (e.g. 201); 0 when Qonto sent a non-numeric code.',
      resolve: (e) => e.statusCode ?? 0,
    }),
    rawStatusCode: t.exposeString('rawStatusCode', { description: 'The code exactly as Qonto sent it.' }),
    status: t.field({ type: LifecycleStatus, resolve: (e) => e.status }),
    label: t.exposeString('label', { description: 'Human label, e.g. "Issued by platform".' }),
    occurredAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.occurredAt }),
    reason: t.exposeString('reason', { nullable: true }),
    reasonMessage: t.exposeString('reasonMessage', { nullable: true }),
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to clientInvoiceLifecycle to receive only later events.' }),
  }),
});
