import { isoTimestamp, seededUuidv7 } from './ids.js';
import { applyTotals, buildItem } from './invoice-logic.js';
import { outcomeSpec, plannedEvents } from './lifecycle.js';
import { embeddedClient } from './representation.js';
import { ATELIER_SPEC, BUREAU_SPEC, CATALOGUE, type ClientSpec, type InvoiceSpec, type OrganizationSpec } from './seed-data.js';
import type { SimulatorStore } from './store.js';
import type { ClientRecord, InvoiceRecord, LifecycleEventRecord, OrganizationRecord } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type AtelierClientKey =
  | 'delacroix'
  | 'boulangerie'
  | 'nova'
  | 'moreau'
  | 'girard'
  | 'motsBleus'
  | 'hotelParc'
  | 'verdure'
  | 'dubois'
  | 'lefevre';
type AtelierInvoiceKey =
  | 'readyToSend'
  | 'readyToSendNova'
  | 'readyToSendMotsBleus'
  | 'readyToSendHotel'
  | 'rejectedClient'
  | 'refusedClient'
  | 'notReachable'
  | 'notReachableCompany'
  | 'draft'
  | 'draftIndividual'
  | 'canceled'
  | 'paid'
  | 'alreadyApproved'
  | 'paidEinvoiced'
  | 'inProgress'
  | 'alreadyRejected'
  | 'alreadyRefused'
  | 'pending';
type BureauClientKey = 'phare' | 'armor' | 'le-gall';
type BureauInvoiceKey = 'readyToSend' | 'draft' | 'paid' | 'alreadyApproved';

function idFor(iso: string, label: string): string {
  return seededUuidv7(Date.parse(iso), label);
}

function invoiceCreatedAt(spec: InvoiceSpec, index: number): string {
  return isoTimestamp(new Date(Date.parse(`${spec.issue}T09:00:00.000Z`) + index * MINUTE));
}

function clientIds(org: OrganizationSpec): Record<string, string> {
  return Object.fromEntries(org.clients.map((client) => [client.key, idFor(client.createdAt, `${org.key}:client:${client.key}`)]));
}

function invoiceIds(org: OrganizationSpec): Record<string, string> {
  return Object.fromEntries(
    org.invoices.map((invoice, index) => [invoice.key, idFor(invoiceCreatedAt(invoice, index), `${org.key}:invoice:${invoice.key}`)]),
  );
}

function pick<K extends string>(ids: Record<string, string>, keys: readonly K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const key of keys) {
    const id = ids[key];
    if (!id) throw new Error(`seed: missing ${key}`);
    out[key] = id;
  }
  return out;
}

const ATELIER_CLIENT_IDS = pick<AtelierClientKey>(clientIds(ATELIER_SPEC), [
  'delacroix',
  'boulangerie',
  'nova',
  'moreau',
  'girard',
  'motsBleus',
  'hotelParc',
  'verdure',
  'dubois',
  'lefevre',
]);
const ATELIER_INVOICE_IDS = pick<AtelierInvoiceKey>(invoiceIds(ATELIER_SPEC), [
  'readyToSend',
  'readyToSendNova',
  'readyToSendMotsBleus',
  'readyToSendHotel',
  'rejectedClient',
  'refusedClient',
  'notReachable',
  'notReachableCompany',
  'draft',
  'draftIndividual',
  'canceled',
  'paid',
  'alreadyApproved',
  'paidEinvoiced',
  'inProgress',
  'alreadyRejected',
  'alreadyRefused',
  'pending',
]);
const BUREAU_CLIENT_IDS = pick<BureauClientKey>(clientIds(BUREAU_SPEC), ['phare', 'armor', 'le-gall']);
const BUREAU_INVOICE_IDS = pick<BureauInvoiceKey>(invoiceIds(BUREAU_SPEC), ['readyToSend', 'draft', 'paid', 'alreadyApproved']);

function organizationConstants(org: OrganizationSpec) {
  return {
    organizationId: idFor(org.createdAt, `${org.key}:organization`),
    membershipId: idFor(org.createdAt, `${org.key}:membership`),
    slug: org.slug,
    legalName: org.legalName,
    bearerToken: org.bearerToken,
    apiKey: org.apiKey,
    iban: org.iban,
  };
}

/**
 * Ids and credentials of the deterministic seed: the same on every start, so tests and the README
 * can name them.
 *
 * - `SEED.atelier`: "Atelier Lumière SAS", the demo organisation (credentials[0]).
 *   - `clients`: by name (`delacroix`, `boulangerie`, `nova`, `motsBleus`, `hotelParc`: reachable,
 *     outcome approved; `moreau`: reachable, outcome rejected; `girard`: reachable, outcome refused;
 *     `verdure`: company not reachable; `dubois`, `lefevre`: individuals not reachable) and by role
 *     (`reachable`, `rejectedOutcome`, `refusedOutcome`, `notReachable`, `notReachableCompany`,
 *     `individual`).
 *   - `invoices`: `readyToSend` (+ `readyToSendNova`, `readyToSendMotsBleus`, `readyToSendHotel`):
 *     unpaid, reachable approved-outcome client, no events; `rejectedClient` / `refusedClient`:
 *     same but the client's outcome is rejected / refused; `notReachable` (individual) and
 *     `notReachableCompany`: unpaid, client not reachable; `draft`, `draftIndividual`;
 *     `canceled`; `paid` (never e-invoiced); `alreadyApproved` (unpaid, 200…205);
 *     `paidEinvoiced` (paid, 200…205 + 212); `inProgress` (200, 201, 202); `pending` (200);
 *     `alreadyRejected` (…213); `alreadyRefused` (…210). Plus 22 `history01…22` invoices.
 * - `SEED.bureau`: "Bureau Isolé SARL", the isolation organisation (credentials[1]).
 */
