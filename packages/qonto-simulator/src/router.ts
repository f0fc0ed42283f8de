import type { IncomingHttpHeaders } from 'node:http';
import type { SimResponse } from './http.js';
import type { OrganizationRecord } from './types.js';

/** What a route handler receives. `S` is the set of simulator services. */
export interface RouteContext<S> {
  org: OrganizationRecord;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw request body. */
  body: Buffer;
  /** The body as a JSON object (`{}` when empty; 422 when malformed). */
  json(): Record<string, unknown>;
  services: S;
}

/** A route handler; throws {@link ApiError} for error answers. */
export type RouteHandler<S> = (ctx: RouteContext<S>) => SimResponse | Promise<SimResponse>;

interface Route<S> {
  method: string;
  pattern: string;
  segments: string[];
  handler: RouteHandler<S>;
}

/** A matched route: `key` is `METHOD /pattern` (e.g. `GET /v2/client_invoices/{id}`), used by faults. */
export interface RouteMatch<S> {
  key: string;
  params: Record<string, string>;
  handler: RouteHandler<S>;
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** A small method + path-pattern router; literal segments win over `{params}`. */
export class Router<S> {
  private readonly routes: Route<S>[] = [];

  /** Registers a route; `pattern` uses `{name}` for parameters. */
  add(method: string, pattern: string, handler: RouteHandler<S>): this {
    this.routes.push({ method, pattern, segments: split(pattern), handler });
    return this;
  }

  /** The best match for a request, or undefined (→ 404). */
  match(method: string, pathname: string): RouteMatch<S> | undefined {
    const parts = split(pathname);
    let best: { route: Route<S>; params: Record<string, string>; literal: number } | undefined;
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let literal = 0;
      let ok = true;
      route.segments.forEach((segment, index) => {
        const part = parts[index] ?? '';
        if (segment.startsWith('{') && segment.endsWith('}')) {
          try {
            params[segment.slice(1, -1)] = decodeURIComponent(part);
          } catch {
            ok = false;
          }
        } else if (segment === part) literal += 1;
        else ok = false;
      });
      if (ok && (!best || literal > best.literal)) best = { route, params, literal };
    }
    return best ? { key: `${best.route.method} ${best.route.pattern}`, params: best.params, handler: best.route.handler } : undefined;
  }

  /** The route key of a request: the matched pattern, or `METHOD pathname` when nothing matches. */
  keyFor(method: string, pathname: string): string {
    return this.match(method, pathname)?.key ?? `${method} ${pathname}`;
  }
}
