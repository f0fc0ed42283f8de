import type { AddressJson } from '../wire.js';
import { notFound, parameterError, validationFailed } from '../errors.js';
import { jsonResponse, noContent } from '../http.js';
import { paginate, parsePageRequest } from '../pagination.js';
import { clientDisplayName, toWireClient } from '../representation.js';
import type { SimContext, SimRouter } from '../services.js';
import type { ClientRecord, OrganizationRecord } from '../types.js';
import { BodyValidator, isEmail, timestampParameter } from '../validation.js';

const KINDS = ['company', 'individual', 'freelancer'] as const;
const LOCALES = ['fr', 'en', 'it', 'de', 'es'] as const;
const SORTS = ['created_at:asc', 'created_at:desc', 'updated_at:asc', 'updated_at:desc', 'name:asc', 'name:desc'] as const;
const EINVOICING_ADDRESS = [/^\d{9}$/, /^\d{9}_\d{14}$/, /^\d{9}_\d{14}_[A-Za-z0-9-]{1,50}$/, /^\d{9}_[A-Za-z0-9-]{1,50}$/];
const ADDRESS_KEYS = ['street_address', 'city', 'zip_code', 'province_code', 'country_code'] as const;

/** Lowercase, accents removed: how `filter[name]` compares (docs/qonto-facts.md#clients). */
export function foldText(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

function emptyAddress(): AddressJson {
  return { street_address: null, city: null, zip_code: null, province_code: null, country_code: null };
}

function readAddress(v: BodyValidator, key: string, current: AddressJson | null): AddressJson | null | undefined {
  const value = v.object(key);
  if (value === undefined || value === null) return value;
  const nested = v.nested(value, key);
  const next = { ...(current ?? emptyAddress()) };
  for (const field of ADDRESS_KEYS) {
    if (!nested.has(field)) continue;
    const max = field === 'street_address' ? 250 : field === 'city' ? 50 : 20;
    const text = nested.string(field, { max });
    if (text !== undefined) next[field] = field === 'country_code' && text ? text.toLowerCase() : text;
  }
  return next;
}

/**
 * Applies a create or PATCH body to a client (docs/qonto-facts.md#simulator-clients): only the keys sent change,
 * `e_invoicing_reachable` is ignored, root address fields and `billing_address` stay in sync.
 */
function applyClientBody(org: OrganizationRecord, client: ClientRecord, body: Record<string, unknown>, creating: boolean): void {
  const v = new BodyValidator(body);
  const kindKey = v.has('kind') ? 'kind' : v.has('type') ? 'type' : undefined;
  if (kindKey) {
    const kind = v.oneOf(kindKey, KINDS, { required: true, field: kindKey });
    if (kind === 'freelancer' && org.legal_country !== 'IT') v.notInList(kindKey, ['company', 'individual']);
    else if (kind) client.kind = kind;
  } else if (creating) v.blank('kind');

  for (const [key, max] of [
    ['name', 250],
    ['first_name', 60],
    ['last_name', 60],
    ['vat_number', 20],
    ['tax_identification_number', 30],
    ['recipient_code', 20],
    ['phone_number', 30],
  ] as const) {
    const value = v.string(key, { max });
    if (value !== undefined) client[key] = value;
  }
  const email = v.string('email', { max: 254 });
  if (email && !isEmail(email)) v.invalid('email', 'email is not a valid email address');
  else if (email !== undefined) client.email = email;
  if (v.has('extra_emails')) {
    const extra = v.raw('extra_emails');
    if (extra === null) client.extra_emails = [];
    else if (!Array.isArray(extra) || extra.some((entry) => typeof entry !== 'string' || !isEmail(entry)))
      v.invalid('extra_emails', 'extra_emails must be a list of email addresses');
    else if (extra.length > 100) v.invalid('extra_emails', 'extra_emails accepts at most 100 addresses');
    else client.extra_emails = extra.map(String);
  }
  const phone = v.object('phone');
  if (phone) {
    const nested = v.nested(phone, 'phone');
    client.phone = {
      country_code: nested.string('country_code', { max: 5 }) ?? null,
      number: nested.string('number', { max: 20 }) ?? null,
    };
  } else if (phone === null) client.phone = null;
  const currency = v.string('currency');
  if (currency && !/^[A-Z]{3}$/.test(currency)) v.invalid('currency', 'currency must be an ISO 4217 code');
  else if (currency !== undefined) client.currency = currency;
  const locale = v.oneOf('locale', LOCALES);
  if (locale !== undefined) client.locale = locale;
  const einvoicingAddress = v.string('e_invoicing_address', { max: 100 });
  if (einvoicingAddress && !EINVOICING_ADDRESS.some((pattern) => pattern.test(einvoicingAddress))) {
    v.invalid('e_invoicing_address', 'e_invoicing_address must be siren, siren_siret, siren_siret_routingCode or siren_suffix');
  } else if (einvoicingAddress !== undefined) client.e_invoicing_address = einvoicingAddress;

  const rootAddress: Array<[string, keyof AddressJson, number]> = [
    ['address', 'street_address', 250],
    ['city', 'city', 50],
    ['zip_code', 'zip_code', 20],
    ['province_code', 'province_code', 20],
    ['country_code', 'country_code', 2],
  ];
  for (const [key, target, max] of rootAddress) {
    const value = v.string(key, { max });
    if (value === undefined) continue;
    client.billing_address = {
      ...(client.billing_address ?? emptyAddress()),
      [target]: target === 'country_code' && value ? value.toLowerCase() : value,
    };
  }
  const billing = readAddress(v, 'billing_address', client.billing_address);
  if (billing !== undefined) client.billing_address = billing;
  const delivery = readAddress(v, 'delivery_address', client.delivery_address);
  if (delivery !== undefined) client.delivery_address = delivery;

  if (client.kind === 'company' && !client.name) v.blank('name');
  if (client.kind !== 'company') {
    if (!client.first_name) v.blank('first_name');
    if (!client.last_name) v.blank('last_name');
  }
  v.throwIfErrors();
}

function listClients(ctx: SimContext) {
  const { query } = ctx;
  const page = parsePageRequest(query);
  const sort = query.get('sort_by') ?? 'name:asc';
  if (!(SORTS as readonly string[]).includes(sort)) {
    throw validationFailed([parameterError('not_in_list', 'sort_by', `sort_by must be one of: ${SORTS.join(', ')}`)]);
  }
  const name = query.get('filter[name]');
  if (name !== null && name.trim().length < 2) {
    throw validationFailed([parameterError('invalid', 'filter[name]', 'filter[name] needs at least 2 characters')]);
  }
  const updatedFrom = timestampParameter(query, 'filter[updated_at_from]');
  const updatedTo = timestampParameter(query, 'filter[updated_at_to]');
  const exact = (param: string, pick: (client: ClientRecord) => string | null) => {
    const wanted = query.get(param);
    return wanted === null ? () => true : (client: ClientRecord) => (pick(client) ?? '').toLowerCase() === wanted.toLowerCase();
  };
  const filters = [
    exact('filter[email]', (client) => client.email),
    exact('filter[vat_number]', (client) => client.vat_number),
    exact('filter[tax_identification_number]', (client) => client.tax_identification_number),
    (client: ClientRecord) => name === null || foldText(clientDisplayName(client) ?? '').includes(foldText(name.trim())),
    (client: ClientRecord) => updatedFrom === undefined || Date.parse(client.updated_at) >= updatedFrom,
    (client: ClientRecord) => updatedTo === undefined || Date.parse(client.updated_at) <= updatedTo,
  ];
  const [field, direction] = sort.split(':') as ['created_at' | 'updated_at' | 'name', 'asc' | 'desc'];
  const collator = new Intl.Collator('fr', { sensitivity: 'base' });
  const clients = ctx.services.store
    .clientRecords(ctx.org.id)
    .filter((client) => filters.every((keep) => keep(client)))
    .sort((a, b) => {
      const order =
        field === 'name' ? collator.compare(clientDisplayName(a) ?? '', clientDisplayName(b) ?? '') : a[field].localeCompare(b[field]);
      return (direction === 'asc' ? order : -order) || a.id.localeCompare(b.id);
    });
  const result = paginate(clients, page);
  return jsonResponse(200, { clients: result.items.map(toWireClient), meta: result.meta });
}

function requireClient(ctx: SimContext): ClientRecord {
  const client = ctx.services.store.clientRecord(ctx.org.id, ctx.params['id'] ?? '');
  if (!client) throw notFound('Client not found.');
  return client;
}

function createClient(ctx: SimContext) {
  const { store } = ctx.services;
  const client = store.blankClient(ctx.org.id);
  applyClientBody(ctx.org, client, ctx.json(), true);
  store.addClient(client);
  store.emitClientChange(client, 'created');
  return jsonResponse(201, { client: toWireClient(client) });
}

function updateClient(ctx: SimContext) {
  const { store } = ctx.services;
  const client = requireClient(ctx);
  const draft: ClientRecord = structuredClone(client);
  applyClientBody(ctx.org, draft, ctx.json(), false);
  draft.updated_at = store.timestamp();
  Object.assign(client, draft);
  store.emitClientChange(client, 'updated');
  return jsonResponse(200, { client: toWireClient(client) });
}

function deleteClient(ctx: SimContext) {
  const { store } = ctx.services;
  const client = requireClient(ctx);
  store.removeClient(ctx.org.id, client.id);
  store.emitClientChange(client, 'deleted');
  return noContent();
}

/** Registers the client endpoints (docs/qonto-facts.md#clients). */
export function registerClientRoutes(router: SimRouter): void {
  router
    .add('GET', '/v2/clients', listClients)
    .add('GET', '/v2/clients/{id}', (ctx) => jsonResponse(200, { client: toWireClient(requireClient(ctx)) }))
    .add('POST', '/v2/clients', createClient)
    .add('PATCH', '/v2/clients/{id}', updateClient)
    .add('DELETE', '/v2/clients/{id}', deleteClient);
}
