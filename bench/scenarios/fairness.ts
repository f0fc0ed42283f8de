/**
 * fairness: one credential far over its share of Qonto's quota must not slow another down, the
 * gateway must never send Qonto more than `QONTO_RATE_LIMIT` requests per 10 s, and a hung Qonto
 * must cost a request well under a second once the circuit breaker is open.
 *
 * Simulator and gateway run in child processes; both load generators run here, in one process.
 * Every query is `clientInvoice(id) { id status }`: exactly one Qonto GET.
 *
 * 1. unloaded: the trickle credential (organisation 1) alone, one query every BENCH_TRICKLE_MS.
 * 2. loaded: the same trickle, while the greedy credential (organisation 0) fires queries open-loop
 *    at ten times its share (its share: `QONTO_RATE_LIMIT × QONTO_CREDENTIAL_SHARE_PERCENT` per 10 s).
 *    Target: the trickle's p99 within 2× of its unloaded p99, no trickle error, and the simulator
 *    never sees more than `QONTO_RATE_LIMIT` requests in any 10 s window (it also enforces that
 *    limit per address, so a 429 would show an overshoot).
 * 3. breaker: the simulator hangs every request; queries run one after another until the breaker
 *    opens, then BENCH_OPEN_QUERIES more are timed. Target: each fails in under 1 s. Then the hang
 *    is lifted and the time until a query succeeds again is measured.
 *
 * Knobs: BENCH_RATE_LIMIT (100 per 10 s, kept low so that a short run crosses the windows),
 * BENCH_TRICKLE_MS (500), BENCH_UNLOADED_SEC (20), BENCH_LOADED_SEC (30), BENCH_OPEN_QUERIES (50),
 * BENCH_TIMEOUT_MS (1000: the gateway's per-attempt Qonto timeout during the breaker phase).
 */
import { Agent, request } from 'undici';
import { knob, sleep } from '../lib/args.js';
import {
  type ChildServer,
  type GatewayInfo,
  type SimulatorInfo,
  setSimulatorFaults,
  startGateway,
  startSimulator,
  upstreamWindow,
} from '../lib/children.js';
import { median, percentile, printTable, round, type Row, writeResult } from '../lib/report.js';

const SCENARIO = 'fairness';
const QUERY = 'query Fair($id: ID!) { clientInvoice(id: $id) { id status } }';
const SHARE_PERCENT = 50;
const BREAKER_FAILURES = 5;
const BREAKER_OPEN_MS = 3000;

/** How one GraphQL query ended. */
interface Outcome {
  ms: number;
  /** `ok`, or the first error's `extensions.code`. */
  result: string;
}

