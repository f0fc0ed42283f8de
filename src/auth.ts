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
export type CallerResolution = { ok: true; caller: Caller | null } | { ok: false; message: string };

const MAX_AUTHORIZATION_LENGTH = 8192;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** The stable, non-secret key of an upstream `Authorization` value. */
export function credentialKey(upstreamAuthorization: string): string {
  return sha256(upstreamAuthorization).toString('hex');
}

/** A caller whose `key` is hashed on first use: plain queries never need it. */
class ResolvedCaller implements Caller {
  #key: string | undefined;
  constructor(readonly upstreamAuthorization: string) {}
  get key(): string {
    this.#key ??= credentialKey(this.upstreamAuthorization);
    return this.#key;
  }
}

const callerOf = (upstreamAuthorization: string): Caller => new ResolvedCaller(upstreamAuthorization);

type StaticAuth = Extract<QontoAuthConfig, { mode: 'static' }>;

interface StaticAuthDerived {
  authorization: string | undefined;
  keys: readonly string[];
  /** SHA-256 digests of the gateway API keys, compared in constant time. */
  digests: Buffer[];
  /** The one caller of this config (its credential key is then hashed once). */
  caller: Caller | undefined;
}

/** What a static-auth config derives, recomputed only when its values change. */
const derivedStaticAuth = new WeakMap<StaticAuth, StaticAuthDerived>();

function deriveStaticAuth(auth: StaticAuth): StaticAuthDerived {
  const cached = derivedStaticAuth.get(auth);
  const unchanged =
    cached !== undefined &&
    cached.authorization === auth.authorization &&
    cached.keys.length === auth.gatewayApiKeys.length &&
    cached.keys.every((key, i) => key === auth.gatewayApiKeys[i]);
  if (cached && unchanged) return cached;
  const derived: StaticAuthDerived = {
    authorization: auth.authorization,
    keys: [...auth.gatewayApiKeys],
    digests: auth.gatewayApiKeys.map(sha256),
    caller: auth.authorization ? callerOf(auth.authorization) : undefined,
  };
  derivedStaticAuth.set(auth, derived);
  return derived;
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
  if (auth.mode === 'forward') return { ok: true, caller: callerOf(value) };
  const match = /^Bearer\s+(.+)$/i.exec(value);
  const presentedKey = match?.[1]?.trim();
  const { digests, caller } = deriveStaticAuth(auth);
  if (!presentedKey || !caller) return { ok: false, message: 'Invalid gateway API key' };
  const digest = sha256(presentedKey);
  // every key is compared (no early exit), in constant time
  const known = digests.reduce((found, known) => timingSafeEqual(known, digest) || found, false);
  if (!known) return { ok: false, message: 'Invalid gateway API key' };
  return { ok: true, caller };
}
