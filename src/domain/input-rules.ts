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
