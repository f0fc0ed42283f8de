import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { SIGNATURE_HEADER, verifySignature } from '../qonto/webhook-signature.js';
import { CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE } from '../qonto/wire.js';
import type { Deduplicator } from './deduplicator.js';

/** Largest webhook body accepted. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/** What the receiver does with a valid, first-seen delivery (called after the 200 is returned). */
export interface WebhookSignals {
  /** `organizationId` is the envelope's `organization_id` when it has one. */
  invoiceChanged(invoiceId: string, organizationId?: string): void;
  clientChanged(clientId: string): void;
}

/** Options of {@link createWebhookReceiver}. */
export interface WebhookReceiverOptions {
  /** Accepted secrets (QONTO_WEBHOOK_SECRET, several for rotation); read at each delivery. */
  secrets: () => readonly string[];
  deduplicator: Deduplicator;
  signals: WebhookSignals;
  logger?: Logger;
  /** Signature tolerance in seconds, default 300. */
  toleranceSeconds?: number;
  /** Counts outcomes (metrics). */
  onOutcome?: (outcome: WebhookOutcome) => void;
}

/** How a delivery ended. */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'ignored' | 'unauthorized' | 'malformed' | 'too_large' | 'method_not_allowed';

/** The receiver's answer: a status and a JSON body, plus headers when there are any. */
export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** One delivery as the receiver reads it, whatever carried it: {@link nodeDelivery}, {@link fetchDelivery}. */
export interface WebhookDelivery {
  method: string;
  /** The `X-Qonto-Signature` header. */
  signature: string | null | undefined;
  /** The raw body, byte for byte; rejects with {@link BodyTooLarge} once it passes `limit` bytes. */
  body(limit: number): Promise<Uint8Array>;
}

/** The `POST /webhooks/qonto` handler made by {@link createWebhookReceiver}. */
export type WebhookReceiver = (delivery: WebhookDelivery) => Promise<WebhookReply>;

/** A body over the limit, declared or counted. */
export class BodyTooLarge extends Error {}

/**
 * A delivery read straight from node:http. A declared `Content-Length` over the limit is refused
 * before any read; a chunked body is counted as it streams, and the rest of a body refused that way
 * is drained, so that the answer goes out and the connection lives on.
 */
export function nodeDelivery(req: IncomingMessage): WebhookDelivery {
  const header = req.headers[SIGNATURE_HEADER];
  return {
    method: req.method ?? 'GET',
    signature: Array.isArray(header) ? header[0] : header,
    body: (limit) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > limit) return Promise.reject(new BodyTooLarge());
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            req.removeAllListeners('data');
            req.resume();
            reject(new BodyTooLarge());
            return;
          }
          chunks.push(chunk);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      });
    },
  };
}

/** Reads the rest of a body and drops it, so that the answer goes out and the connection lives on. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done) {
      // dropped
    }
  } catch {
    // the client went away
  }
}

/** A Fetch request's raw body, with the limits of {@link nodeDelivery}. */
async function readFetchBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > limit) {
      void discard(reader);
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
}

/** A delivery read from a Fetch `Request` (behind yoga: `yoga.fetch`), with the same limits as {@link nodeDelivery}. */
export function fetchDelivery(request: Request): WebhookDelivery {
  return {
    method: request.method,
    signature: request.headers.get(SIGNATURE_HEADER),
    body: (limit) => readFetchBody(request, limit),
  };
}

interface Envelope {
  id: string;
  type: string;
  organizationId: string | undefined;
  data: { id?: unknown; event?: unknown };
}

function parseEnvelope(raw: Uint8Array): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { id, type, data, organization_id: organization } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return null;
  if (typeof type !== 'string' || typeof data !== 'object' || data === null) return null;
  const organizationId =
    typeof organization === 'string' && organization.length > 0 && organization.length <= 200 ? organization : undefined;
  return { id, type, organizationId, data: data as Envelope['data'] };
}

/**
 * The `POST /webhooks/qonto` handler: verifies `X-Qonto-Signature` over the raw body (constant
 * time, 5-minute tolerance, several secrets), answers 401 for a bad signature and 400 for a
 * malformed payload, drops repeats by envelope `id`, answers 200 at once and only then signals
 * (a webhook is a signal to re-fetch, never data to trust). It reads a {@link WebhookDelivery}
 * and returns the reply to send, so that node:http and yoga both serve it (src/app/routes.ts).
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const done = (status: number, outcome: WebhookOutcome, body: Record<string, unknown>, headers?: Record<string, string>): WebhookReply => {
    options.onOutcome?.(outcome);
    return headers ? { status, body, headers } : { status, body };
  };
  return async (delivery) => {
    if (delivery.method !== 'POST') return done(405, 'method_not_allowed', { error: 'method_not_allowed' }, { allow: 'POST' });
    let raw: Uint8Array;
    try {
      raw = await delivery.body(MAX_WEBHOOK_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) return done(413, 'too_large', { error: 'payload_too_large' });
      return done(400, 'malformed', { error: 'unreadable_body' });
    }
    const verdict = verifySignature(delivery.signature, raw, {
      secrets: options.secrets(),
      ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    });
    if (!verdict.ok) {
      options.logger?.warn({ reason: verdict.reason }, 'webhook refused: bad signature');
      return done(401, 'unauthorized', { error: 'invalid_signature', reason: verdict.reason });
    }
    const envelope = parseEnvelope(raw);
    if (!envelope) return done(400, 'malformed', { error: 'malformed_payload' });
    const known = envelope.type === CLIENT_INVOICES_WEBHOOK_TYPE || envelope.type === CLIENTS_WEBHOOK_TYPE;
    const resourceId = typeof envelope.data.id === 'string' && envelope.data.id.length > 0 ? envelope.data.id : null;
    if (known && !resourceId) return done(400, 'malformed', { error: 'missing_resource_id' });
    if (!known) return done(200, 'ignored', { ok: true, ignored: true });
    if (!(await options.deduplicator.firstSeen(envelope.id))) return done(200, 'duplicate', { ok: true, duplicate: true });
    // The answer is written before the next turn of the event loop; the signal waits for it.
    setImmediate(() => {
      if (envelope.type === CLIENT_INVOICES_WEBHOOK_TYPE) options.signals.invoiceChanged(resourceId!, envelope.organizationId);
      else options.signals.clientChanged(resourceId!);
    });
    return done(200, 'accepted', { ok: true });
  };
}
