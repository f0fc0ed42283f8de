/**
 * webhooks: signed Qonto webhooks accepted per second at POST /webhooks/qonto (signature check
 * over the raw body, envelope parsing, de-duplication by envelope id, 200, then a signal).
 *
 * Two gateway children run side by side, one de-duplicating in memory, one in Redis
 * (REDIS_URL=redis://127.0.0.1:6379; skipped with a message when Redis does not answer), and
 * the variants alternate over rounds after a warm-up:
 * - unique: every delivery has a fresh envelope id (each one is accepted and signalled);
 * - duplicates: ids drawn from a pool of 100 already-seen ids (Qonto's retries; answered 200
 *   `duplicate`, nothing signalled).
 * Bodies are realistic (a `v1/client-invoices` envelope around a seeded invoice, about 2 KB),
 * pre-signed with `signatureHeader` before each run (so the load generator spends no HMAC time
 * during it) with the current timestamp. The gateway's own `qonto_webhooks_total` counters
 * confirm how each delivery ended.
 *
 * Knobs: BENCH_CONNECTIONS (10), BENCH_DURATION (s per run, 5), BENCH_ROUNDS (3),
 * REDIS_URL (default redis://127.0.0.1:6379); BENCH_BASELINE (a checkout of an earlier commit)
 * adds that commit's gateways (memory and Redis) as more alternating targets; `--profile` profiles both gateway children
 * (bench/results/webhooks-gateway-<memory|redis>.cpuprofile). Redis keys written are removed afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { signatureHeader } from '../../src/qonto/webhook-signature.js';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { knob, profiling } from '../lib/args.js';
import {
  collectMainThreadProfile,
  cpuProfileArgs,
  PROFILE_NOTE,
  printProfileSummary,
  summariseProfile,
  type ProfileSummary,
} from '../lib/cpuprofile.js';
import { baselineSrc, type ChildServer, cpuTimeMs, type GatewayInfo, startGateway, startSimulator } from '../lib/children.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { median, printTable, RESULTS_DIR, round, type Row, writeResult } from '../lib/report.js';

const SCENARIO = 'webhooks';
const TARGET_PER_SECOND = 3000;
const DUPLICATE_POOL = 100;
const KEY_PREFIX = 'qonto-gw:webhook:';

/** Where the gateway de-duplicates; `-baseline`: the gateway of another checkout (BENCH_BASELINE). */
type Store = 'memory' | 'redis' | 'memory-baseline' | 'redis-baseline';
const STORES: readonly Store[] = ['memory', 'redis', 'memory-baseline', 'redis-baseline'];
type Kind = 'unique' | 'duplicates';

interface Signed {
  body: string;
  signature: string;
}

interface Run {
  round: number;
  store: Store;
  kind: Kind;
  load: LoadResult;
  /** Outcomes counted by the gateway during the run. */
  outcomes: Record<string, number>;
  gatewayCpuMs: number | null;
}

async function redisReachable(url: string): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG' ? null : 'PING did not answer PONG';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}

/** Deletes the keys this run wrote (SCAN + UNLINK), returns how many. */
async function cleanRedis(url: string, idPrefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 2 });
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${KEY_PREFIX}${idPrefix}*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) removed += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return removed;
}

/** `qonto_webhooks_total` by outcome, from the gateway's /metrics. */
async function webhookOutcomes(gatewayUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const outcomes: Record<string, number> = {};
  for (const match of text.matchAll(/^qonto_webhooks_total\{outcome="([a-z_]+)"\} (\d+)/gm)) outcomes[match[1]!] = Number(match[2]);
  return outcomes;
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [outcome, count] of Object.entries(after))
    if (count - (before[outcome] ?? 0) > 0) result[outcome] = count - (before[outcome] ?? 0);
  return result;
}

