import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Prints the schema assembled in src/schema to schema/schema.graphql (sorted SDL).
 * `npm run codegen` regenerates it; `npm run codegen:check` fails when it is stale (CI).
 */
const config: CodegenConfig = {
  schema: './src/schema/index.ts',
  require: ['tsx/esm'],
  generates: {
    'schema/schema.graphql': {
      plugins: ['schema-ast'],
      config: { includeDirectives: false, commentDescriptions: false, sort: true },
    },
  },
  silent: true,
};

export default config;
