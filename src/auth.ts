import { createHash, timingSafeEqual } from 'node:crypto';
import type { QontoAuthConfig } from './config.js';

/** Who is calling, once their credentials are resolved. */
export interface Caller {
  /** The `Authorization` value the gateway sends to Qonto for this caller. */
  upstreamAuthorization: string;
  /** A SHA-256 of that value: groups callers with the same credentials, safe to log and key on. */
  key: string;
}

/** Outcome of {@link resolveCaller}. */
export type CallerResolution =
  | { ok: true; caller: Caller | null }
  | { ok: false; message: string };

const MAX_AUTHORIZATION_LENGTH = 8192;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** The stable, non-secret key of an upstream `Authorization` value. */
export function credentialKey(upstreamAuthorization: string): string {
  return sha256(upstreamAuthorization).toString('hex');
}

/**
 * Resolves the caller from the `Authorization` value it presented (HTTP header, or the
 * `authorization` connection parameter on WebSocket).
 *
 * - `forward`: any non-empty value is sent to Qonto unchanged; Qonto decides.
 * - `static`: the value must be `Bearer <one of GATEWAY_API_KEYS>` (constant-time comparison);
 *   the gateway's own Qonto credentials are then used.
 *
 * No value gives a null caller (anonymous: introspection works, data does not); a value that is
 * present but refused is an error.
 */
export function resolveCaller(presented: string | null | undefined, auth: QontoAuthConfig): CallerResolution {
  const value = presented?.trim();
  if (!value) return { ok: true, caller: null };
  if (value.length > MAX_AUTHORIZATION_LENGTH) return { ok: false, message: 'Authorization value is too long' };
  if (auth.mode === 'forward') return { ok: true, caller: { upstreamAuthorization: value, key: credentialKey(value) } };
  const match = /^Bearer\s+(.+)$/i.exec(value);
  const presentedKey = match?.[1]?.trim();
  if (!presentedKey || !auth.authorization) return { ok: false, message: 'Invalid gateway API key' };
  const digest = sha256(presentedKey);
  const known = auth.gatewayApiKeys.some((key) => timingSafeEqual(sha256(key), digest));
  if (!known) return { ok: false, message: 'Invalid gateway API key' };
  return { ok: true, caller: { upstreamAuthorization: auth.authorization, key: credentialKey(auth.authorization) } };
}
