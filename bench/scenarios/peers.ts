/**
 * peers: our gateway next to what a team would pick instead of it, all over ONE Qonto-shaped
 * upstream, for the same two queries, in the same run:
 *
 * - `rest`: no gateway: the REST script a frontend would run itself (in this process, undici,
 *   keep-alive). one-invoice: GET the invoice, then GET its client. dashboard-50: GET the list of
 *   50, then every distinct client and every invoice detail (the list leaves lifecycle events out)
 *   in parallel. The reference for the ratios.
 * - `ours`: the gateway (bench/servers/gateway.ts child, production shape).
 * - `apollo`: Apollo Server 5 + @apollo/datasource-rest (bench/peers/apollo/server.mjs), serving
 *   the same contract fields, so it gets the very query text ours gets.
 * - `mesh`: GraphQL Mesh v1, composed from an OpenAPI description of the same endpoints
 *   (bench/peers/mesh/), served by the Hive Gateway CLI; queried with Mesh's generated names.
 *
 * The upstream is bench/servers/peers-upstream.ts (deterministic data, pre-serialised bodies,
 * optional fixed delay, per-route and per-credential counters). The peers have their own
 * package.json and lockfile in bench/peers/, installed on first run (`npm ci --prefix
 * bench/peers`), so the gateway's own install stays lean; the Mesh supergraph is composed when
 * missing or older than its inputs.
 *
 * 1. Probes, on a quiet upstream, one request per target and query with a credential of its own:
 *    the answer, normalised (status case, Mesh's snake_case, a person's name), must equal the REST
 *    script's; the upstream must have seen exactly the same calls, route by route, all with that
 *    credential (forwarded unchanged). The minimum is 2 calls for one-invoice and 1 + distinct
 *    clients + 50 for dashboard-50: what the REST script does.
 * 2. Load: a warm-up per target and query, then BENCH_ROUNDS rounds; in each, for each query,
 *    every target in turn, forward order in odd rounds and reversed in even ones (the machine is
 *    noisy: drift spreads over every target). GraphQL targets: autocannon (bench/lib/load.ts),
 *    every answer compared byte for byte with the target's probe answer. Each request carries the
 *    next of BENCH_CREDENTIALS credentials (64): concurrent requests never share a credential, so
 *    the gateway's sharing of identical in-flight GETs between requests of one credential does
 *    not apply and every target pays the calls a real, varied load costs (BENCH_CREDENTIALS=1
 *    shows the flattering case). Before each run the upstream must be idle for 300 ms (targets
 *    finish the requests the load generator abandoned).
 * 3. Medians over rounds, ratios against `rest`, CPU µs per request of the target, the upstream
 *    and this process (/proc), upstream calls per request under load; bench/results/peers.json and
 *    a table.
 *
 * Our gateway runs with QONTO_MAX_IN_FLIGHT=BENCH_IN_FLIGHT (1000, the most it accepts; its
 * default 16 is a cap for a remote Qonto that would be measured here as a queue, while no peer
 * has one), and the guard of Qonto's quota lifted (QONTO_RATE_LIMIT=1000000, every credential
 * may use all of it): no peer has one, and the upstream here has no quota to protect.
 *
 * Knobs: BENCH_DURATION (5 s per run), BENCH_CONNECTIONS (10), BENCH_ROUNDS (3), BENCH_WARMUP
 * (2 s per target and query), BENCH_DELAY (upstream delay per answer, ms; 0), BENCH_CREDENTIALS
 * (64), BENCH_IN_FLIGHT (1000), BENCH_TIMEOUT_S (600, watchdog of the whole scenario),
 * BENCH_TARGETS (e.g. `rest,ours,apollo`), BENCH_QUERIES (e.g. `dashboard-50`), MESH_DEDUP=0
 * (Mesh without its request de-duplication plugin); `--profile` profiles our gateway
 * (bench/results/peers-gateway.cpuprofile).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { WireClient, WireClientInvoice, WireClientInvoiceList } from '../../src/qonto/wire.js';
import { knob, profiling, sleep } from '../lib/args.js';
import {
  type ChildServer,
  cpuTimeMs,
  freePort,
  REPO_ROOT,
  startChild,
  startCommand,
  startGateway,
  statsDelta,
  type UpstreamStats,
  upstreamStats,
} from '../lib/children.js';
import {
  collectMainThreadProfile,
  cpuProfileArgs,
  PROFILE_NOTE,
  printProfileSummary,
  summariseProfile,
  type ProfileSummary,
} from '../lib/cpuprofile.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { median, percentile, printTable, RESULTS_DIR, round, type Row, writeResult } from '../lib/report.js';

const SCENARIO = 'peers';
const PEERS_DIR = join(REPO_ROOT, 'bench', 'peers');
const MESH_DIR = join(PEERS_DIR, 'mesh');
const QUERIES = ['one-invoice', 'dashboard-50'] as const;
type QueryName = (typeof QUERIES)[number];
const TARGETS = ['rest', 'ours', 'apollo', 'mesh'] as const;
type TargetName = (typeof TARGETS)[number];
type Flavor = 'rest' | 'contract' | 'mesh';
const DASHBOARD_SIZE = 50;

/** What bench/servers/peers-upstream.ts prints when ready. */
interface UpstreamInfo {
  url: string;
  statsUrl: string;
  delayMs: number;
  oneInvoiceId: string;
  invoices: number;
  clients: number;
}