export async function run(): Promise<void> {
  const connections = knob('CONNECTIONS', 10);
  const durationSec = knob('DURATION', 5);
  const rounds = knob('ROUNDS', 3);
  const redisUrl = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
  const secret = `whsec_${randomBytes(24).toString('base64url').slice(0, 32)}`;
  const idPrefix = `bench-${randomUUID().slice(0, 8)}-`;
  let serial = 0;
  const profile = profiling();
  const baselineDir = baselineSrc();
  const profileDirs: Partial<Record<Store, string>> = profile
    ? { memory: mkdtempSync(join(RESULTS_DIR, '.cpuprof-')), redis: mkdtempSync(join(RESULTS_DIR, '.cpuprof-')) }
    : {};

  const redisProblem = await redisReachable(redisUrl);
  if (redisProblem) console.log(`Redis at ${redisUrl} unreachable (${redisProblem}): the Redis variants are skipped.`);

  const sim = await startSimulator();
  const gateways: Partial<Record<Store, ChildServer<GatewayInfo>>> = {};
  const runs: Run[] = [];
  let template: Record<string, unknown>;
  let bodyBytes = 0;
  let expectedPerRun = 8000;
  try {
    const list = (await (
      await fetch(`${sim.info.url}/v2/client_invoices?per_page=1`, { headers: { authorization: sim.info.authorization } })
    ).json()) as {
      client_invoices: Array<Record<string, unknown>>;
    };
    template = list.client_invoices[0]!;
    const nodeArgs = (store: Store) => (profileDirs[store] ? { nodeArgs: cpuProfileArgs(profileDirs[store]) } : {});
    gateways.memory = await startGateway({
      qontoApiUrl: sim.info.url,
      webhookSecret: secret,
      name: 'gateway-memory',
      ...nodeArgs('memory'),
    });
    if (!redisProblem)
      gateways.redis = await startGateway({
        qontoApiUrl: sim.info.url,
        webhookSecret: secret,
        redisUrl,
        name: 'gateway-redis',
        ...nodeArgs('redis'),
      });
    if (baselineDir) {
      gateways['memory-baseline'] = await startGateway({
        qontoApiUrl: sim.info.url,
        webhookSecret: secret,
        src: baselineDir,
        name: 'baseline-memory',
      });
      if (!redisProblem)
        gateways['redis-baseline'] = await startGateway({
          qontoApiUrl: sim.info.url,
          webhookSecret: secret,
          redisUrl,
          src: baselineDir,
          name: 'baseline-redis',
        });
    }

    const envelope = (id: string): string =>
      JSON.stringify({
        id,
        subscription_id: '0199a000-0000-7000-8000-000000000001',
        organization_id: template['organization_id'],
        membership_id: '0199a000-0000-7000-8000-000000000002',
        type: 'v1/client-invoices',
        created_at: new Date().toISOString(),
        data: { ...template, event: 'updated' },
      });
    const sign = (body: string): Signed => ({ body, signature: signatureHeader(secret, Math.floor(Date.now() / 1000), body) });
    bodyBytes = Buffer.byteLength(envelope(`${idPrefix}0`));
    const duplicatePool = Array.from({ length: DUPLICATE_POOL }, (_, i) => sign(envelope(`${idPrefix}dup-${i}`)));

    const measure = async (store: Store, kind: Kind, roundNo: number, seconds: number) => {
      const gateway = gateways[store]!;
      // Unique bodies for twice the best rate seen so far; past the pool, bodies are signed on the fly.
      const pool =
        kind === 'duplicates'
          ? duplicatePool
          : Array.from({ length: expectedPerRun * seconds * 2 }, () => sign(envelope(`${idPrefix}${serial++}`)));
      let next = 0;
      let signedLive = 0;
      const nextSigned = (): Signed => {
        if (kind === 'duplicates') return pool[next++ % pool.length]!;
        const ready = pool[next++];
        if (ready) return ready;
        signedLive++;
        return sign(envelope(`${idPrefix}${serial++}`));
      };
      const before = await webhookOutcomes(gateway.info.url);
      const cpuBefore = cpuTimeMs(gateway.process.pid!);
      const load = await runLoad({
        url: `${gateway.info.url}/webhooks/qonto`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections,
        durationSec: seconds,
        setupRequest: (request) => {
          const signed = nextSigned();
          return { ...request, body: signed.body, headers: { ...request.headers, 'x-qonto-signature': signed.signature } };
        },
        verifyBody: kind === 'unique' ? (body) => body === '{"ok":true}' : (body) => body.startsWith('{"ok":true'),
      });
      const cpuAfter = cpuTimeMs(gateway.process.pid!);
      const outcomes = delta(await webhookOutcomes(gateway.info.url), before);
      if (kind === 'unique') expectedPerRun = Math.max(expectedPerRun, Math.ceil(load.rps));
      if (roundNo > 0)
        runs.push({
          round: roundNo,
          store,
          kind,
          load,
          outcomes,
          gatewayCpuMs: cpuBefore === undefined || cpuAfter === undefined ? null : cpuAfter - cpuBefore,
        });
      console.log(
        `  ${roundNo === 0 ? 'warm-up' : `round ${roundNo}`} ${store.padEnd(15)} ${kind.padEnd(10)}: ${load.rps} /s, p50 ${load.p50} ms, p99 ${load.p99} ms, ` +
          `non-2xx ${load.non2xx}, errors ${load.errors}, mismatches ${load.mismatches}, outcomes ${JSON.stringify(outcomes)}` +
          `${signedLive > 0 ? `, ${signedLive} signed during the run` : ''}`,
      );
    };

    const variants: Array<[Store, Kind]> = [];
    for (const store of STORES) if (gateways[store]) variants.push([store, 'unique'], [store, 'duplicates']);
    console.log(`body ${bodyBytes} bytes; ${connections} connections, ${durationSec} s per run, ${rounds} rounds, alternating variants`);
    for (const [store, kind] of variants) await measure(store, kind, 0, 3);
    for (let roundNo = 1; roundNo <= rounds; roundNo++) {
      const shift = (roundNo - 1) % variants.length;
      for (const [store, kind] of [...variants.slice(shift), ...variants.slice(0, shift)]) await measure(store, kind, roundNo, durationSec);
    }
  } finally {
    await Promise.all(Object.values(gateways).map((gateway) => gateway.stop()));
    await sim.stop();
  }
  const removed = gateways.redis ? await cleanRedis(redisUrl, idPrefix) : 0;

  const summary = (store: Store, kind: Kind) => {
    const mine = runs.filter((run) => run.store === store && run.kind === kind);
    if (mine.length === 0) return null;
    const responses = mine.reduce((sum, run) => sum + run.load.responses, 0);
    const outcomes: Record<string, number> = {};
    for (const run of mine)
      for (const [outcome, count] of Object.entries(run.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + count;
    const cpu = mine.every((run) => run.gatewayCpuMs !== null) ? mine.reduce((sum, run) => sum + run.gatewayCpuMs!, 0) : null;
    return {
      perSecond: round(median(mine.map((run) => run.load.rps)), 0),
      p50: round(median(mine.map((run) => run.load.p50)), 3),
      p99: round(median(mine.map((run) => run.load.p99)), 3),
      responses,
      non2xx: mine.reduce((sum, run) => sum + run.load.non2xx, 0),
      errors: mine.reduce((sum, run) => sum + run.load.errors, 0),
      mismatches: mine.reduce((sum, run) => sum + run.load.mismatches, 0),
      outcomes,
      gatewayCpuUsPerWebhook: cpu === null ? null : round((cpu * 1000) / Math.max(1, responses), 0),
    };
  };
  const results = Object.fromEntries(
    STORES.filter((store) => !store.endsWith('-baseline') || baselineDir).map((store) => [
      store,
      { unique: summary(store, 'unique'), duplicates: summary(store, 'duplicates') },
    ]),
  ) as Partial<Record<Store, Record<Kind, ReturnType<typeof summary>>>>;

  const rows: Row[] = [];
  const verdicts: Row[] = [];
  for (const store of STORES) {
    if (!results[store]) continue;
    for (const kind of ['unique', 'duplicates'] as const) {
      const s = results[store][kind];
      if (!s) {
        rows.push({ 'de-duplication': store, ids: kind, 'webhooks/s (median)': 'skipped (Redis unreachable)' });
        continue;
      }
      rows.push({
        'de-duplication': store,
        ids: kind,
        'webhooks/s (median)': s.perSecond,
        'p50 ms': s.p50,
        'p99 ms': s.p99,
        answered: s.responses,
        'non-2xx': s.non2xx,
        'errors+mismatches': s.errors + s.mismatches,
        'outcomes (gateway metrics)': Object.entries(s.outcomes)
          .map(([outcome, count]) => `${outcome} ${count}`)
          .join(', '),
        'gateway CPU µs/webhook': s.gatewayCpuUsPerWebhook,
      });
      if (store.endsWith('-baseline')) continue;
      const clean = s.non2xx === 0 && s.errors === 0 && s.mismatches === 0;
      // The gateway also counts the deliveries still in flight when a run stops (at most one per connection).
      const expected = kind === 'unique' ? 'accepted' : 'duplicate';
      const rightOutcome = Object.keys(s.outcomes).every((outcome) => outcome === expected) && (s.outcomes[expected] ?? 0) >= s.responses;
      verdicts.push({
        variant: `${store}, ${kind} ids`,
        'webhooks/s': s.perSecond,
        target: `>= ${TARGET_PER_SECOND}/s`,
        met: s.perSecond >= TARGET_PER_SECOND,
        '0 non-2xx, 0 errors': clean,
        'every delivery accepted (unique) / duplicate (repeats)': rightOutcome,
      });
    }
  }
  printTable(`webhooks: signed deliveries at POST /webhooks/qonto, ${connections} connections (medians of ${rounds} rounds)`, rows);
  printTable('webhooks: targets', verdicts);
  if (baselineDir) {
    const comparison: Row[] = [];
    for (const store of ['memory', 'redis'] as const) {
      for (const kind of ['unique', 'duplicates'] as const) {
        const current = results[store]?.[kind];
        const before = results[`${store}-baseline`]?.[kind];
        if (!current || !before) continue;
        comparison.push({
          variant: `${store}, ${kind} ids`,
          'baseline /s': before.perSecond,
          'current /s': current.perSecond,
          'current/baseline': round(current.perSecond / before.perSecond, 3),
          'baseline CPU µs/webhook': before.gatewayCpuUsPerWebhook,
          'current CPU µs/webhook': current.gatewayCpuUsPerWebhook,
        });
      }
    }
    printTable(`webhooks: this gateway vs the baseline (${baselineDir}), same run`, comparison);
  }
  if (gateways.redis) console.log(`removed ${removed} Redis keys written by this run (${KEY_PREFIX}${idPrefix}*)`);

  const profiles: Partial<Record<Store, ProfileSummary>> = {};
  for (const store of STORES) {
    const dir = profileDirs[store];
    const gateway = gateways[store];
    if (!dir || !gateway) continue;
    const destination = join(RESULTS_DIR, `${SCENARIO}-gateway-${store}.cpuprofile`);
    if (collectMainThreadProfile(dir, gateway.process.pid!, destination)) {
      profiles[store] = summariseProfile(destination);
      printProfileSummary(`gateway (${store} de-duplication) CPU profile`, profiles[store]);
    }
  }
  if (profile) console.log(PROFILE_NOTE);

  const file = writeResult(SCENARIO, {
    settings: {
      connections,
      durationSec,
      rounds,
      profiled: profile,
      baseline: baselineDir ?? null,
      bodyBytes,
      duplicatePool: DUPLICATE_POOL,
      redisUrl: redisProblem ? null : redisUrl,
      redisSkippedBecause: redisProblem,
    },
    target: { perSecond: TARGET_PER_SECOND },
    results,
    runs: runs.map((r) => ({
      round: r.round,
      store: r.store,
      kind: r.kind,
      outcomes: r.outcomes,
      gatewayCpuMs: r.gatewayCpuMs,
      ...r.load,
    })),
    ...(Object.keys(profiles).length > 0 ? { profiles } : {}),
  });
  console.log(`\nwrote ${file}`);
}
