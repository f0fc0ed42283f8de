import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? typeScriptFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every module specifier of static imports, re-exports and dynamic imports. */
function specifiers(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g)) found.push(match[1]!);
  for (const match of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(match[1]!);
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!);
  return found;
}

const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

describe('package boundaries', () => {
  const sources = typeScriptFiles(join(packageRoot, 'src'));
  const tests = typeScriptFiles(join(packageRoot, 'test'));

  it('has sources and tests to check', () => {
    expect(sources.length).toBeGreaterThan(10);
    expect(tests.length).toBeGreaterThan(5);
  });

  it('imports nothing outside the package (in particular nothing from the gateway under src/)', () => {
    const escaping = [...sources, ...tests].flatMap((file) =>
      specifiers(file)
        .filter((specifier) => specifier.startsWith('.'))
        .filter((specifier) => relative(packageRoot, resolve(dirname(file), specifier)).startsWith('..'))
        .map((specifier) => `${relative(packageRoot, file)}: ${specifier}`),
    );
    expect(escaping).toEqual([]);
  });

  it('declares every package its sources import as a dependency, and its tests import as a dependency or devDependency', () => {
    const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));
    const all = new Set([...dependencies, ...Object.keys(manifest.devDependencies ?? {})]);
    const undeclared = [
      ...sources.flatMap((file) => specifiers(file).map((specifier) => ({ file, specifier, declared: dependencies }))),
      ...tests.flatMap((file) => specifiers(file).map((specifier) => ({ file, specifier, declared: all }))),
    ]
      .filter(({ specifier }) => !specifier.startsWith('.') && !isBuiltin(specifier))
      .filter(({ specifier, declared }) => !declared.has(packageName(specifier)))
      .map(({ file, specifier }) => `${relative(packageRoot, file)}: ${specifier}`);
    expect(undeclared).toEqual([]);
  });
});