/** The upstream's counters: `UpstreamStats` plus calls per `Authorization` value. */
interface PeersUpstreamStats extends UpstreamStats {
  byAuthorization: Record<string, number>;
  /** TCP connections the upstream accepted. */
  connections: number;
}

/** One invoice as every target must give it, whatever its schema looks like. */
interface InvoiceRow {
  id: string;
  number: string | null;
  status: string;
  total: string | null;
  client: { id: string; name: string | null; reachable: boolean | null } | null;
  events: number[];
}

// ---------- query texts and answer shapes ----------

const CONTRACT_FIELDS = `id number status totalAmount { value currency }
      client { id name einvoicingReachable }
      einvoicingLifecycleEvents { statusCode }`;
const MESH_FIELDS = (events: string) => `id number status total_amount { value currency }
      current_client { id name first_name last_name e_invoicing_reachable }
      ${events} { status_code }`;

const QUERY_TEXT: Record<Exclude<Flavor, 'rest'>, Record<QueryName, string>> = {
  contract: {
    'one-invoice': `query OneInvoice($id: ID!) {\n  clientInvoice(id: $id) {\n      ${CONTRACT_FIELDS}\n  }\n}`,
    'dashboard-50': `query Dashboard {\n  clientInvoices(first: ${DASHBOARD_SIZE}) {\n    nodes {\n      ${CONTRACT_FIELDS}\n    }\n  }\n}`,
  },
  mesh: {
    // the single GET carries the events; list items need Mesh's added `lifecycle_events` field
    'one-invoice': `query OneInvoice($id: UUID!) {\n  getClientInvoice(id: $id) {\n    client_invoice {\n      ${MESH_FIELDS('einvoicing_lifecycle_events')}\n    }\n  }\n}`,
    'dashboard-50': `query Dashboard {\n  listClientInvoices(per_page: ${DASHBOARD_SIZE}) {\n    client_invoices {\n      ${MESH_FIELDS('lifecycle_events')}\n    }\n  }\n}`,
  },
};

interface ContractInvoice {
  id: string;
  number: string | null;
  status: string;
  totalAmount: { value: string; currency: string } | null;
  client: { id: string; name: string | null; einvoicingReachable: boolean | null } | null;
  einvoicingLifecycleEvents: Array<{ statusCode: number }>;
}

interface MeshInvoice {
  id: string;
  number: string | null;
  status: string | null;
  total_amount: { value: string | null; currency: string | null } | null;
  current_client: {
    id: string;
    name: string | null;
    first_name: string | null;
    last_name: string | null;
    e_invoicing_reachable: boolean | null;
  } | null;
  einvoicing_lifecycle_events?: Array<{ status_code: string | null }> | null;
  lifecycle_events?: Array<{ status_code: string | null }> | null;
}

/** The contract's name of a client: the company name, else first and last name. */
const displayName = (c: { name?: string | null; first_name?: string | null; last_name?: string | null }) =>
  c.name ?? ([c.first_name, c.last_name].filter(Boolean).join(' ') || null);

function rowOfContract(inv: ContractInvoice): InvoiceRow {
  return {
    id: inv.id,
    number: inv.number,
    status: inv.status.toLowerCase(),
    total: inv.totalAmount ? `${inv.totalAmount.value} ${inv.totalAmount.currency}` : null,
    client: inv.client ? { id: inv.client.id, name: inv.client.name, reachable: inv.client.einvoicingReachable } : null,
    events: inv.einvoicingLifecycleEvents.map((e) => e.statusCode),
  };
}

function rowOfMesh(inv: MeshInvoice): InvoiceRow {
  const c = inv.current_client;
  return {
    id: inv.id,
    number: inv.number,
    status: String(inv.status).toLowerCase(),
    total: inv.total_amount ? `${inv.total_amount.value} ${inv.total_amount.currency}` : null,
    client: c ? { id: c.id, name: displayName(c), reachable: c.e_invoicing_reachable } : null,
    events: (inv.einvoicing_lifecycle_events ?? inv.lifecycle_events ?? []).map((e) => Number(e.status_code)),
  };
}