export const SEED = {
  atelier: {
    ...organizationConstants(ATELIER_SPEC),
    clients: {
      ...ATELIER_CLIENT_IDS,
      reachable: ATELIER_CLIENT_IDS.delacroix,
      rejectedOutcome: ATELIER_CLIENT_IDS.moreau,
      refusedOutcome: ATELIER_CLIENT_IDS.girard,
      notReachable: ATELIER_CLIENT_IDS.dubois,
      notReachableCompany: ATELIER_CLIENT_IDS.verdure,
      individual: ATELIER_CLIENT_IDS.dubois,
    },
    invoices: ATELIER_INVOICE_IDS,
    clientCount: ATELIER_SPEC.clients.length,
    invoiceCount: ATELIER_SPEC.invoices.length,
  },
  bureau: {
    ...organizationConstants(BUREAU_SPEC),
    clients: BUREAU_CLIENT_IDS,
    invoices: BUREAU_INVOICE_IDS,
    clientCount: BUREAU_SPEC.clients.length,
    invoiceCount: BUREAU_SPEC.invoices.length,
  },
} as const;

function frenchVatNumber(siren: string): string {
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, '0')}${siren}`;
}

function buildOrganization(spec: OrganizationSpec): OrganizationRecord {
  const constants = organizationConstants(spec);
  return {
    id: constants.organizationId,
    slug: spec.slug,
    legal_name: spec.legalName,
    legal_number: spec.legalNumber,
    legal_sector: spec.legalSector,
    legal_registration_date: spec.registrationDate,
    legal_address: spec.legalAddress,
    legal_form: spec.legalForm,
    legal_country: 'FR',
    legal_share_capital: spec.shareCapital,
    locale: 'fr',
    contract_signed_at: spec.createdAt,
    bank_accounts: [
      {
        slug: `${spec.slug}-bank-account-1`,
        iban: spec.iban,
        bic: 'QNTOFRP1XXX',
        currency: 'EUR',
        balance_cents: spec.balanceCents,
        authorized_balance_cents: spec.balanceCents,
        name: spec.bankAccountName,
        updated_at: '2026-11-20T07:00:00.000Z',
        status: 'active',
        main: true,
      },
    ],
    membership_id: constants.membershipId,
    contact_email: spec.contactEmail,
    bearer_token: spec.bearerToken,
    api_key: spec.apiKey,
    einvoicing: { sending_status: 'enabled', receiving_status: 'enabled', annuaire_registered: true, clientless_import: 'refuse' },
  };
}

function buildClient(org: OrganizationRecord, spec: ClientSpec, id: string): ClientRecord {
  const isCompany = spec.kind === 'company';
  return {
    id,
    organizationId: org.id,
    kind: spec.kind,
    name: spec.name ?? null,
    first_name: spec.firstName ?? null,
    last_name: spec.lastName ?? null,
    email: spec.email,
    extra_emails: spec.key === 'delacroix' ? ['direction@maison-delacroix.example'] : [],
    phone_number: null,
    phone: null,
    currency: 'EUR',
    locale: spec.locale ?? 'fr',
    vat_number: isCompany && spec.siren ? frenchVatNumber(spec.siren) : null,
    tax_identification_number: spec.siren ?? null,
    e_invoicing_address: spec.einvoicingAddress ?? null,
    e_invoicing_reachable: spec.reachable,
    recipient_code: null,
    billing_address: { street_address: spec.street, city: spec.city, zip_code: spec.zip, province_code: null, country_code: 'fr' },
    delivery_address: null,
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
    outcome: outcomeSpec(spec.outcome),
  };
}

function seededEvents(codes: readonly string[], client: ClientRecord, startMs: number, paidAt: string | undefined): LifecycleEventRecord[] {
  const reasons = new Map(plannedEvents(client.outcome).map((event) => [event.statusCode, event]));
  let time = startMs;
  return codes.map((code) => {
    if (code === '212' && paidAt) time = Math.max(time + HOUR, Date.parse(`${paidAt}T10:00:00.000Z`));
    const planned = reasons.get(code);
    const event: LifecycleEventRecord = {
      status_code: code,
      timestamp: isoTimestamp(new Date(time)),
      reason: planned?.reason ?? null,
      reason_message: planned?.reasonMessage ?? null,
    };
    time += 3 * HOUR;
    return event;
  });
}

function buildInvoices(org: OrganizationRecord, spec: OrganizationSpec, clients: Map<string, ClientRecord>): InvoiceRecord[] {
  const ids = invoiceIds(spec);
  const numbers = new Map<string, string>();
  const perYear = new Map<string, number>();
  const finalized = spec.invoices
    .map((invoice, index) => ({ invoice, index }))
    .filter(({ invoice }) => invoice.status !== 'draft')
    .sort((a, b) => a.invoice.issue.localeCompare(b.invoice.issue) || a.index - b.index);
  for (const { invoice } of finalized) {
    const year = invoice.issue.slice(0, 4);
    const next = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, next);
    numbers.set(invoice.key, `INV-${year}-${String(next).padStart(3, '0')}`);
  }
  return spec.invoices.map((invoiceSpec, index) => {
    const client = clients.get(invoiceSpec.client);
    const id = ids[invoiceSpec.key];
    if (!client || !id) throw new Error(`seed: bad invoice ${invoiceSpec.key}`);
    const createdAt = invoiceCreatedAt(invoiceSpec, index);
    const createdMs = Date.parse(createdAt);
    const isDraft = invoiceSpec.status === 'draft';
    const finalizedMs = createdMs + 30 * MINUTE;
    const events = invoiceSpec.events ? seededEvents(invoiceSpec.events, client, finalizedMs + DAY, invoiceSpec.paidAt) : [];
    let updatedMs = isDraft ? createdMs : finalizedMs;
    if (invoiceSpec.status === 'canceled') updatedMs = finalizedMs + 2 * DAY;
    if (invoiceSpec.paidAt) updatedMs = Math.max(updatedMs, Date.parse(`${invoiceSpec.paidAt}T09:30:00.000Z`));
    for (const event of events) updatedMs = Math.max(updatedMs, Date.parse(event.timestamp));
    const invoice: InvoiceRecord = {
      id,
      organizationId: org.id,
      attachment_id: isDraft ? null : idFor(isoTimestamp(new Date(finalizedMs)), `${spec.key}:attachment:${invoiceSpec.key}`),
      number: numbers.get(invoiceSpec.key) ?? null,
      status: invoiceSpec.status,
      purchase_order: invoiceSpec.purchaseOrder ?? null,
      contact_email: org.contact_email,
      terms_and_conditions: 'Paiement à 30 jours à réception de facture.',
      discount_conditions: "Pas d'escompte pour paiement anticipé.",
      late_payment_penalties: 'Taux directeur de la BCE majoré de 10 points.',
      legal_fixed_compensation: 'Indemnité forfaitaire pour frais de recouvrement : 40 €.',
      header: null,
      footer: `${org.legal_name} · SIREN ${org.legal_number} · ${org.legal_address}`,
      currency: 'EUR',
      total_amount_cents: null,
      vat_amount_cents: null,
      issue_date: invoiceSpec.issue,
      due_date: new Date(Date.parse(`${invoiceSpec.issue}T00:00:00.000Z`) + 30 * DAY).toISOString().slice(0, 10),
      performance_start_date: invoiceSpec.issue,
      performance_end_date: invoiceSpec.issue,
      created_at: createdAt,
      updated_at: isoTimestamp(new Date(updatedMs)),
      finalized_at: isDraft ? null : isoTimestamp(new Date(finalizedMs)),
      paid_at: invoiceSpec.paidAt ?? null,
      discount: null,
      items: invoiceSpec.lines.map(([line, quantity]) => {
        const entry = CATALOGUE[line];
        if (!entry) throw new Error(`seed: bad catalogue line ${line}`);
        return buildItem({
          title: entry.title,
          description: entry.description ?? null,
          quantity,
          unit: entry.unit ?? null,
          unitPrice: entry.unitPrice,
          vatRate: entry.vatRate,
          vatExemptionReason: null,
          discount: entry.discount ?? null,
        });
      }),
      clientId: client.id,
      client: embeddedClient(client),
      payment_iban: org.bank_accounts[0]?.iban ?? null,
      upload_id: null,
      events,
      imported: false,
      file_hash: null,
      file: null,
    };
    applyTotals(invoice);
    return invoice;
  });
}

function seedOrganization(store: SimulatorStore, spec: OrganizationSpec): void {
  const org = buildOrganization(spec);
  store.addOrganization(org);
  const ids = clientIds(spec);
  const clients = new Map<string, ClientRecord>();
  for (const clientSpec of spec.clients) {
    const id = ids[clientSpec.key];
    if (!id) throw new Error(`seed: bad client ${clientSpec.key}`);
    const client = buildClient(org, clientSpec, id);
    clients.set(clientSpec.key, client);
    store.addClient(client);
  }
  for (const invoice of buildInvoices(org, spec, clients)) store.addInvoice(invoice);
}

/** Fills an empty store with the deterministic seed (same ids and data on every call). */
export function seedStore(store: SimulatorStore): void {
  seedOrganization(store, ATELIER_SPEC);
  seedOrganization(store, BUREAU_SPEC);
}
