/**
 * `npm run bench -- fanout`: live lifecycle fan-out at 10,000 concurrent graphql-ws subscriptions
 * in ONE gateway process, compared side by side (same run, same client load, same metrics) with a
 * bare graphql-yoga + graphql-ws server publishing the same payload through yoga's pub/sub.
 *
 * Processes (all children are stopped by pid at the end, also on error/Ctrl-C):
 * - bench/servers/fanout-simulator.ts: the Qonto simulator (manual clock: only our trigger appends
 *   events; rate limits raised), plus FANOUT_TENANTS organisations cloned from the demo one;
 * - bench/servers/fanout-gateway.ts: our gateway (NODE_ENV=production, LOG_LEVEL=warn,
 *   --expose-gc), forward auth against the simulator, webhooks registered to it;
 * - bench/servers/fanout-bare.ts: the bare baseline;
 * - this process: the client load (graphql-ws clients over `ws`) and the measurements.
 *
 * Load (defaults): 10,000 subscriptions. 1,000 on ONE invoice with ONE credential (the hot
 * invoice), one per WebSocket (1,000 connections: 1,000 users on the same invoice); the other
 * 9,000 spread over FANOUT_TENANTS=100 other organisations (one credential each) × 30 invoices × 3
 * subscribers, multiplexed 10 per WebSocket (900 connections). 1,900 connections in all.
 *
 * Measures, per target: subscription set-up time and upstream calls it cost; RSS and heap after
 * full GCs with 0 subscriptions (after a warm-up), with the connections open, and with every
 * subscription live (per connection and per subscription); then FANOUT_TRIGGERS lifecycle events
 * on the hot invoice, one at a time: for the gateway an event appended in the simulator (which
 * sends its signed webhook), for the bare server a POST /publish of the same payload the gateway
 * delivered. For each: latency from the trigger to each of the 1,000 messages (p50/p99/max),
 * messages/s, and, for the gateway, webhook arrival delay and upstream GETs of the hot invoice.
 *
 * Knobs: FANOUT_SUBS, FANOUT_HOT, FANOUT_HOT_PER_CONN, FANOUT_SUBS_PER_CONN, FANOUT_TENANTS,
 * FANOUT_INVOICES_PER_TENANT, FANOUT_TRIGGERS, FANOUT_POLL_MS (the gateway's
 * LIFECYCLE_POLL_INTERVAL_MS, default 10 min so that no reconciliation poll lands in a trigger
 * window), FANOUT_TARGETS ("gateway bare"), FANOUT_TIMEOUT_S, FANOUT_PROFILE=1,
 * FANOUT_HEAP_SNAPSHOTS=<dir>, FANOUT_LABEL=x (writes bench/results/fanout-x.json).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectGarbageSummary, kb, mb, type MemorySample } from '../lib/fanout-memory.js';
import { openConnections, subscribeAll, type PlannedConnection, type ReceivedMessage } from '../lib/fanout-clients.js';
import { forkChild, nowMs, type FanoutChild } from '../lib/fanout-ipc.js';
import { median, percentile, printTable, RESULTS_DIR, round, writeResult, type Row } from '../lib/report.js';

const SERVERS = join(fileURLToPath(import.meta.url), '..', '..', 'servers');
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

const CONFIG = {
  subscriptions: env('FANOUT_SUBS', 10_000),
  hot: env('FANOUT_HOT', 1_000),
  hotPerConnection: env('FANOUT_HOT_PER_CONN', 1),
  perConnection: env('FANOUT_SUBS_PER_CONN', 10),
  tenants: env('FANOUT_TENANTS', 100),
  invoicesPerTenant: env('FANOUT_INVOICES_PER_TENANT', 30),
  triggers: env('FANOUT_TRIGGERS', 6),
  pollIntervalMs: env('FANOUT_POLL_MS', 600_000),
  timeoutS: env('FANOUT_TIMEOUT_S', 300),
  targets: (process.env['FANOUT_TARGETS'] ?? 'gateway bare').split(/[\s,]+/).filter(Boolean) as Array<'gateway' | 'bare'>,
};
/** FANOUT_HEAP_SNAPSHOTS=<dir>: heap snapshots of the server with 0 and with N subscriptions (slow). */
const SNAPSHOTS = process.env['FANOUT_HEAP_SNAPSHOTS'];
/** FANOUT_PROFILE=1: CPU profile of the server over the trigger windows → bench/results/fanout-<target>-triggers.cpuprofile. */
const PROFILE = process.env['FANOUT_PROFILE'] === '1';
const STATUS_CODES = ['200', '201', '202', '203', '204', '205', '207', '208', '211', '212'];

