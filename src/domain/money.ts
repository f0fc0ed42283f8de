import type { WireMoney } from '../qonto/wire.js';

/** A `Money` value as the schema exposes it. */
export interface Money {
  value: string;
  currency: string;
  cents: number;
}

/**
 * Converts a decimal string (e.g. `"162.5"`, `"-3.07"`) to integer cents without floating point;
 * null when it is not a plain decimal with at most two meaningful fraction digits.
 */
export function decimalToCents(value: string): number | null {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return null;
  const [, sign, whole = '0', fraction = ''] = match;
  if (/[1-9]/.test(fraction.slice(2))) return null;
  const cents = Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/**
 * Builds a `Money` from Qonto's `{value, currency}` and its `*_cents` sibling; cents are taken
 * from Qonto when present and only parsed from the decimal string otherwise. Null when the
 * amount is missing or unreadable (never recomputed).
 */
export function toMoney(money: WireMoney | null | undefined, cents: number | null | undefined): Money | null {
  if (!money || typeof money.value !== 'string') return null;
  const resolvedCents = typeof cents === 'number' && Number.isInteger(cents) ? cents : decimalToCents(money.value);
  if (resolvedCents === null) return null;
  return { value: money.value, currency: money.currency ?? '', cents: resolvedCents };
}
