import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

let lastMs = -1;
let sequence = 0;

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function stampV7(bytes: Uint8Array, ms: number, randA: number): void {
  const time = BigInt(Math.max(0, Math.floor(ms)));
  for (let i = 0; i < 6; i += 1) bytes[i] = Number((time >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | ((randA >> 8) & 0x0f);
  bytes[7] = randA & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
}

/**
 * A new random UUIDv7 (docs/qonto-facts.md#simulator-ids-and-trace-ids) for the given unix time in milliseconds. Ids created within the same
 * millisecond stay ordered through a 12-bit counter in `rand_a` (a clock moved backwards simply
 * starts a new sequence at that time).
 */
export function uuidv7(ms: number): string {
  let stamp = Math.floor(ms);
  if (stamp === lastMs || stamp === lastMs - 1) {
    stamp = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      stamp = lastMs;
      sequence = 0;
    }
  } else {
    lastMs = stamp;
    sequence = randomBytes(2).readUInt16BE(0) & 0x3ff;
  }
  const bytes = new Uint8Array(randomBytes(16));
  stampV7(bytes, stamp, sequence);
  return formatUuid(bytes);
}

/**
 * A deterministic UUIDv7-shaped id: the timestamp part is `ms`, the random parts come from the
 * SHA-256 of `label`. Used by the seed so that every start yields the same ids.
 */
export function seededUuidv7(ms: number, label: string): string {
  const digest = createHash('sha256').update(`qonto-simulator-seed:${label}`).digest();
  const bytes = new Uint8Array(digest.subarray(0, 16));
  stampV7(bytes, ms, digest.readUInt16BE(16) & 0xfff);
  return formatUuid(bytes);
}

/** A trace id: 32 lowercase hex characters (docs/qonto-facts.md#simulator-ids-and-trace-ids). */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** A webhook secret: `whsec_` followed by 32 random base62 characters (docs/qonto-facts.md#simulator-webhooks). */
export function generateWebhookSecret(): string {
  let out = 'whsec_';
  while (out.length < 38) {
    const byte = randomBytes(1)[0] ?? 0;
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

/** Formats a date as UTC `YYYY-MM-DDTHH:mm:ss.sssZ` (docs/qonto-facts.md#simulator-ids-and-trace-ids). */
export function isoTimestamp(date: Date): string {
  return date.toISOString();
}

/** The UTC calendar date `YYYY-MM-DD` of a date. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