function rowOfWire(inv: WireClientInvoice, client: WireClient | undefined): InvoiceRow {
  return {
    id: inv.id,
    number: inv.number ?? null,
    status: String(inv.status).toLowerCase(),
    total: inv.total_amount ? `${inv.total_amount.value} ${inv.total_amount.currency}` : null,
    client: client ? { id: client.id, name: displayName(client), reachable: client.e_invoicing_reachable ?? null } : null,
    events: (inv.einvoicing_lifecycle_events ?? []).map((e) => Number(e.status_code)),
  };
}

/** `value[key]` when `value` is an object. */
const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/** The invoices of a GraphQL answer as rows, or why there are none. */
function rowsOf(flavor: Exclude<Flavor, 'rest'>, query: QueryName, data: unknown): InvoiceRow[] | string {
  if (flavor === 'contract') {
    const found = query === 'one-invoice' ? field(data, 'clientInvoice') : field(field(data, 'clientInvoices'), 'nodes');
    if (query === 'one-invoice') return found ? [rowOfContract(found as ContractInvoice)] : 'no invoice in the answer';
    return Array.isArray(found) ? (found as ContractInvoice[]).map(rowOfContract) : 'no invoice list in the answer';
  }
  if (query === 'one-invoice') {
    const found = field(field(data, 'getClientInvoice'), 'client_invoice');
    return found ? [rowOfMesh(found as MeshInvoice)] : 'no invoice in the answer';
  }
  const found = field(field(data, 'listClientInvoices'), 'client_invoices');
  return Array.isArray(found) ? (found as MeshInvoice[]).map(rowOfMesh) : 'no invoice list in the answer';
}

// ---------- the REST script ----------

/** The REST script for one query: what a frontend without a gateway does, assembled into rows. */
function restScript(upstream: UpstreamInfo, agent: Agent, query: QueryName): (authorization: string) => Promise<InvoiceRow[]> {
  const get = async <T>(path: string, authorization: string): Promise<T> => {
    const response = await request(`${upstream.url}${path}`, { dispatcher: agent, headers: { authorization } });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`GET ${path}: HTTP ${response.statusCode}`);
    }
    return (await response.body.json()) as T;
  };
  if (query === 'one-invoice') {
    return async (authorization) => {
      const { client_invoice: invoice } = await get<{ client_invoice: WireClientInvoice }>(
        `/v2/client_invoices/${upstream.oneInvoiceId}`,
        authorization,
      );
      const clientId = invoice.client?.id;
      const client = clientId ? (await get<{ client: WireClient }>(`/v2/clients/${clientId}`, authorization)).client : undefined;
      return [rowOfWire(invoice, client)];
    };
  }
  return async (authorization) => {
    const list = await get<WireClientInvoiceList>(`/v2/client_invoices?page=1&per_page=${DASHBOARD_SIZE}`, authorization);
    const clientIds = [...new Set(list.client_invoices.flatMap((item) => (item.client?.id ? [item.client.id] : [])))];
    const [clients, details] = await Promise.all([
      Promise.all(clientIds.map((id) => get<{ client: WireClient }>(`/v2/clients/${id}`, authorization))),
      Promise.all(
        list.client_invoices.map((item) => get<{ client_invoice: WireClientInvoice }>(`/v2/client_invoices/${item.id}`, authorization)),
      ),
    ]);
    const byId = new Map(clients.map(({ client }) => [client.id, client]));
    return details.map(({ client_invoice: invoice }) => rowOfWire(invoice, invoice.client?.id ? byId.get(invoice.client.id) : undefined));
  };
}

/** Runs the REST script closed-loop, `connections` at a time, for `seconds`, like autocannon would. */
async function runRestScript(
  script: (authorization: string) => Promise<InvoiceRow[]>,
  expectedRows: number,
  connections: number,
  seconds: number,
  nextCredential: () => string,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let mismatches = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const rows = await script(nextCredential());
        latencies.push(performance.now() - t0);
        if (rows.length === expectedRows) ok++;
        else mismatches++;
      } catch {
        latencies.push(performance.now() - t0);
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const durationSec = (performance.now() - started) / 1000;
  return {
    rps: round(ok / durationSec, 1),
    p50: round(percentile(latencies, 50), 3),
    p90: round(percentile(latencies, 90), 3),
    p99: round(percentile(latencies, 99), 3),
    mean: round(latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length), 3),
    responses: latencies.length,
    ok2xx: ok + mismatches,
    non2xx: 0,
    errors,
    mismatches,
    durationSec: round(durationSec, 2),
  };
}

// ---------- set-up ----------

