import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './helpers/import-graph.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../src');

describe('import cycles', () => {
  it('src/ has none (type-only imports included)', () => {
    const graph = importGraph(SRC);
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('qonto/transport.ts')).toContain('qonto/client.ts');
    expect(importCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });
});

describe('importGraph and importCycles', () => {
  const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  write('a.ts', "import type { B } from './b.js';\nexport interface A { b?: B }\n");
  write('b.ts', "import {\n  type C,\n} from './lib/c.js';\nexport interface B { c?: C }\n");
  write(
    'lib/c.ts',
    "export type { A as C } from '../a.js';\n// import { D } from './d.js';\nconst text = \"import { D } from './d.js'\";\n",
  );
  write('lib/d.ts', "import './index.js';\nexport const d = await import('../self.js');\n");
  write('lib/index.ts', "export * from '../e.js';\nimport 'node:fs';\n");
  write('self.ts', "export * from './self.js';\n");
  write('e.ts', 'export const e = 1;\n');

  it('reads every kind of import, not comments nor strings, and resolves .js and folders', () => {
    const graph = importGraph(root);
    expect(Object.fromEntries(graph)).toEqual({
      'a.ts': ['b.ts'],
      'b.ts': ['lib/c.ts'],
      'lib/c.ts': ['a.ts'],
      'lib/d.ts': ['lib/index.ts', 'self.ts'],
      'lib/index.ts': ['e.ts'],
      'self.ts': ['self.ts'],
      'e.ts': [],
    });
  });

  it('reports each cycle once, as a path back to its first file, type-only imports included', () => {
    expect(importCycles(importGraph(root))).toEqual([
      ['a.ts', 'b.ts', 'lib/c.ts', 'a.ts'],
      ['self.ts', 'self.ts'],
    ]);
  });
});
