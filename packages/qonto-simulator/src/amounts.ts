/**
 * Exact decimal arithmetic for invoice totals (docs/qonto-facts.md#simulator-invoices): amounts are integer cents, quantities and
 * rates are decimal strings, every rounding is half-up (away from zero) to the cent.
 */

/** A decimal number as `numerator / 10^scale`. */
export interface Decimal {
  numerator: bigint;
  scale: number;
}

const DECIMAL_PATTERN = /^(-?)(\d{1,15})(?:\.(\d{1,10}))?$/;

/** Parses a plain decimal string (`"1.5"`, `"-3"`, `"0.055"`); null for anything else. */
export function parseDecimal(value: string): Decimal | null {
  const match = DECIMAL_PATTERN.exec(value.trim());
  if (!match) return null;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const numerator = BigInt(`${whole}${fraction}`) * (sign === '-' ? -1n : 1n);
  return { numerator, scale: fraction.length };
}

/** Parses a money string with at most two decimals into integer cents; null when not one. */
export function parseCents(value: string): number | null {
  const decimal = parseDecimal(value);
  if (!decimal || decimal.scale > 2) return null;
  return Number(decimal.numerator * 10n ** BigInt(2 - decimal.scale));
}

/** `numerator / denominator` rounded half-up, away from zero. */
export function roundDiv(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const rounded = (2n * n + d) / (2n * d);
  return negative ? -rounded : rounded;
}

/** Formats integer cents as a decimal string with two fraction digits (`16200` → `"162.00"`). */
export function formatCents(cents: number): string {
  const negative = cents < 0;
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const fraction = String(abs % 100).padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** A line discount as sent in a body: a fraction (`percentage`) or an amount (`absolute`). */
export interface LineDiscountInput {
  type: 'percentage' | 'absolute';
  value: string;
}

/** The computed amounts of one invoice line, in cents. */
export interface LineAmounts {
  discountCents: number | null;
  subtotalCents: number;
  vatCents: number;
  totalCents: number;
}

/**
 * Computes one line (docs/qonto-facts.md#simulator-invoices): subtotal = quantity × unit price − discount, VAT = subtotal × rate,
 * total = subtotal + VAT, each rounded half-up to the cent.
 */
export function computeLine(quantity: Decimal, unitPriceCents: number, vatRate: Decimal, discount: LineDiscountInput | null): LineAmounts {
  const scale = 10n ** BigInt(quantity.scale);
  const grossNumerator = quantity.numerator * BigInt(unitPriceCents);
  let discountCents: bigint | null = null;
  if (discount?.type === 'percentage') {
    const rate = parseDecimal(discount.value);
    if (rate) discountCents = roundDiv(grossNumerator * rate.numerator, scale * 10n ** BigInt(rate.scale));
  } else if (discount?.type === 'absolute') {
    const cents = parseCents(discount.value);
    if (cents !== null) discountCents = BigInt(cents);
  }
  const subtotal = roundDiv(grossNumerator - (discountCents ?? 0n) * scale, scale);
  const vat = roundDiv(subtotal * vatRate.numerator, 10n ** BigInt(vatRate.scale));
  return {
    discountCents: discountCents === null ? null : Number(discountCents),
    subtotalCents: Number(subtotal),
    vatCents: Number(vat),
    totalCents: Number(subtotal + vat),
  };
}
