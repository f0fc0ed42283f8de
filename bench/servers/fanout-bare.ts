/**
 * Fan-out benchmark child: the bare baseline. graphql-yoga + graphql-ws through the gateway's own
 * bridge (src/app/graphql-ws.ts, with no hooks: every socket admitted, no subscription cap, no
 * gateway services) serving a schema of the same shape as the gateway's `clientInvoiceLifecycle`
 * subscription, fed by yoga's in-memory pub/sub (one topic per invoice id). No upstream, no auth,
 * no lifecycle log: it isolates what graphql-ws + yoga cost per subscriber.
 *
 * `POST /publish?id=<invoice>` with a JSON body publishes that body (the `{ event, invoice }`
 * object the gateway delivered) to the invoice's topic. Over IPC: live subscriber count, memory.
 */
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { writeHeapSnapshot } from 'node:v8';
import { attachGraphqlWs } from '../../src/app/graphql-ws.js';
import { collectAndMeasure, nowMs, profilingHandlers, serveParent } from '../lib/fanout-ipc.js';

type Update = Record<string, unknown>;
// One EventTarget for every topic, as createPubSub() builds by default; thousands of listeners
// on one topic are expected here, so Node's 10-listener leak warning is turned off.
const eventTarget = new EventTarget();
setMaxListeners(0, eventTarget);
const pubSub = createPubSub<{ lifecycle: [id: string, payload: Update] }>({ eventTarget });
let live = 0;
const waiters: Array<{ count: number; resolve: () => void }> = [];
const publishes: Array<{ at: number; id: string }> = [];

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Query { ok: Boolean! }
    type LifecycleEvent { statusCode: Int! rawStatusCode: String! status: String! label: String! occurredAt: String reason: String reasonMessage: String cursor: String! }
    type ClientInvoice { id: ID! number: String status: String einvoicingStatus: String }
    type ClientInvoiceLifecycleUpdate { event: LifecycleEvent! invoice: ClientInvoice! }
    type Subscription { clientInvoiceLifecycle(id: ID!, after: String): ClientInvoiceLifecycleUpdate! }
  `,
  resolvers: {
    Query: { ok: () => true },
    Subscription: {
      clientInvoiceLifecycle: {
        // A counting wrapper that forwards return() at once (an async generator around the
        // Repeater would only see return() after its pending next() settled, i.e. never).
        subscribe: (_: unknown, { id }: { id: string }): AsyncIterableIterator<Update> => {
          const source = pubSub.subscribe('lifecycle', id);
          live++;
          for (const waiter of waiters.splice(0)) {
            if (live >= waiter.count) waiter.resolve();
            else waiters.push(waiter);
          }
          let ended = false;
          const end = () => {
            if (!ended) {
              ended = true;
              live--;
            }
          };
          return {
            [Symbol.asyncIterator]() {
              return this;
            },
            next: () => source.next(),
            return: (value?: unknown) => {
              end();
              return source.return(value as Update);
            },
            throw: (error?: unknown) => {
              end();
              return source.throw(error);
            },
          };
        },
        resolve: (payload: Update) => payload,
      },
    },
  },
});

const yoga = createYoga({ schema, graphqlEndpoint: '/graphql', landingPage: false, graphiql: false, logging: 'warn' });

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url?.startsWith('/publish')) {
    const at = nowMs();
    const id = new URL(req.url, 'http://bare').searchParams.get('id') ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Update;
      publishes.push({ at, id });
      pubSub.publish('lifecycle', id, payload);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ at }));
    });
    return;
  }
  void yoga.handle(req, res);
});
const wsBridge = attachGraphqlWs({ server, path: '/graphql', maxPayload: 1024 * 1024, yoga });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

serveParent(
  {
    stats: () => ({ subscribers: live, connections: wsBridge.openSockets }),
    waitSubscribers: async ({ count, timeoutMs }: { count: number; timeoutMs: number }) => {
      const reached = live >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
      const ok = await Promise.race([
        reached.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
      ]);
      return { ok, stats: { subscribers: live, connections: wsBridge.openSockets } };
    },
    waitEmpty: async ({ timeoutMs }: { timeoutMs: number }) => {
      const deadline = Date.now() + timeoutMs;
      while (live > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      return { ok: live === 0, stats: { subscribers: live, connections: wsBridge.openSockets } };
    },
    publishesSince: ({ since }: { since: number }) => publishes.filter((p) => p.at >= since),
    memory: () => collectAndMeasure(),
    cpu: () => process.cpuUsage(),
    heapSnapshot: ({ path }: { path: string }) => writeHeapSnapshot(path),
    ...profilingHandlers(),
  },
  { url: `http://127.0.0.1:${port}` },
  async () => {
    await wsBridge.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  },
);
