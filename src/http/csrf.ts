import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Headers any one of which marks a request as sent by code (never by a plain HTML form), so a browser preflights it. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'graphql-require-preflight', 'apollo-require-preflight'] as const;

/**
 * CSRF prevention: a POST a browser would send cross-site without a CORS preflight
 * (`application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain`) must carry one of
 * {@link CSRF_HEADERS} (any value), or it is refused with 403 before its body is read. JSON
 * POSTs are always preflighted and need nothing. GET is left to yoga, which never runs a
 * mutation over GET (405), so GET queries and GraphiQL's SSE subscriptions keep working.
 */
export function useCsrfPrevention(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] });
  return {
    onRequestParse(payload) {
      if (payload.request.method === 'GET' || payload.request.method === 'HEAD') return;
      try {
        return csrf.onRequestParse?.(payload);
      } catch {
        throw createGraphQLError(
          `Refused: a form-encoded, multipart or text/plain request must carry the ${CSRF_HEADERS[0]} header (any value) so that browsers preflight it`,
          { extensions: { code: 'CSRF_HEADER_REQUIRED', http: { status: 403 } } },
        );
      }
    },
  };
}
