import type { WireEinvoicingSettings } from '../qonto/wire.js';
import { builder } from './builder.js';
import { toEnumValue } from './enums.js';

const SENDING = ['ENABLED', 'DISABLED'] as const;
const RECEIVING = ['ENABLED', 'DISABLED', 'PENDING_CREATION', 'PENDING_DELETION'] as const;

const EinvoicingSendingStatus = builder.enumType('EinvoicingSendingStatus', { values: [...SENDING, 'UNKNOWN'] as const });
const EinvoicingReceivingStatus = builder.enumType('EinvoicingReceivingStatus', { values: [...RECEIVING, 'UNKNOWN'] as const });
const QontoEnvironment = builder.enumType('QontoEnvironment', { values: ['PRODUCTION', 'SANDBOX'] as const });

/** `EinvoicingSettings`: whether the organization can send and receive e-invoices. */
export const EinvoicingSettings = builder
  .objectRef<WireEinvoicingSettings & { environment: 'production' | 'sandbox' }>('EinvoicingSettings')
  .implement({
    fields: (t) => ({
      sendingStatus: t.field({
        type: EinvoicingSendingStatus,
        description: 'ENABLED when e-invoicing is activated (it does not reflect the Annuaire registration).',
        resolve: (s) => toEnumValue(s.sending_status, SENDING),
      }),
      receivingStatus: t.field({ type: EinvoicingReceivingStatus, resolve: (s) => toEnumValue(s.receiving_status, RECEIVING) }),
      rawSendingStatus: t.string({ nullable: true, resolve: (s) => s.sending_status ?? null }),
      rawReceivingStatus: t.string({ nullable: true, resolve: (s) => s.receiving_status ?? null }),
      environment: t.field({
        type: QontoEnvironment,
        description: 'The Qonto environment the gateway talks to; sending e-invoices only works in PRODUCTION.',
        resolve: (s) => (s.environment === 'sandbox' ? 'SANDBOX' : 'PRODUCTION'),
      }),
    }),
  });

builder.queryField('einvoicingSettings', (t) =>
  t.field({
    type: EinvoicingSettings,
    resolve: async (_, __, ctx) => ({ ...(await ctx.loaders.einvoicingSettings()), environment: ctx.environment }),
  }),
);
