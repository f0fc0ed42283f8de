/**
 * Benchmark child process: the Qonto simulator on a free port, plus a tiny stats server that counts
 * the `/v2` requests the simulator answered (by templated route), so scenarios can count upstream
 * calls per GraphQL operation without running the simulator in the load generator's process.
 *
 * Prints one line `READY {"url", "statsUrl", "authorization", "authorizations", "webhookSecret", "invoices"}`
 * (`authorizations`: one Bearer value per demo organisation).
 *
 * The stats server also answers `GET /window?since=<ms>` (the most requests that arrived in any
 * 10 s window after `since`, and the answers by status) and `POST /faults` (a JSON body merged
 * into the simulator's faults; `{}` with `?reset=1` clears them).
 *
 * Environment:
 * - `BENCH_EXTRA_INVOICES` (default 0): clones of seeded demo invoices (client and lifecycle
 *   events included) added to the demo organisation, e.g. so a 50-invoice page is full.
 * - `BENCH_SIM_PER_TEN_SECONDS` (default: out of reach): the simulator's per-address limit per
 *   10 s, e.g. to see whether a gateway ever goes past it (the simulator then answers 429).
 *
 * By default the rate limiter's thresholds are raised far out of reach (it must not interfere with
 * a load test); its bookkeeping still runs on every request, as in any simulator run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator, type SimulatorRequestRecord } from 'qonto-simulator';

const extraInvoices = Number(process.env['BENCH_EXTRA_INVOICES'] ?? 0);
const perTenSeconds = Number(process.env['BENCH_SIM_PER_TEN_SECONDS'] ?? '') || 1e12;
const TEN_SECONDS = 10_000;

const simulator = await createSimulator({
  port: 0,
  host: '127.0.0.1',
  stepIntervalMs: 3_600_000,
  rateLimit: { perTenSeconds, perTenMinutes: 1e12, unauthorizedPerHour: 1e12 },
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
/** Arrival time and status of every request, oldest first, for {@link windowStats}. */
const arrivals: Array<Pick<SimulatorRequestRecord, 'at' | 'status'>> = [];
const ID_SEGMENT = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi;

/** Folds the simulator's request log into the counters and empties it (it would grow without bound). */
function fold(): void {
  const records = simulator.requests;
  for (const record of records) {
    const key = `${record.method} ${record.path.replace(ID_SEGMENT, '/{id}')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    arrivals.push({ at: record.at, status: record.status });
  }
  total += records.length;
  simulator.resetRequests();
}
const folding = setInterval(fold, 1000);

/** The most requests that arrived in any 10 s window after `since`, and every answer by status. */
function windowStats(since: number): { maxPerTenSeconds: number; requests: number; byStatus: Record<string, number> } {
  const kept = arrivals.filter((arrival) => arrival.at >= since).sort((a, b) => a.at - b.at);
  let maxPerTenSeconds = 0;
  let first = 0;
  const byStatus: Record<string, number> = {};
  for (let last = 0; last < kept.length; last++) {
    while (kept[last]!.at - kept[first]!.at >= TEN_SECONDS) first++;
    maxPerTenSeconds = Math.max(maxPerTenSeconds, last - first + 1);
    const status = String(kept[last]!.status);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  return { maxPerTenSeconds, requests: kept.length, byStatus };
}

function reply(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://stats');
  if (url.pathname === '/faults' && req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (url.searchParams.get('reset') === '1') simulator.faults.reset();
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim()) simulator.faults.set(JSON.parse(text) as Parameters<typeof simulator.faults.set>[0]);
      reply(res, simulator.faults.current());
    });
    return;
  }
  req.resume();
  if (url.pathname === '/window') {
    fold();
    reply(res, windowStats(Number(url.searchParams.get('since') ?? 0)));
    return;
  }
  if (url.pathname === '/stats') {
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
    authorizations: simulator.credentials.map((credentials) => `Bearer ${credentials.bearerToken}`),
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
