/**
 * `npm run bench -- peers`: our gateway next to its peers (GraphQL Mesh + Hive Gateway, Apollo
 * Server + RESTDataSource) and the REST baseline, in ONE run of /work/shared/peers/run-all.sh
 * (same Qonto-shaped upstream, same load generator, targets alternated round by round).
 *
 * Our gateway is started by run-all.sh as `npm start` in /work/main (QONTO_API_URL pointing at the
 * peers' upstream, NODE_ENV=production, LOG_LEVEL=warn, forward auth). This scenario then reads the
 * run's summary JSON, prints our ratios vs Apollo+RDS and vs `rest` (for dashboard-50: the parallel
 * REST script) and checks the targets, writing bench/results/peers.json.
 *
 * Environment: every run-all.sh variable passes through (ROUNDS, DURATION, CONNECTIONS, WARMUP,
 * QUERIES, PEERS, UPSTREAM_DELAY_MS, ports). Ports default to 4610/4620/4630/4640 here (not
 * run-all's 4010…4040, which `npm run simulator` and other work may hold). PEERS_DIR overrides
 * /work/shared/peers. PEERS_PROFILE=1 starts ours under `node --cpu-prof` (profile written to
 * bench/results/peers-ours-*.cpuprofile, one per thread, git-ignored) instead of `npm start`. PEERS_TIMEOUT_S
 * (default 900) bounds the whole run. PEERS_LABEL=x writes bench/results/peers-x.json instead of
 * peers.json (for supplementary runs, e.g. CONNECTIONS=1).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { median, printTable, RESULTS_DIR, round, writeResult, type Row } from '../lib/report.js';
import { peersPortsFree, type PeersSummaryRow } from '../lib/peers-summary.js';

const ROOT = join(RESULTS_DIR, '..', '..');
const PEERS_DIR = process.env['PEERS_DIR'] ?? '/work/shared/peers';
const OUT_DIR = join(RESULTS_DIR, 'peers');

/** Minimum upstream calls per request (README of shared/peers). */
const MINIMUM_UPSTREAM: Record<string, number> = { 'one-invoice': 2, 'dashboard-50': 71 };

function newestSummary(since: number): string | null {
  if (!existsSync(OUT_DIR)) return null;
  const files = readdirSync(OUT_DIR)
    .filter((name) => /^summary-.*\.json$/.test(name))
    .map((name) => join(OUT_DIR, name))
    .filter((file) => statSync(file).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0] ?? null;
}

