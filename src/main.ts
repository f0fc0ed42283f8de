/**
 * The program: reads the configuration, then starts production mode (`QONTO_API_URL` set: the
 * gateway in front of Qonto) or demo mode (src/demo.ts: the gateway in front of the Qonto
 * simulator, loaded only then), prints the banner and stops on SIGTERM / SIGINT.
 */
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { startDemo } from './demo.js';
import { createGateway, GRAPHQL_PATH, WEBHOOK_PATH, type Gateway } from './gateway.js';
import { createLogger } from './observability/logger.js';

/** What either mode runs. */
interface Running {
  gateway: Gateway;
  /** Said after "ready" in the banner's first line. */
  note: string;
  /** Banner lines after the gateway's own. */
  bannerLines: string[];
  close(): Promise<void>;
}

async function startProduction(config: GatewayConfig, logger: Logger): Promise<Running> {
  const gateway = await createGateway({ config, logger });
  return {
    gateway,
    note: '',
    bannerLines: [`  Qonto:     ${config.qonto.apiUrl} (${config.qonto.environment}, ${config.qonto.auth.mode} auth)`],
    close: () => gateway.close(),
  };
}

async function startDemoMode(config: GatewayConfig, logger: Logger): Promise<Running> {
  const demo = await startDemo({ config, logger });
  return { gateway: demo.gateway, note: ' (simulator mode: no QONTO_API_URL set)', bannerLines: demo.bannerLines, close: demo.close };
}

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));

  const running = config.qonto.apiUrl ? await startProduction(config, logger) : await startDemoMode(config, logger);

  // Signal handlers first: whoever reads the banner may stop the program right away.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      await running.close();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const publicUrl = running.gateway.url.replace('://127.0.0.1:', '://localhost:');
  const lines = [
    '',
    `Qonto e-invoicing gateway ready${running.note}`,
    `  GraphiQL:  ${publicUrl}${GRAPHQL_PATH}`,
    `  Webhooks:  ${publicUrl}${WEBHOOK_PATH}`,
    `  Metrics:   ${publicUrl}/metrics`,
    ...running.bannerLines,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

void main();
