import type { Plugin } from 'graphql-yoga';
import { CSRF_HEADERS } from './csrf.js';
import { isExactOrigin } from './origin.js';

/** Request headers a cross-origin caller may send (the preflight's `Access-Control-Allow-Headers`). */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', ...CSRF_HEADERS] as const;

/** Options of {@link useCorsOrigins}. */
export interface CorsOptions {
  /** Only responses on this path, or under it, get CORS headers (yoga may answer other paths). Default: every response. */
  path?: string;
}

/**
 * CORS for the GraphQL path (`CORS_ORIGINS`). With no origins: no CORS headers at all, so only
 * same-origin pages can read responses. With origins: a request whose `Origin` is exactly one
 * of them gets `Access-Control-Allow-Origin: <origin>` and credentials; any other origin,
 * `null` included, gets none. Preflights (`OPTIONS`) answer 204, allowing GET and POST with
 * {@link CORS_ALLOWED_HEADERS} to listed origins only. Create yoga with `cors: false`.
 */
export function useCorsOrigins(origins: readonly string[], options: CorsOptions = {}): Plugin {
  const allowed = new Set(origins.filter((origin) => origin !== 'null' && isExactOrigin(origin)));
  const { path } = options;
  const onPath = (request: Request): boolean => {
    if (path === undefined) return true;
    const { pathname } = new URL(request.url, 'http://gateway');
    return pathname === path || pathname.startsWith(`${path}/`);
  };
  const allowedOrigin = (request: Request) => {
    const origin = request.headers.get('origin');
    return origin !== null && allowed.has(origin) ? origin : undefined;
  };
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method !== 'OPTIONS') return;
      const headers: Record<string, string> = { 'content-length': '0' };
      if (allowedOrigin(request)) {
        headers['access-control-allow-methods'] = 'GET, POST';
        headers['access-control-allow-headers'] = CORS_ALLOWED_HEADERS.join(', ');
        headers['access-control-max-age'] = '600';
      }
      endResponse(new fetchAPI.Response(null, { status: 204, headers }));
    },
    onResponse({ request, response }) {
      if (allowed.size === 0 || !onPath(request)) return;
      response.headers.append('vary', 'Origin');
      const origin = allowedOrigin(request);
      if (!origin) return;
      response.headers.set('access-control-allow-origin', origin);
      response.headers.set('access-control-allow-credentials', 'true');
    },
  };
}
