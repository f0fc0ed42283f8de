/**
 * Fan-out benchmark child: our gateway alone in its process (NODE_ENV=production, LOG_LEVEL=warn),
 * pointed at the simulator child (QONTO_API_URL from the env). Over IPC it reports the lifecycle
 * hub's stats, when webhooks arrived, and process.memoryUsage() after full GCs (--expose-gc).
 */
import { loadConfig } from '../../src/config.js';
import { createGateway, WEBHOOK_PATH } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { writeHeapSnapshot } from 'node:v8';
import { collectAndMeasure, nowMs, profilingHandlers, serveParent } from '../lib/fanout-ipc.js';

const config = { ...loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1' }) };
const gateway = await createGateway({ config, logger: createLogger(config.logLevel), shutdownGraceMs: 1000 });
const hub = gateway.services.lifecycle;

/** Arrival time of every webhook POST (the 'request' event fires as the request line is parsed). */
const webhookArrivals: number[] = [];
gateway.server.on('request', (req) => {
  if (req.url?.startsWith(WEBHOOK_PATH)) webhookArrivals.push(nowMs());
});

serveParent(
  {
    stats: () => ({ hub: hub.stats(), connections: gateway.server.connections }),
    waitSubscribers: async ({ count, timeoutMs }: { count: number; timeoutMs: number }) => {
      const ok = await Promise.race([
        hub.whenSubscribers(count).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
      ]);
      return { ok, stats: hub.stats() };
    },
    waitEmpty: async ({ timeoutMs }: { timeoutMs: number }) => {
      const ok = await Promise.race([
        hub.whenEmpty().then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
      ]);
      return { ok, stats: hub.stats() };
    },
    webhookArrivalsSince: ({ since }: { since: number }) => webhookArrivals.filter((at) => at >= since),
    memory: () => collectAndMeasure(),
    cpu: () => process.cpuUsage(),
    heapSnapshot: ({ path }: { path: string }) => writeHeapSnapshot(path),
    ...profilingHandlers(),
  },
  { url: gateway.url },
  () => gateway.close(),
);
