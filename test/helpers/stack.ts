import { loadConfig, type GatewayConfig } from '../../src/config.js';
import { createGatewayApp, type GatewayApp } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, type Simulator, type SimulatorOptions } from 'qonto-simulator';

/** A GraphQL response as the tests read it. */
export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  body: {
    data?: TData | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  };
}

/** A simulator plus an in-process gateway app talking to it (no gateway port). */
export interface TestStack {
  sim: Simulator;
  app: GatewayApp;
  config: GatewayConfig;
  /** The demo organisation's bearer `Authorization` value. */
  auth: string;
  /** Runs an operation through `yoga.fetch`. */
  gql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    authorization?: string | null,
  ): Promise<GraphQLResponse<TData>>;
  /** Runs an operation with files as a GraphQL multipart request (with the CSRF header); `files` fill `variables.files`. */
  gqlUpload<TData = Record<string, unknown>>(
    query: string,
    files: Array<{ name: string; type: string; content: string | Uint8Array<ArrayBuffer> }>,
    authorization?: string,
  ): Promise<GraphQLResponse<TData>>;
  /** The simulator's recorded `/v2` calls since the last reset, as `METHOD path` strings. */
  calls(): string[];
  close(): Promise<void>;
}

/**
 * Starts a simulator and a gateway app wired to it; `env` overrides the gateway environment. The
 * read cache is off unless `env` sets `QONTO_CACHE_TTL_MS`: most tests count or reread upstream
 * state the simulator changes behind the gateway's back (test/gateway/read-cache.test.ts turns it on).
 */
export async function startStack(options: { env?: NodeJS.ProcessEnv; simulator?: SimulatorOptions } = {}): Promise<TestStack> {
  const sim = await createSimulator({ manualClock: true, ...options.simulator });
  const config = loadConfig({ LOG_LEVEL: 'silent', QONTO_MAX_RETRIES: '1', QONTO_CACHE_TTL_MS: '0', ...options.env });
  const app = createGatewayApp({
    config: { ...config, qonto: { ...config.qonto } },
    qontoBaseUrl: sim.url,
    logger: createLogger('silent'),
  });
  const auth = `Bearer ${sim.credentials[0]!.bearerToken}`;
  return {
    sim,
    app,
    config,
    auth,
    async gql(query, variables, authorization = auth) {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
      if (authorization) headers['authorization'] = authorization;
      const response = await app.yoga.fetch('http://gateway/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] } as never;
    },
    async gqlUpload(query, files, authorization = auth) {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables: { files: files.map(() => null) } }));
      form.append('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
      for (const [i, file] of files.entries()) form.append(String(i), new Blob([file.content], { type: file.type }), file.name);
      const response = await app.yoga.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { authorization, 'x-graphql-yoga-csrf': '1' },
        body: form,
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] } as never;
    },
    calls: () => sim.requests.map((r) => `${r.method} ${r.path}`),
    async close() {
      await app.close();
      await sim.close();
    },
  };
}
