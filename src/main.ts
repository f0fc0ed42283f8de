import { randomInt } from 'node:crypto';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { createGateway, GRAPHQL_PATH, type Gateway } from './gateway.js';
import { createLogger } from './observability/logger.js';
import { QontoTransport } from './qonto/transport.js';
import { CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE } from './qonto/wire.js';
import { createSimulator, type Simulator } from 'qonto-simulator';

/** The query GraphiQL opens with in simulator mode. */
const DEMO_QUERY = `# Welcome! The Authorization header below holds demo credentials of the
# embedded Qonto simulator. Run this, then try sendInvoiceByEinvoice and the
# clientInvoiceLifecycle subscription (see the README).
query Invoices {
  clientInvoices(first: 10) {
    totalCount
    nodes {
      id
      number
      status
      totalAmount { value currency }
      client { name einvoicingReachable }
      einvoicingStatus
      einvoicingLifecycleEvents { status label occurredAt }
      einvoicingEligibility { eligible reasons }
    }
  }
}
`;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A webhook secret shaped like Qonto's generated ones (`whsec_` + 32 base62 characters). */
function generateWebhookSecret(): string {
  let secret = 'whsec_';
  for (let i = 0; i < 32; i++) secret += BASE62[randomInt(BASE62.length)];
  return secret;
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

  let simulator: Simulator | undefined;
  let gateway: Gateway;
  if (config.qonto.apiUrl) {
    gateway = await createGateway({ config, logger });
  } else {
    simulator = await createSimulator({ port: config.simulator.port, stepIntervalMs: config.simulator.stepIntervalMs });
    const secret = config.webhookSecrets[0] ?? generateWebhookSecret();
    const demo = simulator.credentials[0];
    if (!demo) throw new Error('the simulator has no demo organisation');
    const auth =
      config.qonto.auth.mode === 'static' && !config.qonto.auth.authorization
        ? { ...config.qonto.auth, authorization: demo.apiKey }
        : config.qonto.auth;
    config = { ...config, webhookSecrets: [secret, ...config.webhookSecrets.slice(1)], qonto: { ...config.qonto, auth } };
    const graphiqlAuthorization =
      auth.mode === 'static' ? `Bearer ${auth.gatewayApiKeys[0] ?? ''}` : `Bearer ${demo.bearerToken}`;
    gateway = await createGateway({
      config,
      logger,
      qontoBaseUrl: simulator.url,
      graphiql: { headers: { Authorization: graphiqlAuthorization }, defaultQuery: DEMO_QUERY },
    });
    const registrar = new QontoTransport({ baseUrl: simulator.url, environment: 'production' });
    for (const organisation of simulator.credentials) {
      await registrar.forAuthorization(`Bearer ${organisation.bearerToken}`).createWebhookSubscription({
        callback_url: `${gateway.url}/webhooks/qonto`,
        types: [CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE],
        secret,
        description: 'Embedded gateway (simulator mode)',
      });
    }
    await registrar.close();
  }

  const publicUrl = gateway.url.replace('://127.0.0.1:', '://localhost:');
  const lines = [
    '',
    `Qonto e-invoicing gateway ready${simulator ? ' (simulator mode: no QONTO_API_URL set)' : ''}`,
    `  GraphiQL:  ${publicUrl}${GRAPHQL_PATH}`,
    `  Webhooks:  ${publicUrl}/webhooks/qonto`,
    `  Metrics:   ${publicUrl}/metrics`,
  ];
  if (simulator) {
    lines.push(`  Simulator: ${simulator.url} (an embedded stand-in for Qonto's REST API)`, '', 'Demo credentials (send one as the Authorization header):');
    for (const organisation of simulator.credentials) {
      lines.push(`  ${organisation.legalName}:`, `    Authorization: Bearer ${organisation.bearerToken}`, `    Authorization: ${organisation.apiKey}`);
    }
    if (config.qonto.auth.mode === 'static') {
      lines.push(`  (static auth: the gateway uses ${simulator.credentials[0]?.legalName}; send Authorization: Bearer <one of GATEWAY_API_KEYS>)`);
    }
  } else {
    lines.push(`  Qonto:     ${config.qonto.apiUrl} (${config.qonto.environment}, ${config.qonto.auth.mode} auth)`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      await gateway.close();
      await simulator?.close();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
