import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { maskError } from '../graphql/errors.js';

/** The logger shape yoga's `logging` option takes. */
export type YogaLogger = Record<'debug' | 'info' | 'warn' | 'error', (...args: unknown[]) => void>;

/** How an error yoga reports should be logged. */
export type ErrorSeverity = 'client' | 'throttled' | 'fault';

/** Codes of errors the gateway or Qonto is at fault for (everything else coded is the caller's doing). */
const FAULT_CODES = new Set(['INTERNAL_SERVER_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_INVALID_RESPONSE']);

/**
 * Classifies an error by what the client is told (the masked error): an unexpected error, an
 * upstream outage or a 5xx is a `fault`; Qonto's rate limiting is `throttled`; any other error
 * raised on purpose (bad input, bad or missing credentials, what Qonto refused, a query that
 * does not validate, a refused body) is the `client`'s mistake.
 */
export function errorSeverity(error: unknown): ErrorSeverity {
  return classify(error).severity;
}

function classify(error: unknown): { severity: ErrorSeverity; code: string | undefined } {
  const masked = maskError(error, 'Unexpected error.');
  const extensions = masked instanceof GraphQLError ? masked.extensions : {};
  const code = typeof extensions['code'] === 'string' ? extensions['code'] : undefined;
  const http = extensions['http'] as { status?: number } | undefined;
  if ((code && FAULT_CODES.has(code)) || (http?.status ?? 0) >= 500 || extensions['unexpected'] === true)
    return { severity: 'fault', code };
  return { severity: code === 'UPSTREAM_RATE_LIMITED' ? 'throttled' : 'client', code };
}

function rootCause(error: Error): Error {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/**
 * Yoga's logger on top of pino. The errors yoga reports (each one it masks) are logged by
 * {@link errorSeverity}: a client's mistake at debug and a throttled call at warn, both as a
 * message and code without a stack; only a fault goes to error, with its root cause and stack.
 */
export function createYogaLogger(logger: Logger): YogaLogger {
  return {
    debug: (...args) => logger.debug({ yoga: args.map(String) }, 'yoga'),
    info: (...args) => logger.info({ yoga: args.map(String) }, 'yoga'),
    warn: (...args) => logger.warn({ yoga: args.map(String) }, 'yoga'),
    error: (...args) => {
      const [error] = args;
      if (args.length !== 1 || !(error instanceof Error)) {
        logger.error({ yoga: args.map(String) }, 'yoga');
        return;
      }
      const { severity, code } = classify(error);
      const path = error instanceof GraphQLError && error.path ? { path: error.path.join('.') } : {};
      const summary = { error: { message: error.message, ...(code ? { code } : {}) }, ...path };
      if (severity === 'client') logger.debug(summary, 'client error');
      else if (severity === 'throttled') logger.warn(summary, 'upstream rate limited');
      else logger.error({ err: rootCause(error), ...path }, 'operation failed');
    },
  };
}
