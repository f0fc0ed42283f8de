import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, SEED, type Simulator } from 'qonto-simulator';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && !process.env['CI']) {
  console.warn(`[browser test skipped] ${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run it`);
}

describe.skipIf(!available && !process.env['CI'])('GraphiQL in a real browser (Debian chromium)', () => {
  let sim: Simulator;
  let gateway: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    sim = await createSimulator({ manualClock: true });
    gateway = await createGateway({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }),
      qontoBaseUrl: sim.url,
      logger: createLogger('silent'),
      graphiql: {
        headers: { Authorization: `Bearer ${sim.credentials[0]!.bearerToken}` },
        defaultQuery: '{ clients(first: 1) { totalCount nodes { name } } }',
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await sim?.close();
  });

  it('loads offline, runs the pre-filled query with the demo credentials and shows the result', async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol.startsWith('http')) external.push(request.url());
    });
    await page.goto(`${gateway.url}/graphql`);
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ timeout: 30_000 });
    await run.click();
    const result = page.locator('.result-window');
    await expect.poll(async () => (await result.textContent()) ?? '', { timeout: 30_000 }).toContain('totalCount');
    const text = ((await result.textContent()) ?? '').replace(/\u00a0/g, ' ');
    await page.screenshot({ path: 'test/browser/graphiql.png' });
    const direct = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sim.credentials[0]!.bearerToken}` },
      body: JSON.stringify({ query: '{ clients(first: 1) { nodes { name } } }' }),
    });
    const firstName = ((await direct.json()) as { data: { clients: { nodes: Array<{ name: string }> } } }).data.clients.nodes[0]!.name;
    expect(text).toContain(firstName);
    expect(text).not.toContain('errors');
    expect(external).toEqual([]);
  }, 60_000);

  it('runs a lifecycle subscription over WebSocket and shows events as they arrive', async () => {
    const page = await browser.newPage();
    const id = SEED.atelier.invoices.readyToSendHotel;
    const subscription = `subscription { clientInvoiceLifecycle(id: "${id}") { event { statusCode label } } }`;
    await page.goto(`${gateway.url}/graphql?query=${encodeURIComponent(subscription)}`);
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ timeout: 30_000 });
    await run.click();
    await gateway.services.lifecycle.whenSubscribers(1);
    await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sim.credentials[0]!.bearerToken}` },
      body: JSON.stringify({ query: `mutation { sendInvoiceByEinvoice(id: "${id}") { __typename } }` }),
    });
    const result = page.locator('.result-window');
    await expect
      .poll(async () => ((await result.textContent()) ?? '').replace(/\u00a0/g, ' '), { timeout: 30_000 })
      .toContain('"label": "Submitted"');
  }, 60_000);
});
