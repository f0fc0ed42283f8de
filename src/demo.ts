/**
 * Demo mode (no `QONTO_API_URL`): the gateway in front of the Qonto simulator of the workspace
 * package `qonto-simulator`, with demo credentials, pre-registered webhooks and GraphiQL ready to
 * run a query. This is the only module of `src/` that loads the simulator, and it does so with a
 * dynamic `import()`, so production mode never loads it (checked by
 * test/e2e/production-mode.test.ts).
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { createGateway, WEBHOOK_PATH, type Gateway } from './gateway.js';
import { QontoTransport } from './qonto/transport.js';
import { CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE, type WireWebhookSubscription } from './qonto/wire.js';

/** The query GraphiQL opens with in demo mode. */
export const DEMO_QUERY = `# Welcome! The Authorization header below holds demo credentials of the
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

/** Options of {@link registerGatewayWebhooks}. */
export interface RegisterGatewayWebhooksOptions {
  /** Base URL of the Qonto API (the simulator's in demo mode and tests), without `/v2`. */
  qontoBaseUrl: string;
  /** Base URL of the gateway; deliveries go to `<gatewayUrl>` + {@link WEBHOOK_PATH}. */
  gatewayUrl: string;
  /** One `Authorization` value per organisation to subscribe. */
  authorizations: readonly string[];
  /** Secret of every subscription (the gateway must accept it). */
  secret: string;
  /** Description of the subscriptions. */
  description?: string;
}

/**
 * Subscribes the gateway's webhook receiver to the types it consumes (`v1/client-invoices`,
 * `v1/clients`), once per organisation, through the gateway's own Qonto client. Used by demo mode
 * and by the end-to-end tests (test/helpers/live.ts).
 */
export async function registerGatewayWebhooks(options: RegisterGatewayWebhooksOptions): Promise<WireWebhookSubscription[]> {
  const registrar = new QontoTransport({ baseUrl: options.qontoBaseUrl, environment: 'production' });
  const subscriptions: WireWebhookSubscription[] = [];
  try {
    for (const authorization of options.authorizations) {
      subscriptions.push(
        await registrar.forAuthorization(authorization).createWebhookSubscription({
          callback_url: `${options.gatewayUrl}${WEBHOOK_PATH}`,
          types: [CLIENT_INVOICES_WEBHOOK_TYPE, CLIENTS_WEBHOOK_TYPE],
          secret: options.secret,
          ...(options.description === undefined ? {} : { description: options.description }),
        }),
      );
    }
  } finally {
    await registrar.close();
  }
  return subscriptions;
}

/** A running demo: the gateway, the simulator behind it and what the banner adds. */
export interface DemoMode {
  gateway: Gateway;
  /** The effective configuration (demo credentials and the webhook secret filled in). */
  config: GatewayConfig;
  /** Base URL of the simulator. */
  simulatorUrl: string;
  /** Banner lines after the gateway's own: the simulator and the demo credentials. */
  bannerLines: string[];
  /** Stops the gateway, then the simulator. */
  close(): Promise<void>;
}

/**
 * Starts the simulator, then the gateway in front of it: static auth without credentials gets the
 * first demo organisation's API key, the webhook secret is the configured one or a generated one,
 * GraphiQL opens with demo credentials and {@link DEMO_QUERY}, and every demo organisation's
 * webhooks are subscribed to the gateway.
 */
export async function startDemo(options: { config: GatewayConfig; logger: Logger }): Promise<DemoMode> {
  const { createSimulator, generateWebhookSecret } = await import('qonto-simulator');
  const simulator = await createSimulator({ port: options.config.simulator.port, stepIntervalMs: options.config.simulator.stepIntervalMs });
  try {
    const demo = simulator.credentials[0];
    if (!demo) throw new Error('the simulator has no demo organisation');
    const secret = options.config.webhookSecrets[0] ?? generateWebhookSecret();
    const configured = options.config.qonto.auth;
    const auth = configured.mode === 'static' && !configured.authorization ? { ...configured, authorization: demo.apiKey } : configured;
    const config: GatewayConfig = {
      ...options.config,
      webhookSecrets: [secret, ...options.config.webhookSecrets.slice(1)],
      qonto: { ...options.config.qonto, auth },
    };
    const graphiqlAuthorization = auth.mode === 'static' ? `Bearer ${auth.gatewayApiKeys[0] ?? ''}` : `Bearer ${demo.bearerToken}`;
    const gateway = await createGateway({
      config,
      logger: options.logger,
      qontoBaseUrl: simulator.url,
      graphiql: { headers: { Authorization: graphiqlAuthorization }, defaultQuery: DEMO_QUERY },
    });
    try {
      await registerGatewayWebhooks({
        qontoBaseUrl: simulator.url,
        gatewayUrl: gateway.url,
        authorizations: simulator.credentials.map((organisation) => `Bearer ${organisation.bearerToken}`),
        secret,
        description: 'Embedded gateway (simulator mode)',
      });
    } catch (error) {
      await gateway.close();
      throw error;
    }

    const bannerLines = [
      `  Simulator: ${simulator.url} (an embedded stand-in for Qonto's REST API)`,
      '',
      'Demo credentials (send one as the Authorization header):',
    ];
    for (const organisation of simulator.credentials) {
      bannerLines.push(
        `  ${organisation.legalName}:`,
        `    Authorization: Bearer ${organisation.bearerToken}`,
        `    Authorization: ${organisation.apiKey}`,
      );
    }
    if (auth.mode === 'static') {
      bannerLines.push(`  (static auth: the gateway uses ${demo.legalName}; send Authorization: Bearer <one of GATEWAY_API_KEYS>)`);
    }
    return {
      gateway,
      config,
      simulatorUrl: simulator.url,
      bannerLines,
      close: async () => {
        await gateway.close();
        await simulator.close();
      },
    };
  } catch (error) {
    await simulator.close();
    throw error;
  }
}
