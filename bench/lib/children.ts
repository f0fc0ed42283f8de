import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (children run from there so `--import tsx` resolves). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A server running in a child process, started by {@link startChild}. */
export interface ChildServer<Info> {
  name: string;
  /** What the child printed on its `READY {json}` line. */
  info: Info;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Options of {@link startChild}. */
export interface StartChildOptions {
  /** Label for logs. */
  name: string;
  /** Script path relative to the repository root, e.g. `bench/servers/gateway.ts`. */
  script: string;
  /** Added to (and overriding) the parent's environment. */
  env?: Record<string, string | undefined>;
  /** Extra node flags placed before `--import tsx` (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** How long to wait for the READY line, default 30 s. */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Tracks a spawned child (killed if the load generator exits) and builds its `stop`. */
function track(child: ChildProcess): { exited: Promise<number | null>; stop: (graceMs?: number) => Promise<number | null> } {
  installExitHook();
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => running.delete(child));
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { exited, stop };
}

/** Forwards a child's output lines to our stderr with a `[name]` prefix. */
function forwardLines(stream: NodeJS.ReadableStream, name: string): void {
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    for (const line of text.split('\n')) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`);
  });
}

/**
 * Runs `node [nodeArgs] --import tsx <script>` as a child process and resolves once it prints
 * `READY <json>` on stdout. Its stderr is forwarded with a `[name]` prefix; other stdout lines are
 * dropped. Children left running when the load generator exits are killed.
 */
export function startChild<Info>(options: StartChildOptions): Promise<ChildServer<Info>> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { stop } = track(child);
  forwardLines(child.stderr!, options.name);
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not print READY within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before READY`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      buffered += text;
      let newline: number;
      for (newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          resolve({ name: options.name, info: JSON.parse(line.slice(6)) as Info, process: child, stop });
        }
      }
    });
  });
}

/** Options of {@link startCommand}. */
export interface StartCommandOptions {
  /** Label for logs. */
  name: string;
  /** The executable (e.g. `process.execPath`) and its arguments. */
  command: string;
  args: string[];
  cwd: string;
  /** Added to (and overriding) the parent's environment. */
  env?: Record<string, string | undefined>;
  /** True once the server answers as it should; polled every 200 ms. */
  ready: () => Promise<boolean>;
  /** How long to wait for `ready`, default 60 s. */
  timeoutMs?: number;
}

/**
 * Runs a server that prints no `READY` line (a third-party CLI) as a child process, forwarding
 * its stdout and stderr with a `[name]` prefix, and resolves with `info` once `ready()` is true.
 * Like {@link startChild}'s, the child is stopped by its pid and killed if the load generator exits.
 */