interface Setup {
  hot: { organizationId: string; authorization: string; invoiceId: string };
  tenants: Array<{ organizationId: string; authorization: string; invoiceIds: string[] }>;
}

interface SimRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

/** The connections: hot ones first (FANOUT_HOT_PER_CONN each), then each tenant's, FANOUT_SUBS_PER_CONN each. */
function buildPlan(setup: Setup): PlannedConnection[] {
  const plan: PlannedConnection[] = [];
  for (let i = 0; i < CONFIG.hot; i += CONFIG.hotPerConnection) {
    const count = Math.min(CONFIG.hotPerConnection, CONFIG.hot - i);
    plan.push({
      authorization: setup.hot.authorization,
      subscriptions: Array.from({ length: count }, () => ({ invoiceId: setup.hot.invoiceId, hot: true })),
    });
  }
  let remaining = CONFIG.subscriptions - CONFIG.hot;
  const perTenant = Math.ceil(remaining / setup.tenants.length);
  for (const tenant of setup.tenants) {
    const entries: string[] = [];
    for (let i = 0; entries.length < Math.min(perTenant, remaining); i++) entries.push(tenant.invoiceIds[i % tenant.invoiceIds.length]!);
    remaining -= entries.length;
    for (let i = 0; i < entries.length; i += CONFIG.perConnection) {
      plan.push({
        authorization: tenant.authorization,
        subscriptions: entries.slice(i, i + CONFIG.perConnection).map((invoiceId) => ({ invoiceId, hot: false })),
      });
    }
  }
  return plan;
}

interface TriggerResult {
  index: number;
  statusCode: string;
  delivered: number;
  wrongPayload: number;
  unexpected: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  messagesPerSec: number;
  /** Gateway only: trigger → webhook POST arriving at the gateway. */
  webhookArrivalMs: number | null;
  /** Gateway only: trigger → the gateway's GET of the hot invoice arriving at the simulator (ms resolution). */
  refetchArrivalMs: number | null;
  hotInvoiceGets: number | null;
  allUpstreamCalls: number | null;
  /** CPU time of the server process (gateway or bare) from the trigger to the last message (includes the IPC stats calls around it). */
  serverCpuMs: number;
  simulatorCpuMs: number | null;
  /** CPU time of this process (the clients) over the same window. */
  clientCpuMs: number;
}

