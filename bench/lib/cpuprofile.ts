import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from './children.js';
import { printTable, round } from './report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of a CPU profile. */
export interface HotFunction {
  function: string;
  /** `path:line` (repository-relative, `node_modules/...` kept) or a Node internal. */
  location: string;
  selfMs: number;
  /** Share of all sampled time, idle included. */
  selfPct: number;
  /** Share of sampled time spent running (idle, GC and program excluded from the base). */
  busyPct: number;
}

/** A summary of a `.cpuprofile`: where self time goes, by function and by package. */
export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  gcMs: number;
  top: HotFunction[];
  /** Self time grouped by where the code lives: our src/, each npm package, node internals. */
  byArea: Array<{ area: string; selfMs: number; busyPct: number }>;
  /**
   * Busy time by stage of the gateway's work, each sample attributed to the first stage found in
   * its stack (inclusive of what that stage calls: sockets, JSON.parse, metrics…).
   */
  byStage: Array<{ stage: string; ms: number; busyPct: number }>;
}

/** Stages of the gateway's work, matched against a sample's stack in this order. */
const STAGES: Array<[string, RegExp]> = [
  ['module loading (start-up)', /node:internal\/modules\/|\/tsx\/dist\//],
  [
    'webhook receiver (signature, envelope, de-duplication)',
    /\/src\/lifecycle\/(webhook-receiver|deduplicator)|\/src\/qonto\/webhook-signature/,
  ],
  ['upstream calls (src/qonto transport + undici)', /\/src\/qonto\/|\/node_modules\/undici\//],
  [
    'GraphQL execution (executor, resolvers, loaders)',
    /@graphql-tools\/executor|@pothos|\/dataloader\/|\/src\/schema\/|\/src\/loaders|\/src\/domain\//,
  ],
  ['HTTP in/out (yoga, envelop, whatwg-node, node:http)', /graphql-yoga|@envelop|@whatwg-node|\/src\/gateway\.ts|\/src\/app\/|node:_http_/],
  ['signals and Redis (src/lifecycle, ioredis)', /\/src\/lifecycle\/|\/node_modules\/ioredis\//],
];

function location(url: string, line: number): string {
  if (!url) return '(native)';
  let path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  if (path.startsWith('/')) path = relative(REPO_ROOT, path);
  return `${path}:${line + 1}`;
}

function area(url: string): string {
  if (!url) return '(native / VM)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const rel = relative(REPO_ROOT, path);
  if (rel.startsWith('src/')) return rel.split('/').slice(0, 2).join('/').replace(/\.ts$/, '.ts');
  return rel.startsWith('..') ? path : rel;
}

/** Reads a `.cpuprofile` (V8 format written by `node --cpu-prof`) and sums self time per function. */
export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, { fn: string; loc: string; us: number }>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!;
    totalUs += us;
    const name = callFrame.functionName;
    if (name === '(idle)' || name === '(program)') {
      idleUs += name === '(idle)' ? us : 0;
      if (name === '(program)') byArea.set('(program)', (byArea.get('(program)') ?? 0) + us);
      continue;
    }
    if (name === '(garbage collector)') gcUs += us;
    const loc = location(callFrame.url, callFrame.lineNumber);
    const key = `${name}@${loc}`;
    const entry = byFunction.get(key) ?? { fn: name || '(anonymous)', loc, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const where = name === '(garbage collector)' ? '(garbage collector)' : area(callFrame.url);
    byArea.set(where, (byArea.get(where) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs - (byArea.get('(program)') ?? 0));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byStage = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') continue;
    let stage = name === '(garbage collector)' ? 'garbage collector' : 'other (node internals: sockets, timers, microtasks)';
    if (name !== '(garbage collector)') {
      const urls: string[] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) urls.push(byId.get(cur)!.callFrame.url);
      stage = STAGES.find(([, pattern]) => urls.some((url) => pattern.test(url)))?.[0] ?? stage;
    }
    byStage.set(stage, (byStage.get(stage) ?? 0) + us);
  }
  return {
    file: relative(REPO_ROOT, file),
    totalMs: round(totalUs / 1000, 1),
    idleMs: round(idleUs / 1000, 1),
    gcMs: round(gcUs / 1000, 1),
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({
        function: entry.fn,
        location: entry.loc,
        selfMs: round(entry.us / 1000, 1),
        selfPct: round((100 * entry.us) / Math.max(1, totalUs), 1),
        busyPct: round((100 * entry.us) / busyUs, 1),
      })),
    byArea: [...byArea.entries()]
      .filter(([name]) => name !== '(program)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => ({ area: name, selfMs: round(us / 1000, 1), busyPct: round((100 * us) / busyUs, 1) })),
    byStage: [...byStage.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([stage, us]) => ({ stage, ms: round(us / 1000, 1), busyPct: round((100 * us) / busyUs, 1) })),
  };
}

/** Node flags that make a child write its CPU profiles (one per thread) into `dir`. */
export function cpuProfileArgs(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/**
 * Moves the main-thread profile a child wrote into `dir` (named `CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile`;
 * tsx's loader thread writes another one, ignored) to `destination`. Returns false if none was written.
 */
export function collectMainThreadProfile(dir: string, pid: number, destination: string): boolean {
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.0.`) && name.endsWith('.cpuprofile'));
  if (!file) return false;
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(join(dir, file), destination);
  rmSync(dir, { recursive: true, force: true });
  return true;
}

/** Prints a profile summary: top functions by self time, then self time by area. */
export function printProfileSummary(title: string, summary: ProfileSummary): void {
  const busyMs = round(summary.totalMs - summary.idleMs, 1);
  printTable(
    `${title}: top self time (${summary.file}; ${busyMs} ms busy of ${summary.totalMs} ms, GC ${summary.gcMs} ms)`,
    summary.top.map((entry) => ({ ...entry })),
  );
  printTable(
    `${title}: self time by area`,
    summary.byArea.map((entry) => ({ ...entry })),
  );
  printTable(
    `${title}: busy time by stage`,
    summary.byStage.map((entry) => ({ ...entry })),
  );
}

/** Printed with every profiled run. */
export const PROFILE_NOTE =
  'Profiled runs are slower (the profiler samples every ~1 ms); their throughput is not comparable with unprofiled runs.';