export async function run(): Promise<void> {
  const ports = {
    UPSTREAM_PORT: process.env['UPSTREAM_PORT'] ?? '4610',
    MESH_PORT: process.env['MESH_PORT'] ?? '4620',
    APOLLO_PORT: process.env['APOLLO_PORT'] ?? '4630',
    OURS_PORT: process.env['OURS_PORT'] ?? '4640',
  };
  const busy = await peersPortsFree(Object.values(ports).map(Number));
  if (busy.length > 0) throw new Error(`ports in use: ${busy.join(', ')} (set UPSTREAM_PORT/MESH_PORT/APOLLO_PORT/OURS_PORT)`);

  const profile = process.env['PEERS_PROFILE'] === '1';
  const oursCmd = profile
    ? `exec node --cpu-prof --cpu-prof-dir=${RESULTS_DIR} --import tsx src/main.ts`
    : 'npm start';
  const env = {
    ...process.env,
    ...ports,
    OURS_CMD: oursCmd,
    OURS_DIR: ROOT,
    RESULTS_DIR: OUT_DIR,
  };
  const started = Date.now();
  const timeoutMs = Number(process.env['PEERS_TIMEOUT_S'] ?? 900) * 1000;
  console.log(`run-all.sh in ${PEERS_DIR}; ours: ${oursCmd}; ports ${Object.values(ports).join('/')}`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [join(PEERS_DIR, 'run-all.sh')], { cwd: PEERS_DIR, env, stdio: ['ignore', 'inherit', 'inherit'] });
    // run-all.sh stops everything it started on TERM (its EXIT trap), by pid.
    const timer = setTimeout(() => {
      console.error(`peers: run-all.sh still running after ${timeoutMs / 1000} s, sending TERM to pid ${child.pid}`);
      child.kill('SIGTERM');
    }, timeoutMs);
    const forward = () => child.kill('SIGTERM');
    process.once('SIGINT', forward);
    child.once('error', reject);
    child.once('exit', (status, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      resolve(status ?? (signal ? 128 : 1));
    });
  });
  if (code !== 0) throw new Error(`run-all.sh exited with ${code}`);

  if (profile) {
    // --cpu-prof writes one CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile per thread (tsx's
    // loader runs in a worker); keep them under a recognisable name.
    for (const name of readdirSync(RESULTS_DIR).filter((n) => /^CPU\..*\.cpuprofile$/.test(n))) {
      const from = join(RESULTS_DIR, name);
      if (statSync(from).mtimeMs < started) continue;
      const to = join(RESULTS_DIR, `peers-ours-${name.slice(4)}`);
      renameSync(from, to);
      console.log(`CPU profile: ${to} (${Math.round(statSync(to).size / 1024)} KB)`);
    }
  }
  const summaryFile = newestSummary(started);
  if (!summaryFile) throw new Error(`no summary-*.json written in ${OUT_DIR}`);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { source: string; rows: PeersSummaryRow[] };
  const rows = summary.rows;
  const find = (query: string, label: string) => rows.find((row) => row.query === query && row.label === label);

  const table: Row[] = [];
  const checks: Array<{ target: string; met: boolean | null; detail: string }> = [];
  for (const query of [...new Set(rows.map((row) => row.query))]) {
    const ours = find(query, 'ours');
    const apollo = find(query, 'apollo-rds');
    const rest = find(query, 'rest');
    for (const row of rows.filter((r) => r.query === query)) {
      table.push({
        query,
        target: row.label,
        'req/s': row.reqPerSec,
        'p50 ms': row.p50Ms,
        'p99 ms': row.p99Ms,
        'upstream/req': row.upstreamPerRequest,
        'ours ÷ this (req/s)': ours && row.reqPerSec ? round(ours.reqPerSec / row.reqPerSec, 2) : null,
        'non-2xx': row.non2xx,
        errors: row.errors + row.graphqlErrors,
        probe: row.probeOk ? 'ok' : `FAIL: ${row.probeProblems.join('; ')}`,
        'req/s per round': row.reqPerSecAll.join(' / '),
      });
    }
    if (!ours) {
      checks.push({ target: `${query}: ours measured`, met: false, detail: 'ours missing from the summary (did not start or every bench failed)' });
      continue;
    }
    const minimum = MINIMUM_UPSTREAM[query];
    if (minimum !== undefined) {
      checks.push({
        target: `${query}: upstream calls ≤ ${minimum}`,
        met: ours.upstreamPerRequest !== null && ours.upstreamPerRequest <= minimum,
        detail: `ours ${ours.upstreamPerRequest}`,
      });
    }
    checks.push({ target: `${query}: probe ok (our schema serves the peers' query, right answer)`, met: ours.probeOk, detail: ours.probeProblems.join('; ') || 'ok' });
    if (query === 'one-invoice') {
      const ratio = apollo?.reqPerSec ? ours.reqPerSec / apollo.reqPerSec : null;
      checks.push({ target: 'one-invoice: ours ≥ 2× Apollo+RDS req/s', met: ratio === null ? null : ratio >= 2, detail: ratio === null ? 'apollo-rds missing' : `${round(ratio, 2)}×` });
    }
    if (query === 'dashboard-50') {
      const ratio = rest?.reqPerSec ? ours.reqPerSec / rest.reqPerSec : null;
      checks.push({ target: 'dashboard-50: ours ≥ REST script req/s', met: ratio === null ? null : ratio >= 1, detail: ratio === null ? 'rest missing' : `${round(ratio, 2)}×` });
      const vsApollo = apollo?.reqPerSec ? ours.reqPerSec / apollo.reqPerSec : null;
      if (vsApollo !== null) checks.push({ target: 'dashboard-50: ours vs Apollo+RDS (info)', met: null, detail: `${round(vsApollo, 2)}×` });
    }
  }

  printTable('peers: medians of the rounds (one run of shared/peers/run-all.sh)', table);
  printTable(
    'peers: targets',
    checks.map((check) => ({ target: check.target, met: check.met === null ? 'n/a' : check.met ? 'yes' : 'NO', detail: check.detail })),
  );
  const perRoundOurs = rows.filter((row) => row.label === 'ours').map((row) => ({ query: row.query, median: median(row.reqPerSecAll) }));
  const label = process.env['PEERS_LABEL'];
  const file = writeResult(label ? `peers-${label}` : 'peers', {
    runAll: { dir: PEERS_DIR, oursCmd, ports, env: pick(process.env, ['ROUNDS', 'DURATION', 'CONNECTIONS', 'WARMUP', 'QUERIES', 'PEERS', 'UPSTREAM_DELAY_MS']) },
    summaryFile,
    rows,
    table,
    checks,
    perRoundOurs,
  });
  console.log(`\nwritten ${file}`);
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((key) => (env[key] !== undefined ? [[key, env[key]!]] : [])));
}
