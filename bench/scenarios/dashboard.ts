/**
 * dashboard: one GraphQL query for 50 invoices with their clients and lifecycle events, against
 * the same data fetched by plain REST scripts.
 *
 * 1. Upstream calls of the query when cold (every query is: loaders live for one request), counted
 *    by the simulator, against the minimum computed from the data: 1 list call + the distinct
 *    clients + one detail call per invoice (the list leaves the lifecycle events out).
 * 2. Latency over N sequential runs per target, targets alternating run by run: the gateway, a
 *    sequential REST script (list, then each client, then each detail, one at a time), a parallel
 *    one (list, then every client and detail at once) and a parallel one capped at 16 requests in
 *    flight (the gateway's default QONTO_MAX_IN_FLIGHT). Every script parses the JSON it gets.
 *
 * Simulator and gateway each run in their own child process; the scripts and the GraphQL client
 * run here, with undici keep-alive agents. The simulator gets 20 extra invoices (clones of seeded
 * ones) so a 50-invoice page is full.
 *
 * Knobs: BENCH_RUNS (30 per target), BENCH_WARMUP (5); `--profile` profiles the gateway child
 * (bench/results/dashboard-gateway.cpuprofile) and adds 300 gateway-only runs for samples;
 * BENCH_BASELINE (a checkout of an earlier commit) adds that commit's gateway as a target.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { knob, profiling } from '../lib/args.js';
import {
  baselineSrc,
  type ChildServer,
  cpuTimeMs,
  type GatewayInfo,
  type SimulatorInfo,
  startGatewayAndBaseline,
  startSimulator,
  statsDelta,
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
import { median, percentile, printTable, RESULTS_DIR, round, type Row, writeResult } from '../lib/report.js';

const SCENARIO = 'dashboard';
const PAGE_SIZE = 50;
const GATEWAY_MAX_IN_FLIGHT = 16;

/** The dashboard query measured. */
export const QUERY = `query Dashboard {
  clientInvoices(first: ${PAGE_SIZE}) {
    nodes {
      id
      number
      status
      totalAmount { value }
      client { id name einvoicingReachable }
      einvoicingLifecycleEvents { statusCode label occurredAt }
    }
  }
}`;

interface DashboardNode {
  id: string;
  client: { id: string } | null;
  einvoicingLifecycleEvents: Array<{ statusCode: number }>;
}

/** What a run fetched, to check every target got the same data. */
interface Fetched {
  invoices: number;
  clients: number;
  events: number;
}

type TargetName = 'gateway' | 'baseline' | 'rest-sequential' | 'rest-parallel' | 'rest-parallel-16';

interface Target {
  name: TargetName;
  label: string;
  run(): Promise<Fetched>;
}

