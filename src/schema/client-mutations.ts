import type { GatewayContext } from '../context.js';
import { CLIENT_FIELD_LIMITS } from '../domain/input-rules.js';
import type { WireAddress, WireClient, WireCreateClientBody } from '../qonto/wire.js';
import { AddressInput } from './address.js';
import { boundedStringArgument, QONTO_ID_DESCRIPTION, qontoIdArgument } from './arguments.js';
import { builder } from './builder.js';
import { Client, ClientKind } from './client.js';
import { NotFoundError, ValidationError } from './errors.js';
import { toErrorMember, type ErrorMemberClass } from './qonto-error-members.js';

/** Client input fields (GraphQL name) to Qonto body attributes; also the 422 pointer mapping. */
const CLIENT_ATTRIBUTES = {
  kind: 'kind',
  name: 'name',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  vatNumber: 'vat_number',
  taxIdentificationNumber: 'tax_identification_number',
  einvoicingAddress: 'e_invoicing_address',
  currency: 'currency',
  locale: 'locale',
  billingAddress: 'billing_address',
} as const;

const ADDRESS_ATTRIBUTES = {
  streetAddress: 'street_address',
  city: 'city',
  zipCode: 'zip_code',
  provinceCode: 'province_code',
  countryCode: 'country_code',
} as const;

/** `{ first_name: 'input.firstName', 'billing_address/city': 'input.billingAddress.city', … }` */
const CLIENT_FIELDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(CLIENT_ATTRIBUTES).map(([field, attribute]) => [attribute, `input.${field}`])),
  type: 'input.kind',
  ...Object.fromEntries(
    Object.entries(ADDRESS_ATTRIBUTES).map(([field, attribute]) => [`billing_address/${attribute}`, `input.billingAddress.${field}`]),
  ),
};

type StringField = Exclude<keyof typeof CLIENT_ATTRIBUTES, 'kind' | 'billingAddress'>;
const STRING_FIELDS = Object.keys(CLIENT_ATTRIBUTES).filter((f) => f !== 'kind' && f !== 'billingAddress') as StringField[];

interface AddressArgs {
  streetAddress?: string | null;
  city?: string | null;
  zipCode?: string | null;
  provinceCode?: string | null;
  countryCode?: string | null;
}

/** A client input as GraphQL hands it over: every field optional (create requires `kind`). */
type ClientArgs = { kind?: string | null; billingAddress?: AddressArgs | null } & { [K in StringField]?: string | null };

const clientInputFields = (required: boolean) => (t: PothosInputFieldBuilder) => ({
  kind: t.field({ type: ClientKind, required, description: 'COMPANY, INDIVIDUAL or FREELANCER (Italian organizations only).' }),
  name: t.string({ description: `Required for a company; at most ${CLIENT_FIELD_LIMITS.name.max} characters.` }),
  firstName: t.string({ description: `Required for an individual; at most ${CLIENT_FIELD_LIMITS.firstName.max} characters.` }),
  lastName: t.string({ description: `Required for an individual; at most ${CLIENT_FIELD_LIMITS.lastName.max} characters.` }),
  email: t.string(),
  vatNumber: t.string({ description: `At most ${CLIENT_FIELD_LIMITS.vatNumber.max} characters.` }),
  taxIdentificationNumber: t.string({
    description: `SIREN or SIRET for a French company; at most ${CLIENT_FIELD_LIMITS.taxIdentificationNumber.max} characters.`,
  }),
  einvoicingAddress: t.string({ description: 'SIREN, SIREN_SIRET, SIREN_SIRET_routing code or SIREN_suffix.' }),
  billingAddress: t.field({ type: AddressInput }),
  currency: t.string({ description: 'An invoice can use the client once currency, locale and an address are set.' }),
  locale: t.string(),
});

type PothosInputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const CreateClientInput = builder.inputType('CreateClientInput', { fields: clientInputFields(true) });
const UpdateClientInput = builder.inputType('UpdateClientInput', {
  description: 'Only the fields given change.',
  fields: clientInputFields(false),
});

