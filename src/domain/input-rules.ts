/**
 * The shape of a Qonto id the gateway is willing to put into a request path.
 *
 * Every id Qonto shows is a UUID, but nothing promises that it always will be, so the gateway does
 * not insist on the UUID layout: it accepts 1 to {@link MAX_QONTO_ID_LENGTH} ASCII letters, digits,
 * `-` and `_`. That covers UUIDs in either case and with or without hyphens, as well as ULIDs,
 * numeric ids and prefixed ids (`inv_…`), and it rules out everything that could change what a URL
 * means once the id is a path segment: `/`, `\`, `.` (so no `.` or `..` segment), `%`, `?`, `#`,
 * whitespace and control characters. 64 characters leave room for any id format in use (a UUID
 * has 36) while keeping URLs short.
 */
export const QONTO_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The longest id {@link QONTO_ID_PATTERN} accepts. */
export const MAX_QONTO_ID_LENGTH = 64;

/** True when `value` may be used as a Qonto id (see {@link QONTO_ID_PATTERN}). */
export function isQontoId(value: string): boolean {
  return QONTO_ID_PATTERN.test(value);
}

/**
 * Length limits of the client list filters: Qonto's documented maxima for the fields they match
 * (name 250, VAT number 20, tax identification number 30; a name filter needs 2 characters) and,
 * for the email, the longest address SMTP can carry (254).
 */
export const CLIENT_FILTER_LIMITS = {
  name: { min: 2, max: 250 },
  email: { max: 254 },
  vatNumber: { max: 20 },
  taxIdentificationNumber: { max: 30 },
} as const;

/** The longest email address accepted anywhere (recipients, filters): what SMTP can carry. */
export const MAX_EMAIL_LENGTH = 254;

/** The longest file name forwarded to Qonto with an import (the usual file system limit). */
export const MAX_FILE_NAME_LENGTH = 255;

/**
 * Length limits of the client fields a mutation forwards: Qonto's documented maxima (name 250,
 * first and last name 60 each, VAT number 20, tax identification number 30:
 * docs/qonto-facts.md#client-fields), the SMTP limit for the email, and, where Qonto states no
 * maximum, a bound the gateway chose (an e-invoicing address has at most 30 characters in its
 * longest documented form; currencies are 3-letter codes; locales are short tags).
 */
export const CLIENT_FIELD_LIMITS = {
  name: { max: 250 },
  firstName: { max: 60 },
  lastName: { max: 60 },
  email: { max: MAX_EMAIL_LENGTH },
  vatNumber: { max: 20 },
  taxIdentificationNumber: { max: 30 },
  einvoicingAddress: { max: 64 },
  currency: { max: 3 },
  locale: { max: 10 },
  addressLine: { max: 250 },
} as const;

/**
 * Limits of the invoice create and update inputs. Qonto documents no maxima for them
 * (docs/qonto-facts.md#invoice-create-and-update-body); the gateway chose: 1 to 100 lines,
 * 250 characters for a title, number, purchase order or unit, 5,000 for the free texts, 32 for a
 * decimal string (quantity, amount, rate), 34 for an IBAN (the longest IBAN format).
 */
export const INVOICE_INPUT_LIMITS = {
  items: { min: 1, max: 100 },
  shortText: { max: 250 },
  longText: { max: 5000 },
  decimal: { min: 1, max: 32 },
  iban: { max: 34 },
  currency: { max: 3 },
} as const;
