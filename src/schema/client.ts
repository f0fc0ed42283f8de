import { CLIENT_FILTER_LIMITS } from '../domain/input-rules.js';
import type { WireClient } from '../qonto/wire.js';
import { boundedStringArgument, QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { Address } from './address.js';
import { connectionType, resolveOffsetConnection } from './connection.js';
import { toEnumValue } from './enums.js';

const CLIENT_KINDS = ['COMPANY', 'INDIVIDUAL', 'FREELANCER'] as const;

/** `ClientKind`: company, individual or freelancer (Italy); UNKNOWN for anything else. */
export const ClientKind = builder.enumType('ClientKind', { values: [...CLIENT_KINDS, 'UNKNOWN'] as const });

/** `Client`: a customer of the organization, as Qonto knows it now. */
export const Client = builder.objectRef<WireClient>('Client').implement({
  description: 'A client (customer) of the organization.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: ClientKind, resolve: (c) => toEnumValue(c.kind ?? c.type, CLIENT_KINDS) }),
    name: t.string({
      nullable: true,
      description: 'Company name; for a person, first and last name.',
      resolve: (c) => c.name ?? ([c.first_name, c.last_name].filter(Boolean).join(' ') || null),
    }),
    firstName: t.string({ nullable: true, resolve: (c) => c.first_name ?? null }),
    lastName: t.string({ nullable: true, resolve: (c) => c.last_name ?? null }),
    email: t.string({ nullable: true, resolve: (c) => c.email ?? null }),
    extraEmails: t.stringList({ resolve: (c) => c.extra_emails ?? [] }),
    phoneNumber: t.string({ nullable: true, resolve: (c) => c.phone_number ?? null }),
    vatNumber: t.string({ nullable: true, resolve: (c) => c.vat_number ?? null }),
    taxIdentificationNumber: t.string({ nullable: true, resolve: (c) => c.tax_identification_number ?? null }),
    einvoicingAddress: t.string({ nullable: true, resolve: (c) => c.e_invoicing_address ?? null }),
    einvoicingReachable: t.boolean({
      nullable: true,
      description: 'Whether the client can receive e-invoices; when not true, send by email instead.',
      resolve: (c) => c.e_invoicing_reachable ?? null,
    }),
    billingAddress: t.field({
      type: Address,
      nullable: true,
      resolve: (c) =>
        c.billing_address ??
        (c.address || c.city || c.zip_code || c.country_code
          ? { street_address: c.address, city: c.city, zip_code: c.zip_code, province_code: c.province_code, country_code: c.country_code }
          : null),
    }),
    deliveryAddress: t.field({ type: Address, nullable: true, resolve: (c) => c.delivery_address ?? null }),
    currency: t.string({ nullable: true, resolve: (c) => c.currency ?? null }),
    locale: t.string({ nullable: true, resolve: (c) => c.locale ?? null }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.created_at ?? null }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.updated_at ?? null }),
  }),
});

const ClientConnection = connectionType('Client', Client);

const ClientOrder = builder.enumType('ClientOrder', {
  values: {
    NAME_ASC: { value: 'name:asc' },
    NAME_DESC: { value: 'name:desc' },
    CREATED_AT_ASC: { value: 'created_at:asc' },
    CREATED_AT_DESC: { value: 'created_at:desc' },
    UPDATED_AT_ASC: { value: 'updated_at:asc' },
    UPDATED_AT_DESC: { value: 'updated_at:desc' },
  } as const,
});

const ClientFilter = builder.inputType('ClientFilter', {
  description: "Qonto's client list filters (`filter[...]`).",
  fields: (t) => ({
    name: t.string({
      description: `${CLIENT_FILTER_LIMITS.name.min} to ${CLIENT_FILTER_LIMITS.name.max} characters; partial, case and accent insensitive.`,
    }),
    email: t.string({ description: `Exact, case insensitive; at most ${CLIENT_FILTER_LIMITS.email.max} characters.` }),
    vatNumber: t.string({ description: `Exact, case insensitive; at most ${CLIENT_FILTER_LIMITS.vatNumber.max} characters.` }),
    taxIdentificationNumber: t.string({
      description: `Exact, case insensitive (SIREN or SIRET in France); at most ${CLIENT_FILTER_LIMITS.taxIdentificationNumber.max} characters.`,
    }),
    updatedAtFrom: t.field({ type: 'DateTime' }),
    updatedAtTo: t.field({ type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  client: t.field({
    type: Client,
    nullable: true,
    description: 'A client by its Qonto id; null when Qonto does not know it.',
    args: { id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }) },
    resolve: (_, { id }, ctx) => ctx.loaders.client.load(qontoIdArgument(id, 'id')),
  }),
  clients: t.field({
    type: ClientConnection,
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      filter: t.arg({ type: ClientFilter }),
      orderBy: t.arg({ type: ClientOrder }),
    },
    resolve: (_, { first, after, filter, orderBy }, ctx) => {
      const name = boundedStringArgument(filter?.name, 'filter.name', CLIENT_FILTER_LIMITS.name);
      const email = boundedStringArgument(filter?.email, 'filter.email', CLIENT_FILTER_LIMITS.email);
      const vatNumber = boundedStringArgument(filter?.vatNumber, 'filter.vatNumber', CLIENT_FILTER_LIMITS.vatNumber);
      const taxIdentificationNumber = boundedStringArgument(
        filter?.taxIdentificationNumber,
        'filter.taxIdentificationNumber',
        CLIENT_FILTER_LIMITS.taxIdentificationNumber,
      );
      return resolveOffsetConnection({ first, after }, async (page, perPage) => {
        const list = await ctx.qonto().listClients({
          page,
          perPage,
          ...(orderBy ? { sortBy: orderBy } : {}),
          filter: {
            name,
            email,
            vatNumber,
            taxIdentificationNumber,
            updatedAtFrom: filter?.updatedAtFrom ?? undefined,
            updatedAtTo: filter?.updatedAtTo ?? undefined,
          },
        });
        for (const client of list.clients) ctx.loaders.client.prime(client.id, client);
        return { items: list.clients, meta: list.meta };
      });
    },
  }),
}));
