/**
 * Maps a raw upstream string to a GraphQL enum value: SCREAMING_CASE of the raw value when known,
 * `UNKNOWN` otherwise (and for null), so an unexpected value never fails a query.
 */
export function toEnumValue<const T extends string>(raw: string | null | undefined, known: readonly T[]): T | 'UNKNOWN' {
  if (raw == null) return 'UNKNOWN';
  const candidate = raw
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
  return (known as readonly string[]).includes(candidate) ? (candidate as T) : 'UNKNOWN';
}

/** Same as {@link toEnumValue} but keeps null as null (for nullable fields). */
export function toNullableEnumValue<const T extends string>(raw: string | null | undefined, known: readonly T[]): T | 'UNKNOWN' | null {
  return raw == null ? null : toEnumValue(raw, known);
}
