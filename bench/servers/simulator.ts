/**
 * Benchmark child process: the Qonto simulator on a free port, plus a tiny stats server that counts
 * the `/v2` requests the simulator answered (by templated route), so scenarios can count upstream
 * calls per GraphQL operation without running the simulator in the load generator's process.
 *
 * Prints one line `READY {"url", "statsUrl", "authorization", "webhookSecret", "invoices"}`.
 *
 * Environment:
 * - `BENCH_EXTRA_INVOICES` (default 0): clones of seeded demo invoices (client and lifecycle
 *   events included) added to the demo organisation, e.g. so a 50-invoice page is full.
 *
 * The rate limiter's thresholds are raised far out of reach (it must not interfere with a load
 * test); its bookkeeping still runs on every request, as in any simulator run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator } from '../../src/simulator/index.js';

const extraInvoices = Number(process.env['BENCH_EXTRA_INVOICES'] ?? 0);

const simulator = await createSimulator({
  port: 0,
  host: '127.0.0.1',
  stepIntervalMs: 3_600_000,
  rateLimit: { perTenSeconds: 1e12, perTenMinutes: 1e12, unauthorizedPerHour: 1e12 },
});
const demo = simulator.credentials[0]!;
const store = simulator.store;

if (extraInvoices > 0) {
  const originals = store
    .invoiceRecords(demo.organizationId)
    .filter((invoice) => invoice.file === null && invoice.clientId !== null)
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (let i = 0; i < extraInvoices; i++) {
    const original = originals[i % originals.length]!;
    const clone = structuredClone(original);
    clone.id = store.newId();
    clone.number = original.number ? `${original.number}-B${i + 1}` : null;
    store.addInvoice(clone);
  }
}

/** Cumulative answered `/v2` requests by `METHOD /templated/route`. */
const counts = new Map<string, number>();
let total = 0;
const ID_SEGMENT = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi;

/** Folds the simulator's request log into the counters and empties it (it would grow without bound). */
function fold(): void {
  const records = simulator.requests;
  for (const record of records) {
    const key = `${record.method} ${record.path.replace(ID_SEGMENT, '/{id}')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  total += records.length;
  simulator.resetRequests();
}
const folding = setInterval(fold, 1000);

function answer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  if (req.url === '/stats') {
    fold();
    const body = JSON.stringify({ total, byRoute: Object.fromEntries(counts) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
    return;
  }
  res.writeHead(404);
  res.end();
}
const stats = createServer(answer);
await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));

process.stdout.write(
  `READY ${JSON.stringify({
    url: simulator.url,
    statsUrl: `http://127.0.0.1:${(stats.address() as AddressInfo).port}/stats`,
    authorization: `Bearer ${demo.bearerToken}`,
    webhookSecret: simulator.webhookSecret,
    invoices: store.invoiceRecords(demo.organizationId).length,
  })}\n`,
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(folding);
  stats.close();
  stats.closeAllConnections();
  void simulator.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