async function query(gateway: GatewayInfo, agent: Agent, authorization: string, id: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await request(`${gateway.url}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { id } }),
    });
    const parsed = (await response.body.json()) as {
      data?: { clientInvoice: { id: string } | null };
      errors?: Array<{ extensions?: { code?: string } }>;
    };
    const ms = performance.now() - started;
    if (parsed.errors?.length) return { ms, result: parsed.errors[0]?.extensions?.code ?? 'ERROR' };
    return { ms, result: parsed.data?.clientInvoice?.id === id ? 'ok' : 'wrong-data' };
  } catch (error) {
    return { ms: performance.now() - started, result: `transport:${(error as Error).name}` };
  }
}

/** Fires `fire()` every `periodMs` for `durationMs` (open loop: never waits for answers), at most `maxOutstanding` pending. */
async function openLoop(
  periodMs: number,
  durationMs: number,
  maxOutstanding: number,
  fire: () => Promise<Outcome>,
): Promise<{ outcomes: Outcome[]; skipped: number }> {
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  const started = performance.now();
  for (let i = 0; ; i++) {
    const due = started + i * periodMs;
    if (due - started >= durationMs) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (pending.size >= maxOutstanding) {
      skipped++;
      continue;
    }
    const task = fire().then((outcome) => void outcomes.push(outcome));
    pending.add(task);
    void task.finally(() => pending.delete(task));
  }
  await Promise.all(pending);
  return { outcomes, skipped };
}

function summarise(outcomes: readonly Outcome[]) {
  const ok = outcomes.filter((outcome) => outcome.result === 'ok').map((outcome) => outcome.ms);
  const byResult: Record<string, number> = {};
  for (const outcome of outcomes) byResult[outcome.result] = (byResult[outcome.result] ?? 0) + 1;
  return { count: outcomes.length, byResult, p50: round(median(ok)), p99: round(percentile(ok, 99)), max: round(Math.max(...ok)) };
}

async function invoiceIdOf(sim: SimulatorInfo, authorization: string): Promise<string> {
  const response = await request(`${sim.url}/v2/client_invoices?per_page=1`, { headers: { authorization } });
  const body = (await response.body.json()) as { client_invoices: Array<{ id: string }> };
  const id = body.client_invoices[0]?.id;
  if (!id) throw new Error('the simulator has no invoice for this organisation');
  return id;
}

/** Runs the scenario and writes bench/results/fairness.json. */
export async function run(): Promise<void> {
  const rateLimit = knob('RATE_LIMIT', 100);
  const trickleMs = knob('TRICKLE_MS', 500);
  const unloadedSec = knob('UNLOADED_SEC', 20);
  const loadedSec = knob('LOADED_SEC', 30);
  const openQueries = knob('OPEN_QUERIES', 50);
  const timeoutMs = knob('TIMEOUT_MS', 1000);
  const greedyShare = (rateLimit * SHARE_PERCENT) / 100;
  const greedyPeriodMs = 10_000 / (greedyShare * 10);

  const simulator: ChildServer<SimulatorInfo> = await startSimulator({ perTenSeconds: rateLimit });
  const sim = simulator.info;
  let gateway: ChildServer<GatewayInfo> | undefined;
  const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  try {
    gateway = await startGateway({
      qontoApiUrl: sim.url,
      webhookSecret: sim.webhookSecret,
      env: {
        QONTO_RATE_LIMIT: String(rateLimit),
        QONTO_CREDENTIAL_SHARE_PERCENT: String(SHARE_PERCENT),
        QONTO_TIMEOUT_MS: String(timeoutMs),
        QONTO_BREAKER_FAILURES: String(BREAKER_FAILURES),
        QONTO_BREAKER_OPEN_MS: String(BREAKER_OPEN_MS),
      },
    });
    const [greedyAuth, trickleAuth] = sim.authorizations as [string, string];
    const greedyId = await invoiceIdOf(sim, greedyAuth);
    const trickleId = await invoiceIdOf(sim, trickleAuth);
    const trickle = () => query(gateway!.info, agent, trickleAuth, trickleId);
    const greedy = () => query(gateway!.info, agent, greedyAuth, greedyId);
    // The two calls above, and warm-up, must leave the windows before the measured phases.
    for (let i = 0; i < 3; i++) await trickle();
    await sleep(10_500);

    console.log(`unloaded: trickle alone for ${unloadedSec} s`);
    const unloadedSince = Date.now();
    const unloaded = await openLoop(trickleMs, unloadedSec * 1000, 1000, trickle);
    const unloadedUpstream = await upstreamWindow(sim, unloadedSince);
    await sleep(10_500);

    console.log(`loaded: greedy at ${round(10 * greedyShare)} queries per 10 s (10x its share) plus the trickle, ${loadedSec} s`);
    const loadedSince = Date.now();
    const [loadedTrickle, loadedGreedy] = await Promise.all([
      openLoop(trickleMs, loadedSec * 1000, 1000, trickle),
      openLoop(greedyPeriodMs, loadedSec * 1000, 2000, greedy),
    ]);
    const loadedUpstream = await upstreamWindow(sim, loadedSince);
    await sleep(10_500);

    console.log('breaker: the simulator hangs every request');
    await setSimulatorFaults(sim, { hangNext: { count: 1_000_000 } }, true);
    const untilOpen: Outcome[] = [];
    for (let i = 0; i < 20; i++) {
      const outcome = await greedy();
      untilOpen.push(outcome);
      if (outcome.ms < 1000 && outcome.result !== 'ok') break;
    }
    const open: Outcome[] = [];
    for (let i = 0; i < openQueries; i++) open.push(await greedy());
    await setSimulatorFaults(sim, {}, true);
    const liftedAt = performance.now();
    let recoveredMs = Number.NaN;
    for (let i = 0; i < 200; i++) {
      const outcome = await greedy();
      if (outcome.result === 'ok') {
        recoveredMs = performance.now() - liftedAt;
        break;
      }
      await sleep(100);
    }

    const unloadedSummary = summarise(unloaded.outcomes);
    const trickleSummary = summarise(loadedTrickle.outcomes);
    const greedySummary = summarise(loadedGreedy.outcomes);
    const openSummary = {
      count: open.length,
      byResult: summarise(open).byResult,
      p50: round(median(open.map((o) => o.ms))),
      max: round(Math.max(...open.map((o) => o.ms))),
    };
    const p99Ratio = round(trickleSummary.p99 / unloadedSummary.p99);
    const targets = {
      trickleP99WithinTwiceUnloaded: p99Ratio <= 2,
      noTrickleError: (trickleSummary.byResult['ok'] ?? 0) === trickleSummary.count,
      upstreamNeverOverLimit: loadedUpstream.maxPerTenSeconds <= rateLimit && !loadedUpstream.byStatus['429'],
      openBreakerUnderOneSecond: openSummary.count > 0 && openSummary.max < 1000,
    };

    const rows: Row[] = [
      {
        phase: 'unloaded',
        who: 'trickle',
        queries: unloadedSummary.count,
        ok: unloadedSummary.byResult['ok'] ?? 0,
        'p50 ms': unloadedSummary.p50,
        'p99 ms': unloadedSummary.p99,
        'upstream peak /10 s': unloadedUpstream.maxPerTenSeconds,
      },
      {
        phase: 'loaded',
        who: 'trickle',
        queries: trickleSummary.count,
        ok: trickleSummary.byResult['ok'] ?? 0,
        'p50 ms': trickleSummary.p50,
        'p99 ms': trickleSummary.p99,
        'upstream peak /10 s': loadedUpstream.maxPerTenSeconds,
      },
      {
        phase: 'loaded',
        who: 'greedy',
        queries: greedySummary.count,
        ok: greedySummary.byResult['ok'] ?? 0,
        'p50 ms': greedySummary.p50,
        'p99 ms': greedySummary.p99,
        'upstream peak /10 s': '',
      },
      {
        phase: 'breaker open',
        who: 'greedy',
        queries: openSummary.count,
        ok: openSummary.byResult['ok'] ?? 0,
        'p50 ms': openSummary.p50,
        'p99 ms': openSummary.max,
        'upstream peak /10 s': '',
      },
    ];
    printTable(`fairness (QONTO_RATE_LIMIT=${rateLimit} per 10 s, share ${SHARE_PERCENT}%)`, rows);
    console.log(
      `trickle p99 loaded / unloaded: ${p99Ratio}x; greedy answers: ${JSON.stringify(greedySummary.byResult)}; upstream answers while loaded: ${JSON.stringify(loadedUpstream.byStatus)}`,
    );
    console.log(
      `breaker: ${untilOpen.length} queries until open (last ${round(untilOpen.at(-1)?.ms ?? Number.NaN)} ms); open answers ${JSON.stringify(openSummary.byResult)}, max ${openSummary.max} ms; recovered ${round(recoveredMs)} ms after the hang was lifted`,
    );
    console.log(`targets: ${JSON.stringify(targets)}`);
    const file = writeResult(SCENARIO, {
      settings: {
        rateLimit,
        sharePercent: SHARE_PERCENT,
        trickleMs,
        greedyPeriodMs: round(greedyPeriodMs),
        unloadedSec,
        loadedSec,
        timeoutMs,
        breakerFailures: BREAKER_FAILURES,
        breakerOpenMs: BREAKER_OPEN_MS,
      },
      unloaded: { trickle: unloadedSummary, upstream: unloadedUpstream },
      loaded: {
        trickle: trickleSummary,
        greedy: { ...greedySummary, skipped: loadedGreedy.skipped },
        upstream: loadedUpstream,
        trickleP99Ratio: p99Ratio,
      },
      breaker: {
        untilOpen: untilOpen.map((o) => ({ ms: round(o.ms), result: o.result })),
        open: openSummary,
        recoveredMs: round(recoveredMs),
      },
      targets,
    });
    console.log(`wrote ${file}`);
  } finally {
    await agent.close();
    await gateway?.stop();
    await simulator.stop();
  }
}
