import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Code and tests cite the repository's own docs (`docs/qonto-facts.md#leniency`,
// `README.md#configuration`), never documents that live outside it. The patterns below are written
// with escapes so that this file does not match them itself.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Citations of documents outside the repository, by what they look like. */
const FORBIDDEN: readonly { name: string; pattern: RegExp }[] = [
  { name: 'the Qonto API notes', pattern: /qonto-api\.md/ },
  { name: 'the design notes', pattern: /(?<![\w-])design\.md/ },
  { name: 'a section number', pattern: /\u00a7\s*\d/ },
  { name: 'a path into the shared folder', pattern: /\/work\/shared\b|\.\.\/shared\/|(?<![\w./@-])shared\// },
];

/** Where citations are looked for: code, tests, benchmarks and the workspace packages' own. */
function scannedFiles(): string[] {
  const roots = ['src', 'test', 'bench'];
  for (const pkg of readdirSync(join(ROOT, 'packages'))) roots.push(`packages/${pkg}/src`, `packages/${pkg}/test`);
  return roots.filter((dir) => existsSync(join(ROOT, dir))).flatMap((dir) => walk(dir));
}

function walk(dir: string): string[] {
  if (dir === 'bench/results') return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    if (entry.isDirectory()) return walk(path);
    return entry.isFile() ? [path] : [];
  });
}

function readText(path: string): string | undefined {
  const text = readFileSync(join(ROOT, path), 'utf8');
  return text.includes('\0') ? undefined : text;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, each space a hyphen. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (outside code fences), duplicates numbered as GitHub does. */
function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker;
      else if (marker.startsWith(fence)) fence = undefined;
      continue;
    }
    const heading = fence === undefined ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1] : undefined;
    if (heading === undefined) continue;
    const base = headingAnchor(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string> | undefined>();
function anchorsOf(path: string): Set<string> | undefined {
  if (!anchorCache.has(path)) {
    const full = join(ROOT, path);
    anchorCache.set(path, existsSync(full) && statSync(full).isFile() ? markdownAnchors(readFileSync(full, 'utf8')) : undefined);
  }
  return anchorCache.get(path);
}

/** Links, written from the repository root, to a Markdown file under docs/ or to the README, with a heading anchor. */
const DOC_LINK = /(?<![\w./-])((?:docs\/[\w./-]+|README)\.md)#([\w-]+)/g;

function brokenLinks(path: string, text: string): string[] {
  const broken: string[] = [];
  for (const [, file, anchor] of text.matchAll(DOC_LINK)) {
    const anchors = anchorsOf(file!);
    if (anchors === undefined) broken.push(`${path}: ${file}#${anchor} (no such file)`);
    else if (!anchors.has(anchor!)) broken.push(`${path}: ${file}#${anchor} (no such heading)`);
  }
  return broken;
}

function forbiddenCitations(path: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, index) =>
      FORBIDDEN.filter(({ pattern }) => pattern.test(line)).map(({ name }) => `${path}:${index + 1}: ${name}: ${line.trim()}`),
    );
}

describe('citations in code, tests and benchmarks', () => {
  const files = scannedFiles()
    .map((path) => ({ path, text: readText(path) }))
    .filter((file): file is { path: string; text: string } => file.text !== undefined);

  it('scans the gateway, its tests, the benchmarks and the packages', () => {
    const paths = files.map((file) => file.path);
    expect(paths).toContain('src/qonto/wire.ts');
    expect(paths).toContain('bench/run.ts');
    expect(paths.some((path) => path.startsWith('packages/qonto-simulator/src/'))).toBe(true);
    expect(paths.some((path) => path.startsWith('packages/qonto-simulator/test/'))).toBe(true);
    expect(paths.some((path) => path.startsWith('bench/results/') || path.includes('/node_modules/'))).toBe(false);
  });

  it('cite no document outside the repository', () => {
    const found = files.flatMap((file) => forbiddenCitations(file.path, file.text));
    expect(found).toEqual([]);
  });

  it('link only to existing headings of existing docs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const broken = [...files, { path: 'README.md', text: readme }].flatMap((file) => brokenLinks(file.path, file.text));
    expect(broken).toEqual([]);
  });
});

describe('the docs themselves', () => {
  const markdownIn = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `${dir}/${name}`);
  const docs = ['README.md', ...markdownIn('docs'), ...markdownIn('bench')];
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    if (existsSync(join(ROOT, 'packages', pkg, 'README.md'))) docs.push(`packages/${pkg}/README.md`);
  }

  it('name no document outside the repository', () => {
    const found = docs.flatMap((path) => forbiddenCitations(path, readFileSync(join(ROOT, path), 'utf8')));
    expect(found).toEqual([]);
  });

  it('link only to files inside the repository, and to headings that exist', () => {
    const broken: string[] = [];
    for (const path of docs) {
      for (const [, target] of readFileSync(join(ROOT, path), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [file = '', anchor] = target!.split('#');
        const resolved =
          file === ''
            ? path
            : relative(ROOT, resolve(ROOT, dirname(path), file))
                .split(sep)
                .join('/');
        if (resolved.startsWith('..') || !existsSync(join(ROOT, resolved)))
          broken.push(`${path}: ${target} (outside the repository or missing)`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved)?.has(anchor))
          broken.push(`${path}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('headingAnchor and markdownAnchors', () => {
  it('lower-case the heading, drop punctuation and turn spaces into hyphens', () => {
    expect(headingAnchor('Simulator: e-invoicing network')).toBe('simulator-e-invoicing-network');
    expect(headingAnchor('401 budget')).toBe('401-budget');
    expect(headingAnchor("Protecting Qonto's quota")).toBe('protecting-qontos-quota');
    expect(headingAnchor('Results (run of 17:43, `bench/results/fanout.json`)')).toBe('results-run-of-1743-benchresultsfanoutjson');
  });

  it('skip code fences and number repeated headings', () => {
    const anchors = markdownAnchors('# Title\n```sh\n# not a heading\n```\n## Set-up\n### Set-up\n');
    expect([...anchors]).toEqual(['title', 'set-up', 'set-up-1']);
  });

  it('find forbidden citations however they are written', () => {
    const lines = [
      'see qonto-api' + '.md',
      '(design' + '.md, "Readiness")',
      '(\u00a7' + '10.1)',
      '/work/sha' + 'red/peers',
      '../sha' + 'red/harness',
      'see sha' + 'red/qonto-api' + '.md',
    ];
    expect(lines.map((line) => forbiddenCitations('x.ts', line).length)).toEqual([1, 1, 1, 1, 1, 2]);
    expect(forbiddenCitations('x.ts', "import { x } from '../app/shared/x.js'; // shared state; redesign.md")).toEqual([]);
  });
});
