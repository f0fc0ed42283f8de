import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves `graphql` (no "exports" map) to its CommonJS build, and so do Pothos, yoga
    // and graphql-ws at run time; make Vite agree so only one graphql instance is ever loaded.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // `npm test` runs the gateway's suites and every workspace package's own (its vitest.config.ts).
    projects: [{ extends: true, test: { name: 'gateway', include: ['test/**/*.test.ts'] } }, 'packages/*'],
  },
});