/** Installs the peers' own dependencies from their lockfile when they are not installed yet. */
function ensurePeersInstalled(): void {
  // npm writes node_modules/.package-lock.json last: its absence means no (or an interrupted) install
  if (existsSync(join(PEERS_DIR, 'node_modules', '.package-lock.json'))) return;
  console.log(
    "peers: first run here: installing the peers' own dependencies with `npm ci --prefix bench/peers` (about a minute; the gateway's node_modules is not touched)",
  );
  const result = spawnSync('npm', ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`npm ci --prefix bench/peers failed (${result.error?.message ?? `exit ${result.status}`})`);
}

/** Composes the Mesh supergraph when it is missing or older than its inputs. */
function ensureSupergraph(): void {
  const output = join(MESH_DIR, 'supergraph.graphql');
  const newestInput = Math.max(...['mesh.config.mjs', 'qonto-openapi.yaml'].map((file) => statSync(join(MESH_DIR, file)).mtimeMs));
  if (existsSync(output) && statSync(output).mtimeMs >= newestInput) return;
  console.log('peers: composing the Mesh supergraph (mesh-compose -c mesh.config.mjs -o supergraph.graphql)');
  const result = spawnSync(
    process.execPath,
    [join(PEERS_DIR, 'node_modules', '.bin', 'mesh-compose'), '-c', 'mesh.config.mjs', '-o', 'supergraph.graphql'],
    {
      cwd: MESH_DIR,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    },
  );
  if (result.status !== 0 || !existsSync(output))
    throw new Error(`mesh-compose failed (${result.error?.message ?? `exit ${result.status}`})`);
}

function versionOf(dir: string, pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** True once `url` answers `{ __typename }` with 200. */
async function answersGraphql(url: string): Promise<boolean> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'bench-readiness:x' },
    body: '{"query":"{ __typename }"}',
  });
  await response.body.dump();
  return response.statusCode === 200;
}

/** A target under test. */
interface Target {
  name: TargetName;
  flavor: Flavor;
  /** GraphQL endpoint (not for `rest`). */
  url?: string;
  /** The server's process (not for `rest`: the script runs here). */
  server?: ChildServer<unknown>;
}

// ---------- measuring ----------

const stats = async (upstream: UpstreamInfo) => (await upstreamStats(upstream.statsUrl)) as PeersUpstreamStats;

/** Waits until the upstream has answered nothing for `quietMs` (at most 20 s); returns how long that took. */
async function waitQuiet(upstream: UpstreamInfo, quietMs = 300): Promise<number> {
  const started = performance.now();
  let last = (await stats(upstream)).total;
  let changed = performance.now();
  while (performance.now() - started < 20_000) {
    await sleep(50);
    const { total } = await stats(upstream);
    if (total !== last) {
      last = total;
      changed = performance.now();
    } else if (performance.now() - changed >= quietMs) break;
  }
  return Math.round(performance.now() - started);
}

/** What one probe found. */
interface Probe {
  target: TargetName;
  query: QueryName;
  ok: boolean;
  problems: string[];
  upstreamCalls: number;
  byRoute: Record<string, number>;
  /** The exact answer body (GraphQL targets), which every answer under load must equal. */
  body?: string;
  rows?: InvoiceRow[];
}

async function probe(target: Target, query: QueryName, upstream: UpstreamInfo, agent: Agent, reference: Probe | undefined): Promise<Probe> {
  await waitQuiet(upstream, 200);
  const credential = `bench-probe-${target.name}-${query}:${randomUUID()}`;
  const before = await stats(upstream);
  const problems: string[] = [];
  let rows: InvoiceRow[] | undefined;
  let body: string | undefined;
  try {
    if (target.flavor === 'rest') rows = await restScript(upstream, agent, query)(credential);
    else {
      const response = await request(target.url!, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: credential },
        body: JSON.stringify({
          query: QUERY_TEXT[target.flavor][query],
          variables: query === 'one-invoice' ? { id: upstream.oneInvoiceId } : {},
        }),
      });
      body = await response.body.text();
      const parsed = JSON.parse(body) as { data?: unknown; errors?: Array<{ message: string }> };
      if (response.statusCode !== 200) problems.push(`HTTP ${response.statusCode}`);
      if (parsed.errors?.length) problems.push(`GraphQL error: ${parsed.errors[0]!.message}`);
      const found = rowsOf(target.flavor, query, parsed.data);
      if (typeof found === 'string') problems.push(found);
      else rows = found;
    }
  } catch (error) {
    problems.push(`failed: ${(error as Error).message}`);
  }
  await waitQuiet(upstream, 100);
  const after = await stats(upstream);
  const delta = statsDelta(before, after);
  const forwarded = after.byAuthorization[credential] ?? 0;
  if (forwarded !== delta.total) problems.push(`the upstream saw ${forwarded} of ${delta.total} calls with the caller's Authorization`);
  if (rows) {
    const expectedCount = query === 'one-invoice' ? 1 : DASHBOARD_SIZE;
    if (rows.length !== expectedCount) problems.push(`${rows.length} invoices instead of ${expectedCount}`);
    if (query === 'one-invoice' && rows[0]?.id !== upstream.oneInvoiceId) problems.push(`wrong invoice ${rows[0]?.id}`);
    if (reference?.rows) {
      const differing = rows.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(reference.rows![i]));
      if (differing >= 0)
        problems.push(
          `invoice ${differing} differs from the REST script's: ${JSON.stringify(rows[differing])} vs ${JSON.stringify(reference.rows[differing])}`,
        );
    }
  }
  if (reference) {
    const routes = (r: Record<string, number>) => JSON.stringify(Object.entries(r).sort());
    if (routes(delta.byRoute) !== routes(reference.byRoute))
      problems.push(`upstream calls ${JSON.stringify(delta.byRoute)} differ from the REST script's ${JSON.stringify(reference.byRoute)}`);
  }
  return {
    target: target.name,
    query,
    ok: problems.length === 0,
    problems,
    upstreamCalls: delta.total,
    byRoute: delta.byRoute,
    ...(body !== undefined ? { body } : {}),
    ...(rows ? { rows } : {}),
  };
}