/**
 * The Qonto body of a client input: only the keys given (a PATCH changes only those), each string
 * checked against its limit first (`BAD_USER_INPUT` naming `input.<field>`). `UNKNOWN` is not a kind.
 */
export function clientBody(input: ClientArgs): WireCreateClientBody {
  const body: Record<string, unknown> = {};
  if (input.kind != null) {
    if (input.kind === 'UNKNOWN') throw new ValidationError('input.kind', 'kind must be COMPANY, INDIVIDUAL or FREELANCER');
    body['kind'] = input.kind.toLowerCase();
  }
  for (const field of STRING_FIELDS) {
    const value = boundedStringArgument(input[field], `input.${field}`, CLIENT_FIELD_LIMITS[field]);
    if (value !== undefined) body[CLIENT_ATTRIBUTES[field]] = value;
  }
  if (input.billingAddress != null) {
    const address: Record<string, string> = {};
    for (const [field, attribute] of Object.entries(ADDRESS_ATTRIBUTES) as Array<[keyof AddressArgs, keyof WireAddress]>) {
      const value = boundedStringArgument(input.billingAddress[field], `input.billingAddress.${field}`, CLIENT_FIELD_LIMITS.addressLine);
      if (value !== undefined) address[attribute] = value;
    }
    body['billing_address'] = address;
  }
  return body as WireCreateClientBody;
}

/** What a client mutation returns. */
interface ClientOutcome {
  client: WireClient;
}

const CreateClientSuccess = builder.objectRef<ClientOutcome>('CreateClientSuccess').implement({
  fields: (t) => ({ client: t.field({ type: Client, resolve: (r) => r.client }) }),
});
const UpdateClientSuccess = builder.objectRef<ClientOutcome>('UpdateClientSuccess').implement({
  fields: (t) => ({ client: t.field({ type: Client, resolve: (r) => r.client }) }),
});

const CREATE_ERRORS = [ValidationError];
const UPDATE_ERRORS = [NotFoundError, ValidationError];

/** Puts the client Qonto returned into the operation's loader and tells the lifecycle hub. */
function clientChanged(ctx: GatewayContext, client: WireClient): ClientOutcome {
  ctx.loaders.client.clear(client.id).prime(client.id, client);
  ctx.services.lifecycle.clientChanged(client.id);
  return { client };
}

async function clientCall(
  ctx: GatewayContext,
  call: () => Promise<WireClient>,
  members: readonly ErrorMemberClass[],
  clientId?: string,
): Promise<ClientOutcome> {
  let client: WireClient;
  try {
    client = await call();
  } catch (error) {
    throw await toErrorMember(error, {
      ctx,
      members,
      ...(clientId === undefined ? {} : { clientId }),
      fields: CLIENT_FIELDS,
      refusedInput: { field: 'input', message: 'Qonto refused the client' },
    });
  }
  return clientChanged(ctx, client);
}

builder.mutationFields((t) => ({
  createClient: t.field({
    type: CreateClientSuccess,
    description: 'Creates a client (POST /v2/clients). Qonto does not prevent duplicates: search with `clients` first.',
    args: { input: t.arg({ type: CreateClientInput, required: true }) },
    errors: { types: CREATE_ERRORS, union: { name: 'CreateClientResult' }, directResult: true },
    resolve: (_, { input }, ctx) => {
      const body = clientBody(input);
      const qonto = ctx.qonto();
      return clientCall(ctx, () => qonto.createClient(body), CREATE_ERRORS);
    },
  }),
  updateClient: t.field({
    type: UpdateClientSuccess,
    description: 'Changes the fields given, and only those (PATCH /v2/clients/{id}).',
    args: {
      id: t.arg.id({ required: true, description: QONTO_ID_DESCRIPTION }),
      input: t.arg({ type: UpdateClientInput, required: true }),
    },
    errors: { types: UPDATE_ERRORS, union: { name: 'UpdateClientResult' }, directResult: true },
    resolve: (_, { id: rawId, input }, ctx) => {
      const id = qontoIdArgument(rawId, 'id');
      const body = clientBody(input);
      const qonto = ctx.qonto();
      return clientCall(ctx, () => qonto.updateClient(id, body), UPDATE_ERRORS, id);
    },
  }),
}));
