import { createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the header that carries a webhook signature (docs/qonto-facts.md#webhook-signature). */
export const SIGNATURE_HEADER = 'x-qonto-signature';

/** Qonto rejects deliveries older than this (docs/qonto-facts.md#webhook-signature). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Computes `v1`: the lowercase hex HMAC-SHA256 of `"<t>.<raw body>"`, keyed with the UTF-8 bytes
 * of the secret exactly as given, a `whsec_` prefix included (docs/qonto-facts.md#webhook-signature).
 */
export function computeSignature(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  const hmac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return hmac.digest('hex');
}

/** Builds the `X-Qonto-Signature` value `t=<unix seconds>,v1=<hex>`. */
export function signatureHeader(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

/** Why a signature was refused. */
export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';

/** Outcome of {@link verifySignature}. */
export type SignatureVerdict = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

/** Options of {@link verifySignature}. */
export interface VerifySignatureOptions {
  /** Accepted secrets; several allow rotation. */
  secrets: readonly string[];
  /** Current time in unix seconds (default: now). */
  nowSeconds?: number;
  /** Maximum age, and clock skew into the future, in seconds (default 300). */
  toleranceSeconds?: number;
}

/**
 * Verifies an `X-Qonto-Signature` header against the raw body: splits on `,` then `=`, checks the
 * timestamp against the tolerance and compares every `v1` with every secret in constant time.
 */
export function verifySignature(
  header: string | null | undefined,
  rawBody: string | Uint8Array,
  options: VerifySignatureOptions,
): SignatureVerdict {
  if (!header) return { ok: false, reason: 'missing' };
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) candidates.push(Buffer.from(value.toLowerCase(), 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: 'stale' };
  let matched = false;
  for (const secret of options.secrets) {
    const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
    for (const candidate of candidates) {
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'mismatch' };
}
