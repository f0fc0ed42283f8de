import { GraphQLError } from 'graphql';
import { QontoError } from '../qonto/errors.js';

/** `extensions.code` values the gateway sets on top-level errors. */
export type GatewayErrorCode =
  | 'UNAUTHENTICATED'
  | 'TOO_MANY_AUTH_FAILURES'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_INVALID_RESPONSE'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_CALL_BUDGET_EXCEEDED'
  | 'INTERNAL_SERVER_ERROR';

/** A top-level GraphQL error with a code and, when given, the HTTP status of the response. */
export function gatewayError(
  message: string,
  code: GatewayErrorCode,
  extra: { status?: number; traceId?: string; [key: string]: unknown } = {},
): GraphQLError {
  const { status, ...rest } = extra;
  return new GraphQLError(message, {
    extensions: { code, ...rest, ...(status ? { http: { status } } : {}) },
  });
}

/** The error for a request that reached data without credentials. */
export function unauthenticated(message = 'Missing credentials: send an Authorization header'): GraphQLError {
  return gatewayError(message, 'UNAUTHENTICATED', { status: 401 });
}

/** A bad argument, detected before any upstream call. */
export function badUserInput(message: string, argument?: string): GraphQLError {
  return gatewayError(message, 'BAD_USER_INPUT', argument ? { argument } : {});
}

/** `retryAfterMs` and `retryAfterSeconds` extensions, when the error says when to retry. */
function retryAfter(error: QontoError): { retryAfterMs?: number; retryAfterSeconds?: number } {
  if (error.retryAfterMs === undefined) return {};
  return { retryAfterMs: error.retryAfterMs, retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) };
}

/**
 * Maps a call the gateway refused without sending it to Qonto, or undefined for any other error.
 */
function localRefusalToGraphQL(error: QontoError): GraphQLError | undefined {
  switch (error.kind) {
    case 'rate_limited':
      return gatewayError(
        'Too many Qonto requests right now: the gateway keeps within Qonto’s rate limit, shared fairly between credentials; retry later',
        'UPSTREAM_RATE_LIMITED',
        retryAfter(error),
      );
    case 'circuit_open':
      return gatewayError('Qonto is unavailable right now; try again later', 'UPSTREAM_UNAVAILABLE', retryAfter(error));
    case 'credential_refused':
      return gatewayError('Qonto refused the credentials', 'UNAUTHENTICATED', { status: 401, ...retryAfter(error) });
    case 'unauthorized_budget_exhausted':
      return gatewayError(
        'The gateway is protecting Qonto’s limit on failed authentications: credentials Qonto has not accepted yet are refused for now; retry later',
        'UNAUTHENTICATED',
        { status: 401, ...retryAfter(error) },
      );
    case 'call_budget_exceeded':
      return gatewayError(
        'This operation needs more Qonto calls than the gateway allows for one operation; ask for fewer items (a smaller `first`, fewer fields that need details) or split it into several operations',
        'UPSTREAM_CALL_BUDGET_EXCEEDED',
      );
    default:
      return undefined;
  }
}

/**
 * Maps a failed Qonto call to the masked top-level error clients see: a code, a human message
 * with no internals, Qonto's trace id when known, the HTTP status for 401/403, and
 * `retryAfterMs` when it is known when a retry may succeed.
 */
export function qontoErrorToGraphQL(error: QontoError): GraphQLError {
  const local = localRefusalToGraphQL(error);
  if (local) return local;
  const traceId = error.traceId ? { traceId: error.traceId } : {};
  if (error.kind === 'response_too_large') {
    return gatewayError(
      'Qonto answered with more data than the gateway accepts; ask for fewer items',
      'UPSTREAM_INVALID_RESPONSE',
      traceId,
    );
  }
  if (error.kind === 'invalid_response') {
    return gatewayError(
      'Qonto answered with a non-JSON body; check QONTO_API_URL and, in sandbox, QONTO_STAGING_TOKEN',
      'UPSTREAM_INVALID_RESPONSE',
      traceId,
    );
  }
  if (error.kind !== 'http' || (error.status !== undefined && error.status >= 500)) {
    return gatewayError('Qonto is unavailable right now; try again later', 'UPSTREAM_UNAVAILABLE', traceId);
  }
  switch (error.status) {
    case 401:
      return gatewayError('Qonto refused the credentials', 'UNAUTHENTICATED', { status: 401, ...traceId });
    case 403:
      return gatewayError('These credentials may not do that in Qonto', 'FORBIDDEN', { status: 403, ...traceId });
    case 429:
      return gatewayError('Qonto is rate limiting requests; try again later', 'UPSTREAM_RATE_LIMITED', {
        ...traceId,
        ...retryAfter(error),
      });
    default:
      return gatewayError(error.detail ?? `Qonto rejected the request (HTTP ${error.status ?? '?'})`, 'UPSTREAM_ERROR', {
        ...traceId,
        upstreamStatus: error.status,
        ...(error.code ? { upstreamCode: error.code } : {}),
      });
  }
}

/**
 * Yoga's `maskError`: Qonto failures become coded errors, GraphQL errors raised on purpose pass
 * through, anything else becomes a generic INTERNAL_SERVER_ERROR (never a stack trace).
 */
export function maskError(error: unknown, message: string): Error {
  const graphQLError = error instanceof GraphQLError ? error : undefined;
  const original = graphQLError ? graphQLError.originalError : error;
  if (original instanceof QontoError) {
    const mapped = qontoErrorToGraphQL(original);
    return new GraphQLError(mapped.message, {
      ...(graphQLError ? { nodes: graphQLError.nodes, path: graphQLError.path, positions: graphQLError.positions } : {}),
      extensions: mapped.extensions,
    });
  }
  if (original instanceof GraphQLError) {
    if (!graphQLError || original === graphQLError) return original;
    return new GraphQLError(original.message, {
      nodes: graphQLError.nodes,
      path: graphQLError.path,
      positions: graphQLError.positions,
      extensions: original.extensions,
    });
  }
  if (graphQLError && !graphQLError.originalError) return graphQLError;
  return new GraphQLError(message, {
    ...(graphQLError ? { nodes: graphQLError.nodes, path: graphQLError.path, positions: graphQLError.positions } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}
