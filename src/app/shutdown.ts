import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Options of {@link prepareShutdown}. */
export interface ShutdownOptions {
  /** The listening server (HTTP and graphql-ws). */
  server: Server;
  /** The graphql-ws bridge on `server`. */
  graphqlWs: { close(): Promise<void> };
  /** The process-wide services: drained first, closed last. */
  services: { drain(): void; close(): Promise<void> };
  /** How long in-flight HTTP requests may take to finish before their connections are cut. */
  graceMs: number;
}

/**
 * Tracks `server`'s connections from now on and returns its shutdown, which runs once however
 * often it is called:
 *
 * 1. drain: readiness answers 503 at once, live subscriptions complete (src/app/services.ts);
 * 2. stop accepting connections;
 * 3. close the graphql-ws bridge: every WebSocket closes with 1001;
 * 4. close idle HTTP connections, let in-flight requests finish within `graceMs`, then cut what
 *    remains;
 * 5. close the services.
 */
export function prepareShutdown(options: ShutdownOptions): () => Promise<void> {
  const { server, graphqlWs, services, graceMs } = options;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      services.drain();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await graphqlWs.close();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      await stopped;
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await services.close();
    })();
    return closing;
  };
}