/** One measured (or warm-up) run of one target on one query. */
interface Run extends LoadResult {
  target: TargetName;
  query: QueryName;
  round: number;
  upstreamCalls: number;
  /**
   * Upstream calls per request, counting the `connections` requests autocannon abandons when it
   * stops (the CPU figures are per request the same way).
   */
  upstreamPerRequest: number | null;
  /** TCP connections the upstream accepted during the run. */
  upstreamConnections: number;
  serverCpuUsPerRequest: number | null;
  upstreamCpuUsPerRequest: number | null;
  clientCpuUsPerRequest: number | null;
  drainMs: number;
}

// ---------- the scenario ----------

export async function run(): Promise<void> {
  const settings = {
    durationSec: knob('DURATION', 5),
    connections: knob('CONNECTIONS', 10),
    rounds: knob('ROUNDS', 3),
    warmupSec: knob('WARMUP', 2),
    upstreamDelayMs: knob('DELAY', 0),
    credentials: Math.floor(knob('CREDENTIALS', 64)),
    oursMaxInFlight: Math.min(1000, Math.floor(knob('IN_FLIGHT', 1000))),
    meshDedup: process.env['MESH_DEDUP'] !== '0',
    profiled: profiling(),
  };
  const pick = <T extends string>(raw: string | undefined, all: readonly T[]): T[] => {
    const wanted = raw
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!wanted?.length) return [...all];
    const unknown = wanted.filter((name) => !(all as readonly string[]).includes(name));
    if (unknown.length) throw new Error(`unknown ${unknown.join(', ')} (known: ${all.join(', ')})`);
    return all.filter((name) => wanted.includes(name));
  };
  const targetNames = pick(process.env['BENCH_TARGETS'], TARGETS);
  if (!targetNames.includes('rest')) targetNames.unshift('rest'); // the reference of every check and ratio
  const queries = pick(process.env['BENCH_QUERIES'], QUERIES);
  const estimate = targetNames.length * queries.length * (settings.warmupSec + settings.rounds * (settings.durationSec + 0.5));
  const timeoutMs = knob('TIMEOUT_S', 600) * 1000;
  console.log(
    `peers: ${targetNames.join(', ')} × ${queries.join(', ')}; ${settings.rounds} rounds × ${settings.durationSec} s, ${settings.connections} connections, ` +
      `${settings.warmupSec} s warm-up, upstream delay ${settings.upstreamDelayMs} ms, ${settings.credentials} credentials; about ${Math.ceil(estimate)} s of load`,
  );
  const watchdog = setTimeout(() => {
    console.error(`peers: still running after ${timeoutMs / 1000} s (BENCH_TIMEOUT_S): giving up; children are killed on exit`);
    process.exit(1);
  }, timeoutMs);

  // the machine is shared: its load beside the results says how noisy the run was
  const loadAtStart = loadavg().map((value) => round(value, 2));
  const needsPeers = targetNames.some((name) => name === 'apollo' || name === 'mesh');
  if (needsPeers) ensurePeersInstalled();
  if (targetNames.includes('mesh')) ensureSupergraph();

  const children: Array<ChildServer<unknown>> = [];
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const profileDir = settings.profiled ? mkdtempSync(join(RESULTS_DIR, '.cpuprof-')) : undefined;
  let oursPid: number | undefined;
  const probes: Probe[] = [];
  const runs: Run[] = [];
  let upstream: ChildServer<UpstreamInfo> | undefined;
  try {
    upstream = await startChild<UpstreamInfo>({
      name: 'upstream',
      script: 'bench/servers/peers-upstream.ts',
      env: { UPSTREAM_DELAY_MS: String(settings.upstreamDelayMs) },
    });
    children.push(upstream);
    const up = upstream.info;
    const targets: Target[] = [];
    for (const name of targetNames) {
      if (name === 'rest') targets.push({ name, flavor: 'rest' });
      if (name === 'ours') {
        const server = await startGateway({
          qontoApiUrl: up.url,
          webhookSecret: 'whsec_peers_bench_not_a_real_secret_0123456789',
          env: {
            QONTO_MAX_IN_FLIGHT: String(settings.oursMaxInFlight),
            QONTO_RATE_LIMIT: '1000000',
            QONTO_CREDENTIAL_SHARE_PERCENT: '100',
          },
          ...(profileDir ? { nodeArgs: cpuProfileArgs(profileDir) } : {}),
        });
        children.push(server);
        oursPid = server.process.pid;
        targets.push({ name, flavor: 'contract', url: `${server.info.url}/graphql`, server });
      }
      if (name === 'apollo') {
        const server = await startChild<{ url: string }>({
          name: 'apollo',
          script: 'bench/peers/apollo/server.mjs',
          env: { QONTO_API_URL: up.url, NODE_ENV: 'production' },
        });
        children.push(server);
        targets.push({ name, flavor: 'contract', url: server.info.url, server });
      }
      if (name === 'mesh') {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}/graphql`;
        const server = await startCommand<{ url: string }>(
          {
            name: 'mesh',
            command: process.execPath,
            args: [
              join(PEERS_DIR, 'node_modules', '.bin', 'hive-gateway'),
              'supergraph',
              '--fork',
              '1',
              '-c',
              'gateway.config.mjs',
              '--host',
              '127.0.0.1',
              '--port',
              String(port),
            ],
            cwd: MESH_DIR,
            env: { QONTO_API_URL: up.url, NODE_ENV: 'production', MESH_DEDUP: settings.meshDedup ? '1' : '0' },
            ready: () => answersGraphql(url),
          },
          { url },
        );
        children.push(server);
        targets.push({ name, flavor: 'mesh', url, server });
      }
    }
    const started = Object.fromEntries(targets.map((t) => [t.name, t.url ?? '(this process)']));
    console.log(`peers: upstream ${up.url} (delay ${up.delayMs} ms); targets ${JSON.stringify(started)}`);

    // 1. probes: the REST script first (the reference), then every target
    for (const query of queries) {
      const reference = await probe(targets[0]!, query, up, agent, undefined);
      probes.push(reference);
      for (const target of targets.slice(1)) probes.push(await probe(target, query, up, agent, reference));
    }
    printTable(
      'peers: probes (one request on a quiet upstream; same data and same upstream calls as the REST script, Authorization forwarded unchanged)',
      probes.map((p) => ({
        query: p.query,
        target: p.target,
        ok: p.ok ? 'yes' : 'NO',
        'upstream calls': p.upstreamCalls,
        'by route': Object.entries(p.byRoute)
          .map(([route, n]) => `${route.replace('GET ', '')} ×${n}`)
          .join(', '),
        problems: p.problems.join('; '),
      })),
    );

    // 2. load
    const credentials = Array.from({ length: settings.credentials }, (_, i) => `bench-user-${i}:bench-secret`);
    let credentialIndex = 0;
    const nextCredential = () => credentials[credentialIndex++ % credentials.length]!;
    const measure = async (target: Target, query: QueryName, seconds: number, roundNo: number): Promise<Run> => {
      await waitQuiet(up);
      const probed = probes.find((p) => p.target === target.name && p.query === query)!;
      const before = {
        stats: await stats(up),
        server: target.server ? cpuTimeMs(target.server.process.pid!) : undefined,
        upstream: cpuTimeMs(upstream!.process.pid!),
        client: process.cpuUsage(),
      };
      const result =
        target.flavor === 'rest'
          ? await runRestScript(
              restScript(up, agent, query),
              query === 'one-invoice' ? 1 : DASHBOARD_SIZE,
              settings.connections,
              seconds,
              nextCredential,
            )
          : await runLoad({
              url: target.url!,
              method: 'POST',
              headers: { 'content-type': 'application/json', accept: 'application/json' },
              body: JSON.stringify({
                query: QUERY_TEXT[target.flavor][query],
                variables: query === 'one-invoice' ? { id: up.oneInvoiceId } : {},
              }),
              connections: settings.connections,
              durationSec: seconds,
              setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: nextCredential() } }),
              // autocannon's expectBody does not combine with setupRequest; the same check:
              ...(probed.body !== undefined ? { verifyBody: (text: string) => text === probed.body } : {}),
            });
      const client = process.cpuUsage(before.client);
      const drainMs = await waitQuiet(up);
      const after = {
        stats: await stats(up),
        server: target.server ? cpuTimeMs(target.server.process.pid!) : undefined,
        upstream: cpuTimeMs(upstream!.process.pid!),
      };
      const calls = statsDelta(before.stats, after.stats).total;
      // autocannon stops with `connections` requests in flight, which the targets still serve (their
      // calls are counted after the drain); the REST script finishes its last runs instead
      const started = result.responses + (target.flavor === 'rest' ? 0 : settings.connections);
      // CPU read after the drain includes the abandoned requests' work: divided by `started` too
      const perRequest = (ms: number | undefined) => (ms === undefined || started === 0 ? null : round((ms * 1000) / started, 0));
      return {
        ...result,
        target: target.name,
        query,
        round: roundNo,
        upstreamCalls: calls,
        upstreamPerRequest: started ? round(calls / started, 2) : null,
        upstreamConnections: after.stats.connections - before.stats.connections,
        serverCpuUsPerRequest: before.server !== undefined && after.server !== undefined ? perRequest(after.server - before.server) : null,
        upstreamCpuUsPerRequest:
          before.upstream !== undefined && after.upstream !== undefined ? perRequest(after.upstream - before.upstream) : null,
        clientCpuUsPerRequest: perRequest((client.user + client.system) / 1000),
        drainMs,
      };
    };
    if (settings.warmupSec > 0) {
      for (const query of queries) for (const target of targets) await measure(target, query, settings.warmupSec, 0);
    }
    for (let roundNo = 1; roundNo <= settings.rounds; roundNo++) {
      for (const query of queries) {
        const order = roundNo % 2 === 1 ? targets : [...targets].reverse();
        for (const target of order) {
          const measured = await measure(target, query, settings.durationSec, roundNo);
          runs.push(measured);
          const issues = measured.non2xx + measured.errors + measured.mismatches;
          console.log(
            `round ${roundNo} ${query.padEnd(12)} ${target.name.padEnd(6)} ${String(measured.rps).padStart(8)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms  ` +
              `upstream/req ${measured.upstreamPerRequest}${issues ? `  ${measured.non2xx} non-2xx, ${measured.errors} errors, ${measured.mismatches} wrong answers` : ''}`,
          );
        }
      }
    }
  } finally {
    await Promise.all(children.reverse().map((child) => child.stop(5000)));
    await agent.close();
    clearTimeout(watchdog);
  }

  // 3. summary
  let profileSummary: ProfileSummary | undefined;
  if (profileDir && oursPid !== undefined) {
    const destination = join(RESULTS_DIR, `${SCENARIO}-gateway.cpuprofile`);
    if (collectMainThreadProfile(profileDir, oursPid, destination)) {
      profileSummary = summariseProfile(destination);
      printProfileSummary('our gateway, CPU profile of the whole run', profileSummary);
      console.log(PROFILE_NOTE);
    }
  }
  const summary = queries.flatMap((query) =>
    targetNames.map((target) => {
      const mine = runs.filter((r) => r.query === query && r.target === target);
      const med = (pickValue: (r: Run) => number | null) => {
        const values = mine.map(pickValue).filter((v): v is number => v !== null);
        return values.length ? round(median(values), 2) : null;
      };
      const probed = probes.find((p) => p.query === query && p.target === target);
      return {
        query,
        target,
        rps: med((r) => r.rps),
        p50Ms: med((r) => r.p50),
        p99Ms: med((r) => r.p99),
        upstreamCallsExact: probed?.upstreamCalls ?? null,
        upstreamPerRequestUnderLoad: med((r) => r.upstreamPerRequest),
        upstreamConnectionsPerRun: med((r) => r.upstreamConnections),
        serverCpuUsPerRequest: med((r) => r.serverCpuUsPerRequest),
        upstreamCpuUsPerRequest: med((r) => r.upstreamCpuUsPerRequest),
        clientCpuUsPerRequest: med((r) => r.clientCpuUsPerRequest),
        non2xx: mine.reduce((sum, r) => sum + r.non2xx, 0),
        errors: mine.reduce((sum, r) => sum + r.errors, 0),
        wrongAnswers: mine.reduce((sum, r) => sum + r.mismatches, 0),
        probeOk: probed?.ok ?? false,
        rpsPerRound: mine.map((r) => r.rps),
      };
    }),
  );
  const table: Row[] = summary.map((s) => {
    const rest = summary.find((r) => r.query === s.query && r.target === 'rest');
    const ours = summary.find((r) => r.query === s.query && r.target === 'ours');
    const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? round(a / b, 2) : null);
    const added = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null ? round(a - b, 2) : null);
    return {
      query: s.query,
      target: s.target === 'rest' ? 'rest (REST script)' : s.target,
      'req/s': s.rps,
      '× rest': ratio(s.rps, rest?.rps),
      'ours ÷ this': ratio(ours?.rps, s.rps),
      'p50 ms': s.p50Ms,
      '+p50 vs rest': added(s.p50Ms, rest?.p50Ms),
      'p99 ms': s.p99Ms,
      '+p99 vs rest': added(s.p99Ms, rest?.p99Ms),
      'upstream calls': s.upstreamCallsExact,
      'upstream/req under load': s.upstreamPerRequestUnderLoad,
      'upstream conns/run': s.upstreamConnectionsPerRun,
      'server CPU µs/req': s.serverCpuUsPerRequest,
      'upstream CPU µs/req': s.upstreamCpuUsPerRequest,
      'client CPU µs/req': s.clientCpuUsPerRequest,
      'failed/wrong': s.non2xx + s.errors + s.wrongAnswers,
      'req/s per round': s.rpsPerRound.join(' / '),
    };
  });
  const checks: Array<{ check: string; met: boolean | null; detail: string }> = [];
  for (const query of queries) {
    const rest = summary.find((s) => s.query === query && s.target === 'rest')!;
    for (const s of summary.filter((r) => r.query === query)) {
      const problems = probes.find((p) => p.query === query && p.target === s.target)?.problems ?? ['not probed'];
      checks.push({
        check: `${query} ${s.target}: same data and upstream calls as the REST script`,
        met: s.probeOk,
        detail: problems.join('; ') || `${s.upstreamCallsExact} calls`,
      });
      checks.push({
        check: `${query} ${s.target}: every answer under load right`,
        met: s.non2xx + s.errors + s.wrongAnswers === 0,
        detail: `${s.non2xx} non-2xx, ${s.errors} errors, ${s.wrongAnswers} wrong answers`,
      });
    }
    const ours = summary.find((s) => s.query === query && s.target === 'ours');
    const apollo = summary.find((s) => s.query === query && s.target === 'apollo');
    if (ours?.rps && query === 'one-invoice' && apollo?.rps) {
      checks.push({
        check: 'one-invoice: ours ≥ 2× Apollo + RESTDataSource req/s',
        met: ours.rps >= 2 * apollo.rps,
        detail: `${round(ours.rps / apollo.rps, 2)}×`,
      });
    }
    if (ours?.rps && query === 'dashboard-50' && rest.rps) {
      checks.push({
        check: 'dashboard-50: ours ≥ the REST script req/s',
        met: ours.rps >= rest.rps,
        detail: `${round(ours.rps / rest.rps, 2)}×`,
      });
    }
  }
  printTable(
    `peers: medians of ${settings.rounds} rounds (${settings.connections} connections, ${settings.durationSec} s per run, upstream delay ${settings.upstreamDelayMs} ms, ${settings.credentials} credentials)`,
    table,
  );
  printTable(
    'peers: checks',
    checks.map((c) => ({ check: c.check, met: c.met === null ? 'n/a' : c.met ? 'yes' : 'NO', detail: c.detail })),
  );

  const file = writeResult(SCENARIO, {
    settings,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((value) => round(value, 2)) },
    versions: {
      ours: {
        graphqlYoga: versionOf(REPO_ROOT, 'graphql-yoga'),
        pothos: versionOf(REPO_ROOT, '@pothos/core'),
        graphql: versionOf(REPO_ROOT, 'graphql'),
        undici: versionOf(REPO_ROOT, 'undici'),
      },
      apollo: { server: versionOf(PEERS_DIR, '@apollo/server'), datasourceRest: versionOf(PEERS_DIR, '@apollo/datasource-rest') },
      mesh: {
        composeCli: versionOf(PEERS_DIR, '@graphql-mesh/compose-cli'),
        openapi: versionOf(PEERS_DIR, '@omnigraph/openapi'),
        hiveGateway: versionOf(PEERS_DIR, '@graphql-hive/gateway'),
        dedupPlugin: versionOf(PEERS_DIR, '@graphql-hive/plugin-deduplicate-request'),
      },
      peersGraphql: versionOf(PEERS_DIR, 'graphql'),
      autocannon: versionOf(REPO_ROOT, 'autocannon'),
    },
    queries: Object.fromEntries(queries.map((q) => [q, { contract: QUERY_TEXT.contract[q], mesh: QUERY_TEXT.mesh[q] }])),
    probes: probes.map(({ body: _body, rows, ...rest }) => ({ ...rest, invoices: rows?.length ?? null, firstInvoice: rows?.[0] ?? null })),
    summary,
    table,
    checks,
    runs,
    ...(profileSummary ? { profile: profileSummary } : {}),
  });
  console.log(`\nwritten ${file}`);
}
