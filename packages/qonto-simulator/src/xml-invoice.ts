import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseDecimal, roundDiv } from './amounts.js';
import { isIsoDate } from './validation.js';

/** The buyer read from an imported XML invoice. */
export interface XmlBuyer {
  name: string | null;
  /** 9-digit SIREN (first 9 digits of a SIRET). */
  siren: string | null;
  vatNumber: string | null;
  /** Electronic address (`EndpointID` / `URIID`), as written. */
  electronicAddress: string | null;
  street: string | null;
  city: string | null;
  zip: string | null;
  country: string | null;
}

/** What the bulk import reads from a UBL 2.1 or CII invoice (docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
export interface XmlInvoice {
  format: 'ubl' | 'cii';
  number: string | null;
  issueDate: string | null;
  dueDate: string | null;
  currency: string | null;
  totalCents: number | null;
  vatCents: number | null;
  buyer: XmlBuyer | null;
}

/** Thrown for malformed or unrecognised XML (→ 422 `invalid`). */
export class XmlInvoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlInvoiceError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type Node = unknown;

function first(node: Node): Node {
  return Array.isArray(node) ? node[0] : node;
}

function child(node: Node, ...path: string[]): Node {
  let current = first(node);
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = first((current as Record<string, unknown>)[key]);
  }
  return current;
}

function children(node: Node, key: string): Node[] {
  const current = first(node);
  if (typeof current !== 'object' || current === null) return [];
  const value = (current as Record<string, unknown>)[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function text(node: Node): string | null {
  const value = first(node);
  if (typeof value === 'string' || typeof value === 'number') return String(value).trim() || null;
  if (typeof value === 'object' && value !== null && '#text' in value) {
    return text((value as Record<string, unknown>)['#text']);
  }
  return null;
}

function attribute(node: Node, name: string): string | null {
  const value = first(node);
  if (typeof value !== 'object' || value === null) return null;
  const attr = (value as Record<string, unknown>)[`@_${name}`];
  return typeof attr === 'string' ? attr : null;
}

function cents(node: Node): number | null {
  const raw = text(node);
  const decimal = raw ? parseDecimal(raw) : null;
  if (!decimal) return null;
  return Number(roundDiv(decimal.numerator * 100n, 10n ** BigInt(decimal.scale)));
}

function sirenOf(value: string | null): string | null {
  const digits = value?.replace(/\s/g, '') ?? '';
  return /^\d{9}(\d{5})?$/.test(digits) ? digits.slice(0, 9) : null;
}

function date(value: string | null): string | null {
  if (!value) return null;
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : value.slice(0, 10);
  return isIsoDate(iso) ? iso : null;
}

function ublBuyer(invoice: Node): XmlBuyer | null {
  const party = child(invoice, 'AccountingCustomerParty', 'Party');
  if (party === undefined) return null;
  const endpoint = child(party, 'EndpointID');
  const legal = child(party, 'PartyLegalEntity');
  const address = child(party, 'PostalAddress');
  return {
    name: text(child(legal, 'RegistrationName')) ?? text(child(party, 'PartyName', 'Name')),
    siren: sirenOf(text(child(legal, 'CompanyID'))) ?? sirenOf(text(child(party, 'PartyIdentification', 'ID'))) ?? sirenOf(text(endpoint)),
    vatNumber: text(child(party, 'PartyTaxScheme', 'CompanyID')),
    electronicAddress: text(endpoint),
    street: text(child(address, 'StreetName')),
    city: text(child(address, 'CityName')),
    zip: text(child(address, 'PostalZone')),
    country: text(child(address, 'Country', 'IdentificationCode')),
  };
}

function parseUbl(invoice: Node): XmlInvoice {
  const totals = child(invoice, 'LegalMonetaryTotal');
  return {
    format: 'ubl',
    number: text(child(invoice, 'ID')),
    issueDate: date(text(child(invoice, 'IssueDate'))),
    dueDate: date(text(child(invoice, 'DueDate')) ?? text(child(invoice, 'PaymentMeans', 'PaymentDueDate'))),
    currency: text(child(invoice, 'DocumentCurrencyCode')),
    totalCents: cents(child(totals, 'PayableAmount')) ?? cents(child(totals, 'TaxInclusiveAmount')),
    vatCents: cents(child(invoice, 'TaxTotal', 'TaxAmount')),
    buyer: ublBuyer(invoice),
  };
}

function ciiBuyer(transaction: Node): XmlBuyer | null {
  const party = child(transaction, 'ApplicableHeaderTradeAgreement', 'BuyerTradeParty');
  if (party === undefined) return null;
  const registrations = children(party, 'SpecifiedTaxRegistration').map((entry) => child(entry, 'ID'));
  const vat = registrations.find((id) => attribute(id, 'schemeID') === 'VA') ?? registrations[0];
  const address = child(party, 'PostalTradeAddress');
  const uri = child(party, 'URIUniversalCommunication', 'URIID');
  return {
    name: text(child(party, 'Name')),
    siren: sirenOf(text(child(party, 'SpecifiedLegalOrganization', 'ID'))) ?? sirenOf(text(uri)),
    vatNumber: text(vat),
    electronicAddress: text(uri),
    street: text(child(address, 'LineOne')),
    city: text(child(address, 'CityName')),
    zip: text(child(address, 'PostcodeCode')),
    country: text(child(address, 'CountryID')),
  };
}

function parseCii(invoice: Node): XmlInvoice {
  const transaction = child(invoice, 'SupplyChainTradeTransaction');
  const settlement = child(transaction, 'ApplicableHeaderTradeSettlement');
  const summation = child(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation');
  return {
    format: 'cii',
    number: text(child(invoice, 'ExchangedDocument', 'ID')),
    issueDate: date(text(child(invoice, 'ExchangedDocument', 'IssueDateTime', 'DateTimeString'))),
    dueDate: date(text(child(settlement, 'SpecifiedTradePaymentTerms', 'DueDateDateTime', 'DateTimeString'))),
    currency: text(child(settlement, 'InvoiceCurrencyCode')),
    totalCents: cents(child(summation, 'GrandTotalAmount')) ?? cents(child(summation, 'DuePayableAmount')),
    vatCents: cents(child(summation, 'TaxTotalAmount')),
    buyer: ciiBuyer(transaction),
  };
}

/** Reads a UBL 2.1 `Invoice` or a UN/CEFACT CII `CrossIndustryInvoice` (docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
export function parseInvoiceXml(bytes: Buffer): XmlInvoice {
  const xml = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlInvoiceError(`malformed XML: ${valid.err.msg}`);
  let document: Record<string, unknown>;
  try {
    document = parser.parse(xml) as Record<string, unknown>;
  } catch (error) {
    throw new XmlInvoiceError(`malformed XML: ${(error as Error).message}`);
  }
  if (document['Invoice'] !== undefined) return parseUbl(document['Invoice']);
  if (document['CrossIndustryInvoice'] !== undefined) return parseCii(document['CrossIndustryInvoice']);
  throw new XmlInvoiceError('unrecognised XML: expected a UBL 2.1 Invoice or a CII CrossIndustryInvoice');
}
