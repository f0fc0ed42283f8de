/**
 * query-overhead: what the gateway adds on top of Qonto's REST API for one invoice.
 *
 * `clientInvoice(id)` through the gateway, against the same REST `GET /v2/client_invoices/{id}`
 * sent straight to the simulator: same load tool (autocannon, in this process), same connection
 * count, simulator and gateway each in their own child process. The headline query selects what
 * that one GET carries (the invoice, its amounts and its lifecycle events), so both sides make
 * exactly one upstream call and the difference is the gateway's own cost. A side mode adds the
 * invoice's current client (`client { name einvoicingReachable }`): a second GET, made after the
 * first since the client id comes from the invoice, reported against the same one-GET REST run.
 * Targets alternate over rounds after a warm-up; medians over rounds are reported.
 *
 * Two reference targets run beside them (bench/servers/overhead-floor.ts), answering the same
 * query with the same one GET: a hand-written node:http proxy with no GraphQL (what any gateway in
 * Node costs here: an HTTP exchange in, one out, JSON both ways) and a bare graphql-yoga with one
 * resolver (the framework's own cost). They show how much of the overhead is ours.
 *
 * Each request asks for the next of the seeded invoices (both targets rotate over the same ids):
 * the gateway shares identical in-flight GETs between concurrent queries, so hammering one id
 * would let concurrent queries ride on each other's upstream calls. That flattering case is
 * measured too ("same invoice"), as a side row, with the upstream calls it really made.
 *
 * Knobs: BENCH_CONNECTIONS (10), BENCH_DURATION (s per run, 5), BENCH_ROUNDS (3); `--profile`
 * profiles the gateway child (bench/results/query-overhead-gateway.cpuprofile); BENCH_BASELINE
 * (a checkout of an earlier commit) adds that commit's gateway as a third, alternating target.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { knob, profiling } from '../lib/args.js';
import {
  baselineSrc,
  type ChildServer,
  cpuTimeMs,
  type GatewayInfo,
  type SimulatorInfo,
  startChild,
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
import { type LoadResult, runLoad } from '../lib/load.js';
import { median, printTable, RESULTS_DIR, round, type Row, writeResult } from '../lib/report.js';

const SCENARIO = 'query-overhead';

/** An invoice query named `name`: the fields `GET /v2/client_invoices/{id}` carries, plus `extra`. */
const invoiceQuery = (name: string, extra = '') => `query ${name}($id: ID!) {
  clientInvoice(id: $id) {
    id
    number
    status
    einvoicingStatus
    dueDate
    totalAmount { value currency }
    einvoicingLifecycleEvents { statusCode label occurredAt }${extra}
  }
}`;

/** The GraphQL query measured: an invoice screen's fields that `GET /v2/client_invoices/{id}` carries. */
export const QUERY = invoiceQuery('Invoice');

/** The same screen with the invoice's current client: one more GET (`/v2/clients/{id}`). */
export const QUERY_WITH_CLIENT = invoiceQuery('InvoiceWithClient', '\n    client { name einvoicingReachable }');

/** Issue targets. */
const MIN_THROUGHPUT_RATIO = 0.5;
const MAX_ADDED_P50_MS = 1;

type Mode = 'rotating' | 'same' | 'unloaded' | 'with-client';

interface Target {
  /**
   * `gateway+client`: the gateway answering {@link QUERY_WITH_CLIENT}; `baseline`: the gateway of
   * another checkout (BENCH_BASELINE), for before/after figures; `proxy` and `yoga`: the reference
   * floors of bench/servers/overhead-floor.ts.
   */
  name: 'rest' | 'gateway' | 'gateway+client' | 'baseline' | 'proxy' | 'yoga';
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Path (REST) or body (gateway) asking for one invoice. */
  request(invoiceId: string): { path?: string; body?: string };
  /** Is this answer a full, error-free invoice? */
  verify(body: string): boolean;
}

interface Run {
  round: number;
  mode: Mode;
  target: Target['name'];
  connections: number;
  load: LoadResult;
  /** Simulator requests answered during the run. */
  upstreamCalls: number;
  /** CPU time (ms) used during the run by the target's server (gateway child, or the simulator for REST), by the simulator, and by the load generator. */
  cpuMs: { server: number | null; simulator: number | null; loadGenerator: number };
}

