import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/json-reply.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import type { AuthAttemptContext } from './auth-outcome-plugin.js';
import { clientAddress } from './client-address.js';

/** The client address of a node:http request (or WebSocket upgrade), see {@link clientAddress}. */
export function requestAddress(req: IncomingMessage, trustedProxies: number): string {
  return clientAddress({ remoteAddress: req.socket.remoteAddress, forwardedFor: req.headers['x-forwarded-for'] }, trustedProxies);
}

/** The message of a local refusal of an address over its limit. */
export function tooManyFailuresMessage(retryAfterMs: number): string {
  return `Too many failed authentications from this address; retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`;
}

/**
 * Admits one GraphQL HTTP request (SSE included) through the limiter. When the address is over
 * its limit and the credential is not verified, answers 429 `TOO_MANY_AUTH_FAILURES` itself
 * (nothing reaches yoga nor Qonto) and resolves undefined. Otherwise resolves with what goes into
 * the request's context, and settles the attempt when the response ends: HTTP 401 is a failed
 * authentication, anything else a success unless the outcome plugin saw a refusal first.
 */
export async function admitHttpRequest(
  limiter: AuthFailureLimiter,
  req: IncomingMessage,
  res: ServerResponse,
  trustedProxies: number,
): Promise<AuthAttemptContext | undefined> {
  const admission = await limiter.admit(requestAddress(req, trustedProxies), req.headers.authorization);
  if (!admission.admitted) {
    const retryAfterMs = admission.retryAfterMs;
    sendJson(
      res,
      429,
      { errors: [{ message: tooManyFailuresMessage(retryAfterMs), extensions: { code: 'TOO_MANY_AUTH_FAILURES', retryAfterMs } }] },
      { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    );
    return undefined;
  }
  const { attempt } = admission;
  res.once('close', () => (res.statusCode === 401 ? attempt.failed() : attempt.succeeded()));
  return { authAttempt: attempt };
}
