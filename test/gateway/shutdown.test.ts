import { createClient } from 'graphql-ws';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, SEED } from 'qonto-simulator';

describe('graceful shutdown', () => {
  it('lets in-flight requests finish, closes WebSockets with 1001 and ends subscriptions', async () => {
    const sim = await createSimulator({ manualClock: true });
    const gateway = await createGateway({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }),
      qontoBaseUrl: sim.url,
      logger: createLogger('silent'),
    });
    const auth = `Bearer ${sim.credentials[0]!.bearerToken}`;
    try {
      const closed = new Promise<number>((resolve) => {
        const client = createClient({
          url: `${gateway.url.replace('http', 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: auth },
          retryAttempts: 0,
          on: { closed: (event) => resolve((event as { code: number }).code) },
        });
        client.subscribe(
          { query: `subscription { clientInvoiceLifecycle(id: "${SEED.atelier.invoices.readyToSend}") { event { statusCode } } }` },
          { next: () => undefined, error: () => undefined, complete: () => undefined },
        );
      });
      await gateway.services.lifecycle.whenSubscribers(1);

      sim.faults.set({ latencyMs: 300 });
      const arrived = new Promise((resolve) => gateway.server.once('request', resolve));
      const inFlight = fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ query: '{ einvoicingSettings { sendingStatus } }' }),
      });
      await arrived;
      const closeHub = vi.spyOn(gateway.services.lifecycle, 'close');
      const closing = gateway.close();
      expect(gateway.readiness.draining).toBe(true);
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { einvoicingSettings: { sendingStatus: 'ENABLED' } } });
      expect(await closed).toBe(1001);
      await closing;
      expect(gateway.services.lifecycle.stats()).toMatchObject({ watches: 0, subscribers: 0 });
      await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();
      await gateway.close();
      expect(closeHub).toHaveBeenCalledTimes(1);
    } finally {
      await gateway.close();
      await sim.close();
    }
  });
});