export async function startCommand<Info>(options: StartCommandOptions, info: Info): Promise<ChildServer<Info>> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { exited, stop } = track(child);
  forwardLines(child.stdout!, options.name);
  forwardLines(child.stderr!, options.name);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${options.name} exited with code ${child.exitCode} before it was ready`);
    if (await options.ready().catch(() => false)) return { name: options.name, info, process: child, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop(2000);
  throw new Error(`${options.name} was not ready within ${options.timeoutMs ?? 60_000} ms`);
}

/** A TCP port of 127.0.0.1 that was free a moment ago (for servers that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What `bench/servers/simulator.ts` prints when ready. */
export interface SimulatorInfo {
  url: string;
  statsUrl: string;
  /** The demo organisation's `Authorization` value. */
  authorization: string;
  /** One `Authorization` value per demo organisation (`[0]` = `authorization`). */
  authorizations: string[];
  webhookSecret: string;
  invoices: number;
}

/** What `bench/servers/gateway.ts` prints when ready. */
export interface GatewayInfo {
  url: string;
  redis: boolean;
  /** The `src/` directory the gateway was loaded from. */
  src: string;
}

/** Upstream request counters of the simulator child. */
export interface UpstreamStats {
  total: number;
  byRoute: Record<string, number>;
}

/** Starts the simulator child (`extraInvoices` clones of seeded invoices added). */
export function startSimulator(
  options: { extraInvoices?: number; nodeArgs?: string[]; perTenSeconds?: number } = {},
): Promise<ChildServer<SimulatorInfo>> {
  return startChild<SimulatorInfo>({
    name: 'simulator',
    script: 'bench/servers/simulator.ts',
    env: {
      BENCH_EXTRA_INVOICES: String(options.extraInvoices ?? 0),
      BENCH_SIM_PER_TEN_SECONDS: options.perTenSeconds ? String(options.perTenSeconds) : '',
    },
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
  });
}

/** Starts the gateway child in production shape against `qontoApiUrl`. */
export function startGateway(options: {
  qontoApiUrl: string;
  webhookSecret: string;
  redisUrl?: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Load the gateway from this `src/` directory (see {@link baselineSrc}). */
  src?: string;
  name?: string;
}): Promise<ChildServer<GatewayInfo>> {
  return startChild<GatewayInfo>({
    name: options.name ?? 'gateway',
    script: 'bench/servers/gateway.ts',
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      QONTO_API_URL: options.qontoApiUrl,
      QONTO_WEBHOOK_SECRET: options.webhookSecret,
      REDIS_URL: options.redisUrl ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      BENCH_GATEWAY_SRC: options.src ?? '',
      // Load tests measure the gateway, not its guard of Qonto's quota: the simulator has none.
      QONTO_RATE_LIMIT: '1000000',
      QONTO_CREDENTIAL_SHARE_PERCENT: '100',
      // The scenarios measure the cold path, every read reaching the upstream, unless they set it.
      QONTO_CACHE_TTL_MS: '0',
      ...options.env,
    },
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
  });
}

/**
 * The gateway under test against `sim` (started with `nodeArgs`, e.g. a profiler's), then, when
 * `baselineDir` is set (see {@link baselineSrc}), the baseline gateway beside it. If the baseline
 * fails to start, the first gateway is stopped before the error is rethrown.
 */
export async function startGatewayAndBaseline(
  sim: SimulatorInfo,
  options: { nodeArgs?: string[] | undefined; baselineDir?: string | undefined },
): Promise<{ gateway: ChildServer<GatewayInfo>; baseline: ChildServer<GatewayInfo> | undefined }> {
  const upstream = { qontoApiUrl: sim.url, webhookSecret: sim.webhookSecret };
  const gateway = await startGateway({ ...upstream, ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}) });
  if (!options.baselineDir) return { gateway, baseline: undefined };
  try {
    return { gateway, baseline: await startGateway({ ...upstream, src: options.baselineDir, name: 'baseline' }) };
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

/** What the simulator child's `/window` answers. */
export interface UpstreamWindow {
  /** The most requests that arrived in any 10 s window. */
  maxPerTenSeconds: number;
  requests: number;
  /** Answers by HTTP status. */
  byStatus: Record<string, number>;
}

/** Requests the simulator child saw since `since` (Unix ms): peak per 10 s and answers by status. */
export async function upstreamWindow(sim: SimulatorInfo, since: number): Promise<UpstreamWindow> {
  const response = await fetch(`${sim.statsUrl.replace(/\/stats$/, '/window')}?since=${since}`);
  return (await response.json()) as UpstreamWindow;
}

/** Merges `faults` into the simulator child's faults (`reset` clears them first). */
export async function setSimulatorFaults(sim: SimulatorInfo, faults: Record<string, unknown>, reset = false): Promise<void> {
  const response = await fetch(`${sim.statsUrl.replace(/\/stats$/, '/faults')}${reset ? '?reset=1' : ''}`, {
    method: 'POST',
    body: JSON.stringify(faults),
  });
  await response.body?.cancel();
}

/** Reads the simulator child's cumulative request counters. */
export async function upstreamStats(statsUrl: string): Promise<UpstreamStats> {
  const response = await fetch(statsUrl);
  return (await response.json()) as UpstreamStats;
}

/** `after − before`, per route (routes with no calls left out). */
export function statsDelta(before: UpstreamStats, after: UpstreamStats): UpstreamStats {
  const byRoute: Record<string, number> = {};
  for (const [route, count] of Object.entries(after.byRoute)) {
    const delta = count - (before.byRoute[route] ?? 0);
    if (delta > 0) byRoute[route] = delta;
  }
  return { total: after.total - before.total, byRoute };
}

/**
 * `BENCH_BASELINE=<checkout>`: the `src/` of another checkout of this repository (e.g. `git worktree
 * add /tmp/gw-base <commit>`, with `node_modules` linked into it) that scenarios run as an extra
 * "baseline" gateway, alternating with the current one, for same-run before/after figures.
 */
export function baselineSrc(): string | undefined {
  const dir = process.env['BENCH_BASELINE'];
  return dir ? join(dir, 'src') : undefined;
}

/**
 * CPU time (user + system, ms) a process has used so far, from `/proc/<pid>/stat` (10 ms ticks);
 * undefined where /proc is not available.
 */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3 of the man page): utime and stime are fields 14 and 15
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
