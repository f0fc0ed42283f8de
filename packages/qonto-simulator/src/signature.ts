import { createHmac } from 'node:crypto';

/**
 * Webhook signing as Qonto documents it (docs/qonto-facts.md#webhook-signature), written for the
 * simulator alone: the gateway verifies with its own code, so the two are checked against each
 * other, and both against the documented test vector.
 */

/** Name of the header that carries the signature. */
export const SIGNATURE_HEADER = 'X-Qonto-Signature';

/**
 * `v1`: the lowercase hex HMAC-SHA256 of `"<t>.<raw body>"`, keyed with the UTF-8 bytes of the
 * secret exactly as given (a `whsec_` prefix is part of the key: docs/qonto-facts.md#simulator-webhooks).
 */
export function webhookSignature(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** The header value `t=<unix seconds>,v1=<hex>`. */
export function signatureHeader(secret: string, timestamp: number, rawBody: string): string {
  return `t=${timestamp},v1=${webhookSignature(secret, timestamp, rawBody)}`;
}
