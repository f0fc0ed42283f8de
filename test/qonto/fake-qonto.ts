import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export type Handler = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

/** A hand-written Qonto stand-in on port 0, recording requests and peak concurrency. */
export interface FakeQonto {
  url: string;
  requests: SeenRequest[];
  /** Requests currently open (not yet answered nor closed). */
  active(): number;
  /** Highest value `active()` ever had. */
  peak(): number;
  handle(handler: Handler): void;
  /** Resolves when `count` requests have been received in total. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeQonto(initial?: Handler): Promise<FakeQonto> {
  let handler: Handler = initial ?? ((_req, res) => json(res, 404, { errors: [{ code: 'not_found' }] }));
  const requests: SeenRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let active = 0;
  let peak = 0;

  const server = createServer((raw, res) => {
    active++;
    peak = Math.max(peak, active);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      active--;
    };
    res.on('finish', finish);
    res.on('close', finish);
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const url = new URL(raw.url ?? '/', 'http://fake');
      const seen: SeenRequest = {
        method: raw.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: raw.headers,
        rawHeaders: raw.rawHeaders,
        body: Buffer.concat(chunks),
      };
      requests.push(seen);
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      void Promise.resolve(handler(seen, res, raw)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    active: () => active,
    peak: () => peak,
    handle(next) {
      handler = next;
    },
    received(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Answers from a list of handlers, one per request in order; the last one repeats. */
export function sequence(...handlers: Handler[]): Handler {
  let index = 0;
  return (req, res, raw) => {
    const next = handlers[Math.min(index, handlers.length - 1)];
    index++;
    return next?.(req, res, raw);
  };
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Header value as received, by exact (case-sensitive) name, from `rawHeaders`. */
export function rawHeader(req: SeenRequest, name: string): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i] === name) return req.rawHeaders[i + 1];
  }
  return undefined;
}
