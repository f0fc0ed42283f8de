/**
 * Production mode never loads the simulator: the program is started as `npm start` starts it,
 * with a module-load hook (node:module `register`) that appends the URL of every module Node loads
 * to a file. With QONTO_API_URL set, no file of the `qonto-simulator` package (nor its XML parser)
 * may appear; in demo mode the same hook must see the package, which shows the hook works.
 * A source scan adds that only src/demo.ts refers to the package, through a dynamic import.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gateway-module-log-'));

writeFileSync(
  join(work, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, nextLoad) {
  appendFileSync(log, url + '\\n');
  return nextLoad(url, context);
}
`,
);
writeFileSync(
  join(work, 'record-modules.mjs'),
  `import { register } from 'node:module';
register('./hooks.mjs', { parentURL: import.meta.url, data: { log: process.env.MODULE_LOAD_LOG } });
`,
);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts `src/main.ts` with the hook, waits for the banner, stops it and returns the loaded module URLs. */
async function loadedModules(name: string, env: Record<string, string>): Promise<{ banner: string; modules: string[] }> {
  const log = join(work, `${name}.log`);
  writeFileSync(log, '');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', pathToFileURL(join(work, 'record-modules.mjs')).href, 'src/main.ts'],
    {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', MODULE_LOAD_LOG: log, ...env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/Metrics:.*\n[\s\S]*\n\n$/.test(stdout)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before its banner: ${stderr}`)));
  });
  child.kill('SIGTERM');
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  expect({ code, signal, stdout, stderr }).toEqual({ code: 0, signal: null, stdout, stderr });
  return { banner: stdout, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const simulatorModules = (modules: string[]) =>
  modules.filter((url) => /\/packages\/qonto-simulator\/|\/node_modules\/qonto-simulator\/|\/fast-xml-parser\//.test(url));

describe('the simulator is loaded in demo mode only', () => {
  it('production mode (QONTO_API_URL set) loads no module of qonto-simulator', async () => {
    const { banner, modules } = await loadedModules('production', {
      QONTO_API_URL: 'http://127.0.0.1:9',
      QONTO_WEBHOOK_SECRET: 'whsec_production_mode_test_secret_0123',
    });
    expect(banner).toContain('Qonto:     http://127.0.0.1:9');
    expect(banner).not.toContain('Demo credentials');
    expect(modules.some((url) => url.endsWith('/src/main.ts'))).toBe(true);
    expect(modules.some((url) => url.endsWith('/src/gateway.ts'))).toBe(true);
    expect(simulatorModules(modules)).toEqual([]);
  }, 30_000);

  it('demo mode loads it, through src/demo.ts (the hook sees it)', async () => {
    const { banner, modules } = await loadedModules('demo', {});
    expect(banner).toContain('Demo credentials');
    expect(simulatorModules(modules).some((url) => url.endsWith('/packages/qonto-simulator/src/index.ts'))).toBe(true);
  }, 30_000);
});

describe('source boundaries', () => {
  const sourceFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );

  it('no file of src/ refers to the simulator except src/demo.ts, and that one only through import()', () => {
    const referring = sourceFiles(join(root, 'src'))
      .filter((file) => /['"](?:qonto-simulator|[./]*packages\/qonto-simulator)[^'"]*['"]/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(referring).toEqual(['src/demo.ts']);
    const demo = readFileSync(join(root, 'src/demo.ts'), 'utf8');
    expect(demo).not.toMatch(/\bfrom\s+['"]qonto-simulator['"]/);
    expect(demo).toMatch(/await import\('qonto-simulator'\)/);
  });

  it("the gateway's production dependencies include neither the simulator nor its XML parser", () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('qonto-simulator');
    expect(Object.keys(manifest.dependencies)).not.toContain('fast-xml-parser');
    expect(manifest.devDependencies['qonto-simulator']).toBeDefined();
  });
});