/** The demo organisation's invoices that have a client. */
async function invoicesWithClient(sim: SimulatorInfo): Promise<string[]> {
  const headers = { authorization: sim.authorization };
  const list = (await (await fetch(`${sim.url}/v2/client_invoices?per_page=100`, { headers })).json()) as {
    client_invoices: Array<{ id: string; client?: { id?: string } | null }>;
  };
  return list.client_invoices.filter((invoice) => invoice.client?.id).map((invoice) => invoice.id);
}

/** An invoice with a client and at least one lifecycle event (for the "same invoice" mode). */
async function invoiceWithEvents(sim: SimulatorInfo, ids: string[]): Promise<string> {
  for (const id of ids) {
    const detail = (await (
      await fetch(`${sim.url}/v2/client_invoices/${id}`, { headers: { authorization: sim.authorization } })
    ).json()) as {
      client_invoice: { einvoicing_lifecycle_events?: unknown[] };
    };
    if ((detail.client_invoice.einvoicing_lifecycle_events?.length ?? 0) > 0) return id;
  }
  throw new Error('no seeded invoice with a client and lifecycle events');
}

async function once(target: Target, invoiceId: string): Promise<{ status: number; text: string }> {
  const { path, body } = target.request(invoiceId);
  const response = await fetch(path ? new URL(path, target.url) : target.url, {
    method: target.method,
    headers: target.headers,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: response.status, text: await response.text() };
}

/** Exact upstream calls of one request, counted by the simulator. */
async function callsOfOne(
  target: Target,
  invoiceId: string,
  statsUrl: string,
): Promise<{ total: number; byRoute: Record<string, number> }> {
  const before = await upstreamStats(statsUrl);
  await once(target, invoiceId);
  return statsDelta(before, await upstreamStats(statsUrl));
}

function perRequest(runs: Run[], responses: number, pick: (run: Run) => number | null): number | null {
  const values = runs.map(pick);
  if (values.some((value) => value === null)) return null;
  return round(((values as number[]).reduce((sum, value) => sum + value, 0) * 1000) / Math.max(1, responses), 0);
}

function ratioOrNull(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : round(a / b, 3);
}

function summarise(runs: Run[], target: Target['name'], mode: Mode) {
  const mine = runs.filter((run) => run.target === target && run.mode === mode);
  const responses = mine.reduce((sum, run) => sum + run.load.responses, 0);
  return {
    rps: round(median(mine.map((run) => run.load.rps)), 0),
    p50: round(median(mine.map((run) => run.load.p50)), 3),
    p99: round(median(mine.map((run) => run.load.p99)), 3),
    rounds: mine.length,
    responses,
    non2xx: mine.reduce((sum, run) => sum + run.load.non2xx, 0),
    errors: mine.reduce((sum, run) => sum + run.load.errors, 0),
    mismatches: mine.reduce((sum, run) => sum + run.load.mismatches, 0),
    upstreamPerRequest: round(mine.reduce((sum, run) => sum + run.upstreamCalls, 0) / Math.max(1, responses), 3),
    /** CPU µs per answered request (summed over rounds): the target's server, the simulator, the load generator. */
    cpuUsPerRequest: {
      server: perRequest(mine, responses, (run) => run.cpuMs.server),
      simulator: perRequest(mine, responses, (run) => run.cpuMs.simulator),
      loadGenerator: perRequest(mine, responses, (run) => run.cpuMs.loadGenerator),
    },
  };
}

export async function run(): Promise<void> {
  const connections = knob('CONNECTIONS', 10);
  const durationSec = knob('DURATION', 5);
  const rounds = knob('ROUNDS', 3);
  const shortDurationSec = Math.max(2, Math.round(durationSec * 0.6));
  const profile = profiling();
  const profileDir = profile ? mkdtempSync(join(RESULTS_DIR, '.cpuprof-')) : undefined;

  const sim = await startSimulator();
  let gateway: ChildServer<GatewayInfo> | undefined;
  let baseline: ChildServer<GatewayInfo> | undefined;
  const floors: Partial<Record<'proxy' | 'yoga', ChildServer<{ url: string }>>> = {};
  const baselineDir = baselineSrc();
  const runs: Run[] = [];
  let exact: Record<'rest' | 'gateway' | 'gateway+client', { total: number; byRoute: Record<string, number> }>;
  let ids: string[];
  let sameId: string;
  try {
    ({ gateway, baseline } = await startGatewayAndBaseline(sim.info, {
      nodeArgs: profileDir ? cpuProfileArgs(profileDir) : undefined,
      baselineDir,
    }));
    for (const kind of ['proxy', 'yoga'] as const) {
      floors[kind] = await startChild<{ url: string }>({
        name: `floor-${kind}`,
        script: 'bench/servers/overhead-floor.ts',
        env: { NODE_ENV: 'production', QONTO_API_URL: sim.info.url, FLOOR_KIND: kind },
      });
    }
    ids = await invoicesWithClient(sim.info);
    sameId = await invoiceWithEvents(sim.info, ids);
    const graphql = (query: string, operationName: string) => (id: string) => ({
      body: JSON.stringify({ query, variables: { id }, operationName }),
    });
    const answered = (body: string) =>
      body.startsWith('{"data":{"clientInvoice":{') && body.includes('"einvoicingLifecycleEvents":[') && !body.includes('"errors"');
    const targets: Target[] = [
      {
        name: 'rest',
        url: `${sim.info.url}/v2/client_invoices/${ids[0]}`,
        method: 'GET',
        headers: { authorization: sim.info.authorization },
        request: (id) => ({ path: `/v2/client_invoices/${id}` }),
        verify: (body) => body.startsWith('{"client_invoice":{'),
      },
      {
        name: 'gateway',
        url: `${gateway.info.url}/graphql`,
        method: 'POST',
        headers: { authorization: sim.info.authorization, 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        request: graphql(QUERY, 'Invoice'),
        verify: answered,
      },
    ];
    const withClient: Target = {
      ...targets[1]!,
      name: 'gateway+client',
      request: graphql(QUERY_WITH_CLIENT, 'InvoiceWithClient'),
      verify: (body) => answered(body) && body.includes('"client":{"name"'),
    };
    if (baseline) targets.push({ ...targets[1]!, name: 'baseline', url: `${baseline.info.url}/graphql` });
    const references: Target[] = (['proxy', 'yoga'] as const).map((kind) => ({
      ...targets[1]!,
      name: kind,
      url: `${floors[kind]!.info.url}/graphql`,
    }));
    for (const target of [...targets, withClient, ...references]) {
      for (const id of ids) {
        const answer = await once(target, id);
        if (answer.status !== 200 || !target.verify(answer.text))
          throw new Error(`${target.name} answered ${answer.status} for ${id}: ${answer.text.slice(0, 300)}`);
      }
    }
    exact = {
      rest: await callsOfOne(targets[0]!, sameId, sim.info.statsUrl),
      gateway: await callsOfOne(targets[1]!, sameId, sim.info.statsUrl),
      'gateway+client': await callsOfOne(withClient, sameId, sim.info.statsUrl),
    };

    const measure = async (target: Target, mode: Mode, roundNo: number, conns: number, seconds: number) => {
      let next = 0;
      const pool = mode === 'same' ? [sameId] : ids;
      const requests = pool.map((id) => target.request(id));
      const serverPid =
        target.name === 'rest'
          ? sim.process.pid!
          : target.name === 'baseline'
            ? baseline!.process.pid!
            : target.name === 'proxy' || target.name === 'yoga'
              ? floors[target.name]!.process.pid!
              : gateway!.process.pid!;
      const cpuBefore = { server: cpuTimeMs(serverPid), simulator: cpuTimeMs(sim.process.pid!), loadGenerator: process.cpuUsage() };
      const before = await upstreamStats(sim.info.statsUrl);
      const load = await runLoad({
        url: target.url,
        method: target.method,
        headers: target.headers,
        connections: conns,
        durationSec: seconds,
        setupRequest: (request) => ({ ...request, ...requests[next++ % requests.length] }),
        verifyBody: target.verify,
      });
      const after = await upstreamStats(sim.info.statsUrl);
      const upstreamCalls = statsDelta(before, after).total;
      const spent = (now: number | undefined, then: number | undefined) => (now === undefined || then === undefined ? null : now - then);
      const generator = process.cpuUsage(cpuBefore.loadGenerator);
      const cpuMs = {
        server: spent(cpuTimeMs(serverPid), cpuBefore.server),
        simulator: spent(cpuTimeMs(sim.process.pid!), cpuBefore.simulator),
        loadGenerator: (generator.user + generator.system) / 1000,
      };
      if (roundNo > 0) runs.push({ round: roundNo, mode, target: target.name, connections: conns, load, upstreamCalls, cpuMs });
      console.log(
        `  ${mode.padEnd(8)} ${roundNo === 0 ? 'warm-up' : `round ${roundNo}`} ${target.name.padEnd(8)} c=${conns}: ${load.rps} req/s, p50 ${load.p50} ms, p99 ${load.p99} ms, ` +
          `${round(upstreamCalls / Math.max(1, load.responses), 2)} upstream calls/req` +
          `${load.non2xx + load.errors + load.mismatches > 0 ? ` (non2xx ${load.non2xx}, errors ${load.errors}, mismatches ${load.mismatches})` : ''}`,
      );
    };
    const alternate = async (mode: Mode, conns: number, seconds: number, among: Target[] = targets) => {
      for (let roundNo = 1; roundNo <= rounds; roundNo++) {
        const shift = (roundNo - 1) % among.length;
        const order = [...among.slice(shift), ...among.slice(0, shift)];
        for (const target of order) await measure(target, mode, roundNo, conns, seconds);
      }
    };

    console.log(
      `${ids.length} invoices rotated; ${connections} connections, ${durationSec} s per run, ${rounds} rounds, alternating targets`,
    );
    for (const target of [...targets, ...references]) await measure(target, 'rotating', 0, connections, 3);
    await alternate('rotating', connections, durationSec, [...targets, ...references]);
    console.log(`same invoice (${sameId}) on every request, ${connections} connections, ${shortDurationSec} s per run`);
    await alternate('same', connections, shortDurationSec);
    console.log(`unloaded latency: 1 connection, ${shortDurationSec} s per run`);
    await alternate('unloaded', 1, shortDurationSec);
    console.log(`with the current client (a second GET per query), ${connections} connections, ${shortDurationSec} s per run`);
    await measure(withClient, 'with-client', 0, connections, 2);
    await alternate('with-client', connections, shortDurationSec, [targets[0]!, withClient]);
  } finally {
    await gateway?.stop();
    await baseline?.stop();
    for (const floor of Object.values(floors)) await floor.stop();
    await sim.stop();
  }

  const summaries = (mode: Mode) => ({
    rest: summarise(runs, 'rest', mode),
    gateway: summarise(runs, 'gateway', mode),
    ...(baseline ? { baseline: summarise(runs, 'baseline', mode) } : {}),
  });
  const loaded = summaries('rotating');
  const same = summaries('same');
  const unloaded = summaries('unloaded');
  const floorProxy = summarise(runs, 'proxy', 'rotating');
  const floorYoga = summarise(runs, 'yoga', 'rotating');
  const clientRest = summarise(runs, 'rest', 'with-client');
  const clientGateway = summarise(runs, 'gateway+client', 'with-client');
  const ratioWithClient = round(clientGateway.rps / clientRest.rps, 3);
  const ratio = round(loaded.gateway.rps / loaded.rest.rps, 3);
  const ratioSame = round(same.gateway.rps / same.rest.rps, 3);
  const addedP50 = round(loaded.gateway.p50 - loaded.rest.p50, 3);
  const addedP99 = round(loaded.gateway.p99 - loaded.rest.p99, 3);
  const addedP50Unloaded = round(unloaded.gateway.p50 - unloaded.rest.p50, 3);
  const addedP99Unloaded = round(unloaded.gateway.p99 - unloaded.rest.p99, 3);

  const row = (label: string, conns: number, s: ReturnType<typeof summarise>, calls: number): Row => ({
    target: label,
    connections: conns,
    'req/s (median)': s.rps,
    'p50 ms': s.p50,
    'p99 ms': s.p99,
    'upstream calls/req (one request)': calls,
    'upstream calls/req (measured)': s.upstreamPerRequest,
    'CPU µs/req: server': s.cpuUsPerRequest.server,
    'CPU µs/req: simulator': s.cpuUsPerRequest.simulator,
    'CPU µs/req: load gen.': s.cpuUsPerRequest.loadGenerator,
    responses: s.responses,
    'non-2xx': s.non2xx,
    'errors+mismatches': s.errors + s.mismatches,
  });
  printTable(`query-overhead: clientInvoice(id) via the gateway vs GET /v2/client_invoices/{id} direct (medians of ${rounds} rounds)`, [
    row('REST direct, rotating ids', connections, loaded.rest, exact.rest.total),
    row('gateway, rotating ids', connections, loaded.gateway, exact.gateway.total),
    row('reference: hand-written node:http proxy, rotating ids', connections, floorProxy, exact.rest.total),
    row('reference: bare graphql-yoga, rotating ids', connections, floorYoga, exact.rest.total),
    row('REST direct, same id', connections, same.rest, exact.rest.total),
    row('gateway, same id (in-flight GETs shared)', connections, same.gateway, exact.gateway.total),
    row('REST direct, unloaded', 1, unloaded.rest, exact.rest.total),
    row('gateway, unloaded', 1, unloaded.gateway, exact.gateway.total),
    row('REST direct (1 GET), beside the next row', connections, clientRest, exact.rest.total),
    row('gateway + current client (2 GETs)', connections, clientGateway, exact['gateway+client'].total),
    ...(loaded.baseline && same.baseline && unloaded.baseline
      ? [
          row('baseline gateway, rotating ids', connections, loaded.baseline, exact.gateway.total),
          row('baseline gateway, same id', connections, same.baseline, exact.gateway.total),
          row('baseline gateway, unloaded', 1, unloaded.baseline, exact.gateway.total),
        ]
      : []),
  ]);
  if (loaded.baseline && unloaded.baseline) {
    printTable(`query-overhead: this gateway vs the baseline (${baselineDir}), same run`, [
      {
        measure: `req/s, ${connections} connections, rotating ids`,
        baseline: loaded.baseline.rps,
        current: loaded.gateway.rps,
        'current/baseline': round(loaded.gateway.rps / loaded.baseline.rps, 3),
      },
      {
        measure: `p50 ms, ${connections} connections, rotating ids`,
        baseline: loaded.baseline.p50,
        current: loaded.gateway.p50,
        'current/baseline': round(loaded.gateway.p50 / loaded.baseline.p50, 3),
      },
      {
        measure: 'req/s, 1 connection',
        baseline: unloaded.baseline.rps,
        current: unloaded.gateway.rps,
        'current/baseline': round(unloaded.gateway.rps / unloaded.baseline.rps, 3),
      },
      {
        measure: 'p50 ms, 1 connection',
        baseline: unloaded.baseline.p50,
        current: unloaded.gateway.p50,
        'current/baseline': round(unloaded.gateway.p50 / unloaded.baseline.p50, 3),
      },
    ]);
  }
  const verdicts: Row[] = [
    {
      check: `throughput gateway/REST, ${connections} connections, rotating ids`,
      value: ratio,
      target: `>= ${MIN_THROUGHPUT_RATIO}`,
      met: ratio >= MIN_THROUGHPUT_RATIO,
    },
    {
      check: `added p50 (ms), ${connections} connections, rotating ids`,
      value: addedP50,
      target: `<= ${MAX_ADDED_P50_MS}`,
      met: addedP50 <= MAX_ADDED_P50_MS,
    },
    { check: `added p99 (ms), ${connections} connections, rotating ids`, value: addedP99, target: '(report only)', met: null },
    {
      check: 'added p50 (ms), 1 connection (unloaded)',
      value: addedP50Unloaded,
      target: `<= ${MAX_ADDED_P50_MS}`,
      met: addedP50Unloaded <= MAX_ADDED_P50_MS,
    },
    { check: 'added p99 (ms), 1 connection (unloaded)', value: addedP99Unloaded, target: '(report only)', met: null },
    { check: `throughput gateway/REST, ${connections} connections, same id`, value: ratioSame, target: '(report only)', met: null },
    {
      check: `throughput of the references/REST, ${connections} connections: hand-written proxy, bare yoga`,
      value: `${round(floorProxy.rps / loaded.rest.rps, 3)}, ${round(floorYoga.rps / loaded.rest.rps, 3)}`,
      target: '(report only)',
      met: null,
    },
    {
      check: `added p50 (ms) of the references, ${connections} connections: hand-written proxy, bare yoga`,
      value: `${round(floorProxy.p50 - loaded.rest.p50, 3)}, ${round(floorYoga.p50 - loaded.rest.p50, 3)}`,
      target: '(report only)',
      met: null,
    },
    {
      check: `gateway CPU per query / bare yoga's, ${connections} connections`,
      value: ratioOrNull(loaded.gateway.cpuUsPerRequest.server, floorYoga.cpuUsPerRequest.server),
      target: '(report only)',
      met: null,
    },
    {
      check: `throughput gateway + current client (2 GETs)/REST (1 GET), ${connections} connections`,
      value: ratioWithClient,
      target: '(report only)',
      met: null,
    },
    {
      check: 'upstream calls per query, gateway vs REST',
      value: `${exact.gateway.total} vs ${exact.rest.total}`,
      target: 'equal',
      met: exact.gateway.total === exact.rest.total,
    },
  ];
  printTable('query-overhead: targets', verdicts);
  const describeCalls = (calls: { byRoute: Record<string, number> }) =>
    Object.entries(calls.byRoute)
      .map(([route, count]) => `${count}× ${route}`)
      .join(', ');
  console.log(
    `Note: per query the gateway makes ${describeCalls(exact.gateway)} (REST: ${describeCalls(exact.rest)}); with the current client, ` +
      `${describeCalls(exact['gateway+client'])}, one after the other (the client id is only known once the invoice is read). ` +
      'Under load, concurrent queries for the same invoice or client share one in-flight GET, hence fewer measured calls per query than that.',
  );

  let profileSummary: ProfileSummary | undefined;
  if (profileDir && gateway) {
    const destination = join(RESULTS_DIR, `${SCENARIO}-gateway.cpuprofile`);
    if (collectMainThreadProfile(profileDir, gateway.process.pid!, destination)) {
      profileSummary = summariseProfile(destination);
      printProfileSummary('gateway CPU profile', profileSummary);
      console.log(PROFILE_NOTE);
    } else console.log(`no CPU profile found in ${profileDir}`);
  }

  const file = writeResult(SCENARIO, {
    query: QUERY,
    queryWithClient: QUERY_WITH_CLIENT,
    invoiceIds: ids!,
    sameInvoiceId: sameId!,
    settings: { connections, durationSec, shortDurationSec, rounds, profiled: profile, baseline: baselineDir ?? null },
    upstreamCallsPerRequest: exact!,
    loaded,
    sameInvoice: same,
    unloaded,
    withClient: { rest: clientRest, gateway: clientGateway },
    references: { proxy: floorProxy, yoga: floorYoga },
    ratios: {
      throughputGatewayOverRest: ratio,
      throughputGatewayOverRestSameInvoice: ratioSame,
      addedP50Ms: addedP50,
      addedP99Ms: addedP99,
      addedP50MsUnloaded: addedP50Unloaded,
      addedP99MsUnloaded: addedP99Unloaded,
      throughputGatewayWithClientOverRest: ratioWithClient,
      throughputProxyOverRest: round(floorProxy.rps / loaded.rest.rps, 3),
      throughputYogaOverRest: round(floorYoga.rps / loaded.rest.rps, 3),
      addedP50MsProxy: round(floorProxy.p50 - loaded.rest.p50, 3),
      addedP50MsYoga: round(floorYoga.p50 - loaded.rest.p50, 3),
    },
    targets: {
      throughputRatio: { target: MIN_THROUGHPUT_RATIO, value: ratio, met: ratio >= MIN_THROUGHPUT_RATIO },
      addedP50Ms: { target: MAX_ADDED_P50_MS, value: addedP50, met: addedP50 <= MAX_ADDED_P50_MS },
      addedP50MsUnloaded: { target: MAX_ADDED_P50_MS, value: addedP50Unloaded, met: addedP50Unloaded <= MAX_ADDED_P50_MS },
    },
    runs: runs.map((r) => ({
      round: r.round,
      mode: r.mode,
      target: r.target,
      connections: r.connections,
      upstreamCalls: r.upstreamCalls,
      cpuMs: r.cpuMs,
      ...r.load,
    })),
    ...(profileSummary ? { profile: profileSummary } : {}),
  });
  console.log(`\nwrote ${file}`);
}
