/** Credentials the gateway may hold for Qonto (docs/qonto-facts.md#authentication). */
export interface StaticCredentials {
  /** Organization slug, e.g. `acme-1234`. */
  apiLogin?: string | undefined;
  apiSecretKey?: string | undefined;
  /** OAuth 2.0 access token. */
  accessToken?: string | undefined;
}

/**
 * Builds the `Authorization` value Qonto expects: `<login>:<secret>` for an API key (no `Basic`,
 * no Base64), or `Bearer <token>`. The API key wins when both are given.
 */
export function staticAuthorization(credentials: StaticCredentials): string {
  const { apiLogin, apiSecretKey, accessToken } = credentials;
  if (apiLogin && apiSecretKey) return `${apiLogin}:${apiSecretKey}`;
  if (apiLogin || apiSecretKey) throw new TypeError('Qonto API key needs both apiLogin and apiSecretKey');
  if (accessToken) return `Bearer ${accessToken}`;
  throw new TypeError('Qonto credentials need apiLogin + apiSecretKey, or accessToken');
}

/** A log-safe form of an `Authorization` value: `Bearer ***`, `acme-1234:***` or `***`. */
export function redactAuthorization(value: string | undefined | null): string {
  if (!value) return '(none)';
  const bearer = /^bearer\s+/i.exec(value);
  if (bearer) return `${bearer[0].trim()} ***`;
  const colon = value.indexOf(':');
  if (colon > 0 && !/\s/.test(value.slice(0, colon))) return `${value.slice(0, colon)}:***`;
  return '***';
}
