/**
 * Benchmark child process: the gateway exactly as `npm start` runs it against a real Qonto
 * (`QONTO_API_URL` set), configured from the environment (`loadConfig`), on a free port of
 * 127.0.0.1 unless `PORT`/`HOST` say otherwise. Prints one line `READY {"url"}`.
 *
 * Run it in production shape: `NODE_ENV=production LOG_LEVEL=warn QONTO_API_URL=<simulator>
 * QONTO_WEBHOOK_SECRET=<secret>` (the scenarios do). SIGTERM closes it and exits 0, so that
 * `node --cpu-prof` can write its profile.
 *
 * `BENCH_GATEWAY_SRC=<dir>` loads the gateway from another `src/` directory (a checkout of an
 * earlier commit, with `node_modules` reachable from it) for same-run before/after comparisons.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type ConfigModule = typeof import('../../src/config.js');
type GatewayModule = typeof import('../../src/gateway.js');
type LoggerModule = typeof import('../../src/observability/logger.js');

const srcDir = process.env['BENCH_GATEWAY_SRC']
  ? resolve(process.env['BENCH_GATEWAY_SRC'])
  : fileURLToPath(new URL('../../src/', import.meta.url));
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(srcDir, file)).href)) as T;
const { ConfigError, loadConfig } = await load<ConfigModule>('config.ts');
const { createGateway } = await load<GatewayModule>('gateway.ts');
const { createLogger } = await load<LoggerModule>('observability/logger.ts');

let config: ReturnType<ConfigModule['loadConfig']>;
try {
  config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ...process.env });
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
const logger = createLogger(config.logLevel);
const gateway = await createGateway({ config, logger, shutdownGraceMs: 1000 });
process.stdout.write(`READY ${JSON.stringify({ url: gateway.url, redis: Boolean(config.redisUrl), src: srcDir })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void gateway.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
