import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createLogger } from '../../src/observability/logger.js';

/** The Redis the Redis tests use (they skip without one, outside CI). */
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** True when a Redis answers PING at {@link REDIS_URL} within a second. */
export async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** One pino line as JSON. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger whose lines the test can read and wait for. */
export interface CapturedLogs {
  logger: Logger;
  lines: LogLine[];
  count(test: (line: LogLine) => boolean): number;
  /** Resolves once `count` lines matching `test` have been logged (at once if they already were). */
  until(test: (line: LogLine) => boolean, count?: number): Promise<void>;
}

/** Captures a pino logger's output in memory. */
export function captureLogs(level = 'info'): CapturedLogs {
  const lines: LogLine[] = [];
  let waiters: Array<{ test: (line: LogLine) => boolean; count: number; resolve: () => void }> = [];
  const count = (test: (line: LogLine) => boolean) => lines.filter(test).length;
  const logger = createLogger(level, {
    write(chunk: string) {
      lines.push(JSON.parse(chunk) as LogLine);
      waiters = waiters.filter((waiter) => {
        if (count(waiter.test) < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    },
  });
  return {
    logger,
    lines,
    count,
    until(test, wanted = 1) {
      if (count(test) >= wanted) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ test, count: wanted, resolve }));
    },
  };
}

/** The gateway's Redis state lines. */
export const isRedisUnavailable = (line: LogLine) => line.level === 40 && line.msg.startsWith('redis unavailable: ');
export const isRedisBack = (line: LogLine) => line.level === 30 && line.msg === 'redis available again';
export const isRedisConnected = (line: LogLine) => line.level === 30 && line.msg === 'redis connected';

/** A TCP proxy in front of Redis that a test can cut, restore, or make hang. */
export interface TcpProxy {
  readonly port: number;
  /** Stops listening and drops every connection: Redis is unreachable. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Holds (true) or releases (false) the bytes clients send: Redis seems to hang, nothing is lost. */
  hold(held: boolean): void;
  close(): Promise<void>;
}

/** Starts a {@link TcpProxy} to `target` on a free port of 127.0.0.1. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; held: Buffer[] }>();
  let holding = false;
  let server: Server | null = null;
  let port = 0;
  const listen = async () => {
    const listening = createServer((client) => {
      const pair = { client, upstream: connect(target.port, target.host), held: [] as Buffer[] };
      pairs.add(pair);
      client.on('data', (chunk: Buffer) => (holding ? pair.held.push(chunk) : pair.upstream.write(chunk)));
      pair.upstream.on('data', (chunk: Buffer) => client.write(chunk));
      const drop = () => {
        client.destroy();
        pair.upstream.destroy();
        pairs.delete(pair);
      };
      for (const socket of [client, pair.upstream]) {
        socket.on('error', drop);
        socket.on('close', drop);
      }
    });
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    server = listening;
    port = (listening.address() as AddressInfo).port;
  };
  const cut = async () => {
    const listening = server;
    server = null;
    if (!listening) return;
    const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
    for (const pair of [...pairs]) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
    await closed;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    hold(value) {
      holding = value;
      if (value) return;
      for (const pair of pairs) for (const chunk of pair.held.splice(0)) pair.upstream.write(chunk);
    },
    close: cut,
  };
}

/** A Redis URL on database `db` of {@link REDIS_URL}, or of `url` when given. */
export function redisUrlWithDb(db: number, url = REDIS_URL): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}
