/**
 * Summarises a V8 .cpuprofile: self time by function and by package/area, and inclusive time of
 * chosen functions. Used for the peers and fan-out hot-spot reports.
 *
 *   npx tsx bench/lib/peers-cpuprofile.ts bench/results/<file>.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Where a script belongs: an npm package, node internals, our src/ or bench/. */
export function areaOf(url: string): string {
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return 'node:internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0)
    return `ours:src/${
      url
        .slice(src + 5)
        .split('/')
        .slice(0, -1)
        .join('/') || '.'
    }`;
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

export function summarise(profile: Profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    for (let i = 0; i < profile.samples.length; i++)
      selfMicros.set(profile.samples[i]!, (selfMicros.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const area = ['(garbage collector)', '(idle)', '(program)'].includes(functionName) ? functionName : areaOf(url);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, ms: Math.round(micros / 100) / 10, pct: Math.round((micros / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), byArea: rank(byArea), byFunction: rank(byFunction) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/lib/peers-cpuprofile.ts <file.cpuprofile> [top]');
  const result = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25));
  console.log(`total sampled: ${result.totalMs} ms`);
  console.log('\nself time by area:');
  for (const row of result.byArea) console.log(`${String(row.pct).padStart(5)} %  ${String(row.ms).padStart(8)} ms  ${row.name}`);
  console.log('\nself time by function:');
  for (const row of result.byFunction) console.log(`${String(row.pct).padStart(5)} %  ${String(row.ms).padStart(8)} ms  ${row.name}`);
}
