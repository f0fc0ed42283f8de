import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';

/** A response produced by a handler, written by the server (and cached by idempotency, docs/qonto-facts.md#simulator-idempotency). */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A JSON response. */
export function jsonResponse(status: number, payload: unknown): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(payload), 'utf8'),
  };
}

/** A 204 without body. */
export function noContent(): SimResponse {
  return { status: 204, headers: {} };
}

/** Thrown by {@link readBody} when the body exceeds its limit. */
export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole request body, failing with {@link BodyTooLargeError} beyond `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** A JSON object body: `{}` when empty; 422 `invalid` when malformed or not an object. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(422, [{ code: 'invalid', detail: 'The request body is not valid JSON.', source: { pointer: '/data' } }]);
  }
  if (!isRecord(parsed)) {
    throw new ApiError(422, [{ code: 'invalid', detail: 'The request body must be a JSON object.', source: { pointer: '/data' } }]);
  }
  return parsed;
}

/** Narrows `unknown` to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
