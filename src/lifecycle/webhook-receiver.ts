import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { sendJson } from '../http/json-reply.js';
import { SIGNATURE_HEADER, verifySignature } from '../qonto/webhook-signature.js';
import { CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE } from '../qonto/wire.js';
import type { Deduplicator } from './deduplicator.js';

/** Largest webhook body accepted. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/** What the receiver does with a valid, first-seen delivery (called after the 200 is sent). */
export interface WebhookSignals {
  invoiceChanged(invoiceId: string): void;
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

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
}

interface Envelope {
  id: string;
  type: string;
  data: { id?: unknown; event?: unknown };
}

function parseEnvelope(raw: Buffer): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { id, type, data } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return null;
  if (typeof type !== 'string' || typeof data !== 'object' || data === null) return null;
  return { id, type, data: data as Envelope['data'] };
}

/**
 * The `POST /webhooks/qonto` handler: verifies `X-Qonto-Signature` over the raw body (constant
 * time, 5-minute tolerance, several secrets), answers 401 for a bad signature and 400 for a
 * malformed payload, drops repeats by envelope `id`, answers 200 at once and only then signals
 * (a webhook is a signal to re-fetch, never data to trust).
 */
export function createWebhookReceiver(options: WebhookReceiverOptions) {
  const done = (res: ServerResponse, status: number, outcome: WebhookOutcome, body: Record<string, unknown>) => {
    options.onOutcome?.(outcome);
    sendJson(res, status, body);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return done(res, 405, 'method_not_allowed', { error: 'method_not_allowed' });
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_WEBHOOK_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) return done(res, 413, 'too_large', { error: 'payload_too_large' });
      return done(res, 400, 'malformed', { error: 'unreadable_body' });
    }
    const header = req.headers[SIGNATURE_HEADER];
    const verdict = verifySignature(Array.isArray(header) ? header[0] : header, raw, {
      secrets: options.secrets(),
      ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    });
    if (!verdict.ok) {
      options.logger?.warn({ reason: verdict.reason }, 'webhook refused: bad signature');
      return done(res, 401, 'unauthorized', { error: 'invalid_signature', reason: verdict.reason });
    }
    const envelope = parseEnvelope(raw);
    if (!envelope) return done(res, 400, 'malformed', { error: 'malformed_payload' });
    const known = envelope.type === CLIENT_INVOICES_WEBHOOK_TYPE || envelope.type === CLIENTS_WEBHOOK_TYPE;
    const resourceId = typeof envelope.data.id === 'string' && envelope.data.id.length > 0 ? envelope.data.id : null;
    if (known && !resourceId) return done(res, 400, 'malformed', { error: 'missing_resource_id' });
    if (!known) return done(res, 200, 'ignored', { ok: true, ignored: true });
    if (!(await options.deduplicator.firstSeen(envelope.id))) return done(res, 200, 'duplicate', { ok: true, duplicate: true });
    done(res, 200, 'accepted', { ok: true });
    setImmediate(() => {
      if (envelope.type === CLIENT_INVOICES_WEBHOOK_TYPE) options.signals.invoiceChanged(resourceId!);
      else options.signals.clientChanged(resourceId!);
    });
  };
}