interface TargetResult {
  target: 'gateway' | 'bare';
  connections: number;
  subscriptions: number;
  connectSeconds: number;
  subscribeSeconds: number;
  subscribesPerSecond: number;
  setupUpstream: Record<string, number> | null;
  memory: { idle0: MemorySample; connections: MemorySample; subscribed: MemorySample; afterClose: MemorySample };
  perConnectionKB: { rss: number; heapUsed: number };
  perSubscriptionKB: { rss: number; heapUsed: number; rssExcludingConnections: number; heapExcludingConnections: number };
  stats: unknown;
  statsAfterClose: unknown;
  problems: string[];
  triggers: TriggerResult[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function routeOf(request: SimRequest): string {
  return `${request.method} ${request.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}')}`;
}

function countRoutes(requests: SimRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[routeOf(request)] = (counts[routeOf(request)] ?? 0) + 1;
  return counts;
}

async function measureTarget(
  target: 'gateway' | 'bare',
  server: FanoutChild,
  sim: FanoutChild,
  setup: Setup,
  plan: PlannedConnection[],
  payloads: Array<Record<string, unknown> | null>,
): Promise<TargetResult> {
  const wsUrl = `${String(server.ready['url']).replace('http', 'ws')}/graphql`;
  const phaseStart = performance.now();
  const phase = (name: string) => console.log(`  ${target}: ${name} at ${round((performance.now() - phaseStart) / 1000, 1)} s`);
  const total = plan.reduce((sum, connection) => sum + connection.subscriptions.length, 0);
  const hotTotal = plan.reduce((sum, connection) => sum + connection.subscriptions.filter((s) => s.hot).length, 0);

  // Warm-up: a few connections and subscriptions of the plan, then closed, so that lazily loaded
  // code and JIT output do not count as per-subscription memory.
  const warmPlan = [plan[0]!, ...plan.slice(-10)];
  const warm = await openConnections(wsUrl, warmPlan);
  const warmOff = subscribeAll(warm, warmPlan, () => undefined);
  const warmCount = warmPlan.reduce((sum, connection) => sum + connection.subscriptions.length, 0);
  await server.call('waitSubscribers', { count: warmCount, timeoutMs: 30_000 });
  warmOff();
  await warm.close();
  await server.call('waitEmpty', { timeoutMs: 30_000 });
  await sleep(500);
  const idle0 = collectGarbageSummary(await server.call<NodeJS.MemoryUsage>('memory'));
  if (SNAPSHOTS) await server.call('heapSnapshot', { path: join(SNAPSHOTS, `fanout-${target}-0.heapsnapshot`) }, 600_000);
  phase('warmed up');

  // Connections, then subscriptions.
  const setupMark = await sim.call<number>('mark');
  let started = performance.now();
  const load = await openConnections(wsUrl, plan);
  const connectSeconds = (performance.now() - started) / 1000;
  await sleep(500);
  const connections = collectGarbageSummary(await server.call<NodeJS.MemoryUsage>('memory'));

  let window: {
    statusCode: string;
    times: number[];
    wrong: number;
    unexpected: number;
    errors: number;
    payload: Record<string, unknown> | null;
    done: () => void;
  } | null = null;
  let stray = 0;
  const onMessage = (message: ReceivedMessage) => {
    if (!window) return void stray++;
    if (message.errors) window.errors++;
    if (!message.hot) return void window.unexpected++;
    const update = (message.data as { clientInvoiceLifecycle?: { event?: { statusCode?: number } } } | null)?.clientInvoiceLifecycle;
    if (String(update?.event?.statusCode) !== window.statusCode) window.wrong++;
    window.payload ??= (update as Record<string, unknown> | undefined) ?? null;
    window.times.push(message.at);
    if (window.times.length >= hotTotal) window.done();
  };
  started = performance.now();
  const unsubscribe = subscribeAll(load, plan, onMessage);
  const ready = await server.call<{ ok: boolean; stats: unknown }>('waitSubscribers', { count: total, timeoutMs: 180_000 }, 200_000);
  const subscribeSeconds = (performance.now() - started) / 1000;
  if (!ready.ok)
    throw new Error(`${target}: only ${JSON.stringify(ready.stats)} after 180 s (problems: ${load.problems.slice(0, 3).join(' | ')})`);
  const setupRequests = target === 'gateway' ? await sim.call<SimRequest[]>('requestsSince', { mark: setupMark }) : [];
  await sleep(1000);
  const subscribed = collectGarbageSummary(await server.call<NodeJS.MemoryUsage>('memory'));
  const stats = await server.call('stats');
  if (SNAPSHOTS) await server.call('heapSnapshot', { path: join(SNAPSHOTS, `fanout-${target}-${total}.heapsnapshot`) }, 600_000);
  console.log(
    `${target}: ${total} subscriptions on ${plan.length} connections; connect ${round(connectSeconds, 1)} s, subscribe ${round(subscribeSeconds, 1)} s; RSS ${mb(idle0.rss)} → ${mb(connections.rss)} → ${mb(subscribed.rss)} MB`,
  );

  phase('subscribed');
  if (PROFILE) await server.call('profileStart');
  const triggers: TriggerResult[] = [];
  for (let index = 0; index < CONFIG.triggers; index++) {
    const statusCode = STATUS_CODES[index % STATUS_CODES.length]!;
    const mark = await sim.call<number>('mark');
    const wallBefore = nowMs();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    window = { statusCode, times: [], wrong: 0, unexpected: 0, errors: 0, payload: null, done: finish };
    const current = window;
    const cpuBefore = await Promise.all([server.call<NodeJS.CpuUsage>('cpu'), sim.call<NodeJS.CpuUsage>('cpu')]);
    const clientCpuBefore = process.cpuUsage();
    const t0 = performance.now();
    const wall0 = nowMs();
    if (target === 'gateway') {
      await sim.call('trigger', { organizationId: setup.hot.organizationId, invoiceId: setup.hot.invoiceId, statusCode });
    } else {
      const payload = payloads[index] ?? syntheticPayload(setup.hot.invoiceId, statusCode, index);
      const response = await fetch(`${String(server.ready['url'])}/publish?id=${setup.hot.invoiceId}`, {
        method: 'POST',
        body: JSON.stringify(payload),
        headers: { 'content-type': 'application/json' },
      });
      await response.arrayBuffer();
    }
    const timedOut = await Promise.race([finished.then(() => false), sleep(30_000).then(() => true)]);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const cpuAfter = await Promise.all([server.call<NodeJS.CpuUsage>('cpu'), sim.call<NodeJS.CpuUsage>('cpu')]);
    const cpuMs = (before: NodeJS.CpuUsage, after: NodeJS.CpuUsage) =>
      round((after.user + after.system - before.user - before.system) / 1000, 1);
    await sleep(500); // late or extra messages
    window = null;
    if (timedOut) console.warn(`${target}: trigger ${index}: only ${current.times.length}/${hotTotal} messages within 30 s`);
    if (target === 'gateway') payloads[index] = current.payload;
    const latencies = current.times.map((time) => time - t0);
    const last = latencies.length ? Math.max(...latencies) : Number.NaN;
    let webhookArrivalMs: number | null = null;
    let refetchArrivalMs: number | null = null;
    let hotInvoiceGets: number | null = null;
    let allUpstreamCalls: number | null = null;
    if (target === 'gateway') {
      const arrivals = await server.call<number[]>('webhookArrivalsSince', { since: wallBefore });
      webhookArrivalMs = arrivals.length ? round(arrivals[0]! - wall0, 2) : null;
      const requests = await sim.call<SimRequest[]>('requestsSince', { mark });
      const hotGets = requests.filter((r) => r.method === 'GET' && r.path === `/v2/client_invoices/${setup.hot.invoiceId}`);
      hotInvoiceGets = hotGets.length;
      allUpstreamCalls = requests.length;
      refetchArrivalMs = hotGets.length ? round(hotGets[0]!.at - wall0, 0) : null;
    }
    triggers.push({
      index,
      statusCode,
      delivered: current.times.length,
      wrongPayload: current.wrong,
      unexpected: current.unexpected,
      errors: current.errors,
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      minMs: round(Math.min(...latencies), 2),
      maxMs: round(last, 2),
      messagesPerSec: round(current.times.length / (last / 1000), 0),
      webhookArrivalMs,
      refetchArrivalMs,
      hotInvoiceGets,
      allUpstreamCalls,
      serverCpuMs: cpuMs(cpuBefore[0], cpuAfter[0]),
      simulatorCpuMs: target === 'gateway' ? cpuMs(cpuBefore[1], cpuAfter[1]) : null,
      clientCpuMs: round((clientCpu.user + clientCpu.system) / 1000, 1),
    });
    await sleep(1000);
  }

  if (PROFILE)
    console.log(
      `  ${target}: CPU profile of the trigger windows: ${await server.call<string>('profileStop', { path: join(RESULTS_DIR, `fanout-${target}-triggers.cpuprofile`) })}`,
    );
  phase('triggers done');
  unsubscribe();
  await load.close();
  const empty = await server.call<{ ok: boolean; stats: unknown }>('waitEmpty', { timeoutMs: 60_000 });
  await sleep(500);
  const afterClose = collectGarbageSummary(await server.call<NodeJS.MemoryUsage>('memory'));
  phase('closed');
  const connectionsCount = plan.length;
  return {
    target,
    connections: connectionsCount,
    subscriptions: total,
    connectSeconds: round(connectSeconds, 2),
    subscribeSeconds: round(subscribeSeconds, 2),
    subscribesPerSecond: round(total / subscribeSeconds, 0),
    setupUpstream: target === 'gateway' ? countRoutes(setupRequests) : null,
    memory: { idle0, connections, subscribed, afterClose },
    perConnectionKB: {
      rss: kb((connections.rss - idle0.rss) / connectionsCount),
      heapUsed: kb((connections.heapUsed - idle0.heapUsed) / connectionsCount),
    },
    perSubscriptionKB: {
      rss: kb((subscribed.rss - idle0.rss) / total),
      heapUsed: kb((subscribed.heapUsed - idle0.heapUsed) / total),
      rssExcludingConnections: kb((subscribed.rss - connections.rss) / total),
      heapExcludingConnections: kb((subscribed.heapUsed - connections.heapUsed) / total),
    },
    stats,
    statsAfterClose: empty.stats,
    problems: [...load.problems.slice(0, 20), ...(stray ? [`${stray} messages outside trigger windows`] : [])],
    triggers,
  };
}

function syntheticPayload(invoiceId: string, statusCode: string, index: number): Record<string, unknown> {
  return {
    event: {
      statusCode: Number(statusCode),
      status: 'SUBMITTED',
      label: 'Submitted',
      occurredAt: new Date().toISOString(),
      cursor: `bench-${index}`,
    },
    invoice: { id: invoiceId, number: 'INV-2026-001', einvoicingStatus: 'SUBMITTED' },
  };
}

export async function run(): Promise<void> {
  const children: FanoutChild[] = [];
  const stopAll = async () => {
    for (const child of children.splice(0).reverse()) await child.stop().catch(() => undefined);
  };
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const watchdog = setTimeout(() => {
    console.error(`fanout: still running after ${CONFIG.timeoutS} s, stopping`);
    void stopAll().finally(() => process.exit(1));
  }, CONFIG.timeoutS * 1000);
  watchdog.unref();
  const childEnv = { ...process.env, NODE_ENV: 'production' };
  try {
    console.log(`fanout: ${JSON.stringify(CONFIG)}`);
    const runStart = performance.now();
    const sim = await forkChild('simulator', join(SERVERS, 'fanout-simulator.ts'), childEnv);
    children.push(sim);
    const setup = await sim.call<Setup>('setup', { tenants: CONFIG.tenants, invoicesPerTenant: CONFIG.invoicesPerTenant });
    const plan = buildPlan(setup);
    const payloads: Array<Record<string, unknown> | null> = [];
    const results: TargetResult[] = [];
    const secret = 'whsec_fanoutbenchfanoutbenchfanout12';
    for (const target of CONFIG.targets) {
      let server: FanoutChild;
      if (target === 'gateway') {
        server = await forkChild('gateway', join(SERVERS, 'fanout-gateway.ts'), {
          ...childEnv,
          QONTO_API_URL: String(sim.ready['url']),
          QONTO_WEBHOOK_SECRET: secret,
          LOG_LEVEL: 'warn',
          LIFECYCLE_POLL_INTERVAL_MS: String(CONFIG.pollIntervalMs),
          // The load measures fan-out, not the guard of Qonto's quota (the simulator has none).
          QONTO_RATE_LIMIT: '1000000',
          QONTO_CREDENTIAL_SHARE_PERCENT: '100',
          QONTO_CACHE_TTL_MS: '0',
        });
        children.push(server);
        await sim.call('registerWebhooks', { url: `${String(server.ready['url'])}/webhooks/qonto`, secret });
      } else {
        server = await forkChild('bare', join(SERVERS, 'fanout-bare.ts'), childEnv);
        children.push(server);
      }
      console.log(`  ${target}: started at ${round((performance.now() - runStart) / 1000, 1)} s`);
      results.push(await measureTarget(target, server, sim, setup, plan, payloads));
      await server.stop();
      console.log(`  ${target}: stopped at ${round((performance.now() - runStart) / 1000, 1)} s`);
      children.splice(children.indexOf(server), 1);
    }
    report(results, plan);
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }
}

function report(results: TargetResult[], plan: PlannedConnection[]): void {
  const measured = (result: TargetResult) => (result.triggers.length > 1 ? result.triggers.slice(1) : result.triggers);
  const med = (result: TargetResult, pick: (t: TriggerResult) => number | null) => {
    const values = measured(result)
      .map(pick)
      .filter((v): v is number => v !== null && Number.isFinite(v));
    return values.length ? round(median(values), 2) : null;
  };
  const byTarget = Object.fromEntries(results.map((r) => [r.target, r]));
  const gateway = byTarget['gateway'];
  const bare = byTarget['bare'];

  for (const result of results) {
    printTable(
      `fanout (${result.target}): one lifecycle event on the hot invoice → ${result.triggers[0]?.delivered ?? 0} subscribers (trigger 0 = warm-up)`,
      result.triggers.map((t) => ({
        trigger: t.index,
        code: t.statusCode,
        delivered: t.delivered,
        'p50 ms': t.p50Ms,
        'p99 ms': t.p99Ms,
        'max ms': t.maxMs,
        'msg/s': t.messagesPerSec,
        'webhook at ms': t.webhookArrivalMs,
        'GET at ms': t.refetchArrivalMs,
        'hot GETs': t.hotInvoiceGets,
        'upstream calls': t.allUpstreamCalls,
        'server CPU ms': t.serverCpuMs,
        'client CPU ms': t.clientCpuMs,
        'wrong/unexpected/errors': `${t.wrongPayload}/${t.unexpected}/${t.errors}`,
      })),
    );
  }

  const rows: Row[] = [];
  const add = (metric: string, pick: (r: TargetResult) => number | string | null, ratio = true) => {
    const g = gateway ? pick(gateway) : null;
    const b = bare ? pick(bare) : null;
    rows.push({
      metric,
      gateway: g,
      bare: b,
      'gateway ÷ bare': ratio && typeof g === 'number' && typeof b === 'number' && b !== 0 ? round(g / b, 2) : null,
    });
  };
  add('connections', (r) => r.connections, false);
  add('subscriptions', (r) => r.subscriptions, false);
  add('subscribe: seconds for all', (r) => r.subscribeSeconds);
  add('subscribe: subscriptions/s', (r) => r.subscribesPerSecond);
  add('RSS idle, 0 subscriptions (MB)', (r) => mb(r.memory.idle0.rss));
  add('RSS with connections (MB)', (r) => mb(r.memory.connections.rss));
  add('RSS with all subscriptions (MB)', (r) => mb(r.memory.subscribed.rss));
  add('RSS per connection (KB)', (r) => r.perConnectionKB.rss);
  add('RSS per idle subscription, incl. connections (KB)', (r) => r.perSubscriptionKB.rss);
  add('RSS per idle subscription, excl. connections (KB)', (r) => r.perSubscriptionKB.rssExcludingConnections);
  add('heap per idle subscription, incl. connections (KB)', (r) => r.perSubscriptionKB.heapUsed);
  add('heap per idle subscription, excl. connections (KB)', (r) => r.perSubscriptionKB.heapExcludingConnections);
  add('RSS after closing everything (MB)', (r) => mb(r.memory.afterClose.rss));
  add('delivery p50 ms (median of triggers 1…)', (r) => med(r, (t) => t.p50Ms));
  add('delivery p99 ms (median)', (r) => med(r, (t) => t.p99Ms));
  add('delivery max ms (median)', (r) => med(r, (t) => t.maxMs));
  add('messages/s (median)', (r) => med(r, (t) => t.messagesPerSec));
  add('server CPU ms per event (median)', (r) => med(r, (t) => t.serverCpuMs));
  add('client CPU ms per event (median)', (r) => med(r, (t) => t.clientCpuMs));
  add('trigger → webhook at gateway, ms (median)', (r) => med(r, (t) => t.webhookArrivalMs), false);
  add('trigger → re-fetch at simulator, ms (median)', (r) => med(r, (t) => t.refetchArrivalMs), false);
  add(
    'hot-invoice GETs per webhook (max over triggers)',
    (r) => (r.target === 'gateway' ? Math.max(...r.triggers.map((t) => t.hotInvoiceGets ?? 0)) : null),
    false,
  );
  printTable('fanout: gateway vs bare yoga + graphql-ws, same client load, same run', rows);

  const checks: Row[] = [];
  if (gateway) {
    const maxGets = Math.max(...gateway.triggers.map((t) => t.hotInvoiceGets ?? 0));
    const allDelivered = gateway.triggers.every(
      (t) =>
        t.delivered ===
          plan.filter((c) => c.subscriptions.some((s) => s.hot)).reduce((n, c) => n + c.subscriptions.filter((s) => s.hot).length, 0) &&
        t.wrongPayload === 0 &&
        t.unexpected === 0,
    );
    checks.push({
      target: 're-fetches per webhook = 1 per distinct credential (1 here)',
      met: maxGets === 1 ? 'yes' : 'NO',
      value: `max ${maxGets}`,
    });
    checks.push({
      target: 'RSS per idle subscription ≤ 20 KB',
      met: gateway.perSubscriptionKB.rss <= 20 ? 'yes' : 'NO',
      value: `${gateway.perSubscriptionKB.rss} KB`,
    });
    checks.push({
      target: 'every hot subscriber got every event exactly once, nobody else got one',
      met: allDelivered ? 'yes' : 'NO',
      value: '',
    });
    checks.push({
      target: 'no watch, timer or bus listener left after closing',
      met: JSON.stringify(gateway.statsAfterClose).includes('"watches":0') ? 'yes' : 'NO',
      value: JSON.stringify(gateway.statsAfterClose),
    });
    printTable('fanout: targets', checks);
  }
  const label = process.env['FANOUT_LABEL'];
  const file = writeResult(label ? `fanout-${label}` : 'fanout', { config: CONFIG, results, comparison: rows, checks });
  console.log(`\nwritten ${file}`);
}