async function getJson<T>(agent: Agent, url: string, authorization: string): Promise<T> {
  const response = await request(url, { dispatcher: agent, headers: { authorization, accept: 'application/json' } });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

interface WireListItem {
  id: string;
  client?: { id?: string } | null;
  client_id?: string | null;
}

/** Runs `tasks` with at most `limit` in flight. */
async function limited<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The REST dashboard: list, then clients and details (sequentially, or concurrently up to `limit`). */
function restDashboard(sim: SimulatorInfo, agent: Agent, limit: number): () => Promise<Fetched> {
  return async () => {
    const list = await getJson<{ client_invoices: WireListItem[] }>(
      agent,
      `${sim.url}/v2/client_invoices?page=1&per_page=${PAGE_SIZE}`,
      sim.authorization,
    );
    const invoices = list.client_invoices;
    const clientIds = [...new Set(invoices.map((invoice) => invoice.client?.id ?? invoice.client_id).filter((id): id is string => !!id))];
    const clientTasks = clientIds.map(
      (id) => () => getJson<{ client: { id: string } }>(agent, `${sim.url}/v2/clients/${id}`, sim.authorization),
    );
    const detailTasks = invoices.map(
      (invoice) => () =>
        getJson<{ client_invoice: { einvoicing_lifecycle_events?: unknown[] } }>(
          agent,
          `${sim.url}/v2/client_invoices/${invoice.id}`,
          sim.authorization,
        ),
    );
    let events = 0;
    if (limit === 1) {
      for (const task of clientTasks) await task();
      for (const task of detailTasks) events += (await task()).client_invoice.einvoicing_lifecycle_events?.length ?? 0;
    } else {
      const tasks: Array<() => Promise<unknown>> = [...clientTasks, ...detailTasks];
      const results = await limited(tasks, limit);
      for (const result of results.slice(clientTasks.length)) {
        events +=
          (result as { client_invoice: { einvoicing_lifecycle_events?: unknown[] } }).client_invoice.einvoicing_lifecycle_events?.length ??
          0;
      }
    }
    return { invoices: invoices.length, clients: clientIds.length, events };
  };
}

/** The GraphQL dashboard through a gateway. */
function gatewayDashboard(gatewayUrl: string, authorization: string, agent: Agent): () => Promise<Fetched & { nodes: DashboardNode[] }> {
  const body = JSON.stringify({ query: QUERY, operationName: 'Dashboard' });
  return async () => {
    const response = await request(`${gatewayUrl}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization, 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body,
    });
    const text = await response.body.text();
    const parsed = JSON.parse(text) as { data?: { clientInvoices: { nodes: DashboardNode[] } }; errors?: unknown[] };
    if (response.statusCode !== 200 || parsed.errors || !parsed.data)
      throw new Error(`gateway answered ${response.statusCode}: ${text.slice(0, 300)}`);
    const nodes = parsed.data.clientInvoices.nodes;
    return {
      nodes,
      invoices: nodes.length,
      clients: new Set(nodes.map((node) => node.client?.id).filter(Boolean)).size,
      events: nodes.reduce((sum, node) => sum + node.einvoicingLifecycleEvents.length, 0),
    };
  };
}

export async function run(): Promise<void> {
  const runs = knob('RUNS', 30);
  const warmup = knob('WARMUP', 5);
  const profile = profiling();
  const profileDir = profile ? mkdtempSync(join(RESULTS_DIR, '.cpuprof-')) : undefined;
  const baselineDir = baselineSrc();

  const sim = await startSimulator({ extraInvoices: 20 });
  let gateway: ChildServer<GatewayInfo> | undefined;
  let baseline: ChildServer<GatewayInfo> | undefined;
  const agents = {
    gateway: new Agent({ connections: 4 }),
    rest: new Agent({ keepAliveTimeout: 10_000 }),
    rest16: new Agent({ connections: GATEWAY_MAX_IN_FLIGHT, keepAliveTimeout: 10_000 }),
  };
  const samples = new Map<TargetName, number[]>();
  const callsPerRun = new Map<TargetName, number[]>();
  /** CPU ms summed over the measured runs of each target: gateway child(ren), simulator, this process. */
  const cpu = new Map<TargetName, { gateway: number; simulator: number; script: number }>();
  let cold: { byRoute: Record<string, number>; total: number };
  let minimum: { list: number; clients: number; details: number; total: number };
  let reference: Fetched;
  let profileRuns = 0;
  try {
    ({ gateway, baseline } = await startGatewayAndBaseline(sim.info, {
      nodeArgs: profileDir ? cpuProfileArgs(profileDir) : undefined,
      baselineDir,
    }));
    const viaGateway = gatewayDashboard(gateway.info.url, sim.info.authorization, agents.gateway);
    const gatewayPids = [gateway.process.pid!, ...(baseline ? [baseline.process.pid!] : [])];
    const gatewaysCpu = () => gatewayPids.reduce((sum, pid) => sum + (cpuTimeMs(pid) ?? 0), 0);

    // 1. Cold upstream calls of one query, against the minimum computed from what it returned.
    const before = await upstreamStats(sim.info.statsUrl);
    const first = await viaGateway();
    cold = statsDelta(before, await upstreamStats(sim.info.statsUrl));
    const distinctClients = new Set(first.nodes.map((node) => node.client?.id).filter((id): id is string => !!id)).size;
    minimum = { list: 1, clients: distinctClients, details: first.nodes.length, total: 1 + distinctClients + first.nodes.length };
    reference = { invoices: first.invoices, clients: first.clients, events: first.events };

    const targets: Target[] = [
      { name: 'gateway', label: 'GraphQL query (gateway)', run: viaGateway },
      { name: 'rest-sequential', label: 'REST script, sequential', run: restDashboard(sim.info, agents.rest, 1) },
      { name: 'rest-parallel', label: 'REST script, parallel', run: restDashboard(sim.info, agents.rest, Number.POSITIVE_INFINITY) },
      {
        name: 'rest-parallel-16',
        label: `REST script, parallel, <= ${GATEWAY_MAX_IN_FLIGHT} in flight`,
        run: restDashboard(sim.info, agents.rest16, GATEWAY_MAX_IN_FLIGHT),
      },
    ];
    if (baseline)
      targets.splice(1, 0, {
        name: 'baseline',
        label: 'GraphQL query (baseline gateway)',
        run: gatewayDashboard(baseline.info.url, sim.info.authorization, agents.gateway),
      });

    for (const target of targets) {
      const fetched = await target.run();
      if (fetched.invoices !== reference.invoices || fetched.clients !== reference.clients || fetched.events !== reference.events) {
        throw new Error(`${target.label} fetched ${JSON.stringify(fetched)}, the gateway ${JSON.stringify(reference)}`);
      }
      for (let i = 1; i < warmup; i++) await target.run();
    }

    console.log(
      `${reference.invoices} invoices, ${reference.clients} distinct clients, ${reference.events} lifecycle events; ${runs} runs per target, alternating`,
    );
    for (let i = 0; i < runs; i++) {
      const shift = i % targets.length;
      for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) {
        const statsBefore = await upstreamStats(sim.info.statsUrl);
        const cpuBefore = { gateway: gatewaysCpu(), simulator: cpuTimeMs(sim.process.pid!) ?? 0, script: process.cpuUsage() };
        const started = performance.now();
        await target.run();
        const elapsed = performance.now() - started;
        const script = process.cpuUsage(cpuBefore.script);
        const sum = cpu.get(target.name) ?? { gateway: 0, simulator: 0, script: 0 };
        sum.gateway += gatewaysCpu() - cpuBefore.gateway;
        sum.simulator += (cpuTimeMs(sim.process.pid!) ?? 0) - cpuBefore.simulator;
        sum.script += (script.user + script.system) / 1000;
        cpu.set(target.name, sum);
        const calls = statsDelta(statsBefore, await upstreamStats(sim.info.statsUrl)).total;
        samples.set(target.name, [...(samples.get(target.name) ?? []), elapsed]);
        callsPerRun.set(target.name, [...(callsPerRun.get(target.name) ?? []), calls]);
      }
    }
    if (profileDir) {
      profileRuns = 300;
      for (let i = 0; i < profileRuns; i++) await viaGateway();
    }
  } finally {
    await gateway?.stop();
    await baseline?.stop();
    await sim.stop();
    await Promise.all(Object.values(agents).map((agent) => agent.close()));
  }

  const stats = (name: TargetName) => {
    const values = samples.get(name) ?? [];
    const calls = callsPerRun.get(name) ?? [];
    const spent = cpu.get(name);
    const per = (value: number | undefined) => (value === undefined || values.length === 0 ? null : round(value / values.length, 1));
    return {
      runs: values.length,
      /** Mean CPU ms per dashboard: gateway child(ren), simulator, and this process (the GraphQL client or the REST script). */
      cpuMsPerRun: { gateway: per(spent?.gateway), simulator: per(spent?.simulator), script: per(spent?.script) },
      medianMs: round(median(values), 2),
      p99Ms: round(percentile(values, 99), 2),
      minMs: round(Math.min(...values), 2),
      upstreamCallsMin: Math.min(...calls),
      upstreamCallsMax: Math.max(...calls),
    };
  };
  const names: TargetName[] = [
    'gateway',
    ...(baseline ? (['baseline'] as const) : []),
    'rest-sequential',
    'rest-parallel',
    'rest-parallel-16',
  ];
  const results = Object.fromEntries(names.map((name) => [name, stats(name)])) as Record<TargetName, ReturnType<typeof stats>>;
  const gw = results.gateway;
  const exactMinimum = cold!.total === minimum!.total;

  printTable(`dashboard: upstream calls of one cold query (first: ${PAGE_SIZE})`, [
    { call: 'GET /v2/client_invoices (list)', gateway: cold!.byRoute['GET /v2/client_invoices'] ?? 0, minimum: minimum!.list },
    { call: 'GET /v2/clients/{id} (distinct clients)', gateway: cold!.byRoute['GET /v2/clients/{id}'] ?? 0, minimum: minimum!.clients },
    {
      call: 'GET /v2/client_invoices/{id} (details with events)',
      gateway: cold!.byRoute['GET /v2/client_invoices/{id}'] ?? 0,
      minimum: minimum!.details,
    },
    { call: 'total', gateway: cold!.total, minimum: minimum!.total },
  ]);
  console.log(
    `cold upstream calls ${exactMinimum ? 'EQUAL the minimum' : 'DIFFER from the minimum'} (${cold!.total} vs ${minimum!.total}); target met: ${exactMinimum}`,
  );

  const rows: Row[] = names.map((name) => {
    const r = results[name];
    return {
      target: name,
      runs: r.runs,
      'median ms': r.medianMs,
      'p99 ms': r.p99Ms,
      'min ms': r.minMs,
      'upstream calls/run': r.upstreamCallsMin === r.upstreamCallsMax ? r.upstreamCallsMin : `${r.upstreamCallsMin}-${r.upstreamCallsMax}`,
      'CPU ms/run: gateway': r.cpuMsPerRun.gateway,
      'CPU ms/run: simulator': r.cpuMsPerRun.simulator,
      'CPU ms/run: client/script': r.cpuMsPerRun.script,
      'gateway/this (median)': name === 'gateway' ? 1 : round(gw.medianMs / r.medianMs, 2),
    };
  });
  printTable(`dashboard: latency of the whole dashboard, ${runs} sequential runs per target (p99 of ${runs} runs is about the max)`, rows);
  const ratios = {
    gatewayOverRestSequential: round(gw.medianMs / results['rest-sequential'].medianMs, 3),
    gatewayOverRestParallel: round(gw.medianMs / results['rest-parallel'].medianMs, 3),
    gatewayOverRestParallel16: round(gw.medianMs / results['rest-parallel-16'].medianMs, 3),
    ...(results.baseline ? { gatewayOverBaseline: round(gw.medianMs / results.baseline.medianMs, 3) } : {}),
  };
  console.log(
    `gateway median / REST sequential ${ratios.gatewayOverRestSequential}, / REST parallel ${ratios.gatewayOverRestParallel}, ` +
      `/ REST parallel <= ${GATEWAY_MAX_IN_FLIGHT} ${ratios.gatewayOverRestParallel16}` +
      `${ratios.gatewayOverBaseline !== undefined ? `, / baseline gateway ${ratios.gatewayOverBaseline}` : ''} (below 1 = the gateway is faster)`,
  );

  let profileSummary: ProfileSummary | undefined;
  if (profileDir && gateway) {
    const destination = join(RESULTS_DIR, `${SCENARIO}-gateway.cpuprofile`);
    if (collectMainThreadProfile(profileDir, gateway.process.pid!, destination)) {
      profileSummary = summariseProfile(destination);
      printProfileSummary(`gateway CPU profile (${runs + warmup + 1 + profileRuns} dashboards)`, profileSummary);
      console.log(PROFILE_NOTE);
    } else console.log(`no CPU profile found in ${profileDir}`);
  }

  const file = writeResult(SCENARIO, {
    query: QUERY,
    settings: {
      runs,
      warmup,
      pageSize: PAGE_SIZE,
      gatewayMaxInFlight: GATEWAY_MAX_IN_FLIGHT,
      profiled: profile,
      baseline: baselineDir ?? null,
    },
    data: reference!,
    coldUpstreamCalls: { gateway: cold!, minimum: minimum!, equalsMinimum: exactMinimum },
    latency: results,
    ratios,
    samplesMs: Object.fromEntries([...samples.entries()].map(([name, values]) => [name, values.map((value) => round(value, 3))])),
    ...(profileSummary ? { profile: profileSummary } : {}),
  });
  console.log(`\nwrote ${file}`);
}
