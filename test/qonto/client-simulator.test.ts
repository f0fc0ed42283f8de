/**
 * THE contract test between the gateway's Qonto client (src/qonto) and the Qonto simulator (the
 * workspace package qonto-simulator). The two sides share no code: the simulator has its own wire
 * types and webhook signing, written from docs/qonto-facts.md, so a wrong assumption in either
 * shows up here as a failure instead of passing on both sides.
 *
 * Every public method of QontoClient runs against the real simulator over HTTP, with both
 * credential forms (API key and Bearer token); the last test fails when a method was added to
 * QontoClient without being exercised here. Also covered: tenant isolation, 401 mapping, shared
 * GETs, retries under injected faults, and a webhook signed by the simulator going through the
 * gateway's own receiver (signature check and envelope parsing).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryDeduplicator } from '../../src/lifecycle/deduplicator.js';
import { createWebhookReceiver, nodeDelivery, type WebhookOutcome } from '../../src/lifecycle/webhook-receiver.js';
import { sendJson } from '../../src/http/json-reply.js';
import {
  isNotFound,
  isQontoError,
  QontoClient,
  QontoTransport,
  type QontoTransportOptions,
  type WireClient,
  type WireCreateClientInvoiceBody,
} from '../../src/qonto/index.js';
import { createSimulator, type Simulator } from 'qonto-simulator';

/** Public methods of QontoClient, and those the tests below called (recorded on the prototype). */
const clientMethods = Object.getOwnPropertyNames(QontoClient.prototype).filter(
  (name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(QontoClient.prototype, name)?.value === 'function',
);
const exercised = new Set<string>();
{
  const prototype = QontoClient.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of clientMethods) {
    const original = prototype[name]!;
    prototype[name] = function (this: QontoClient, ...args: unknown[]) {
      exercised.add(name);
      return original.apply(this, args);
    };
  }
}

let sim: Simulator;
let transport: QontoTransport;
let delays: number[];

function newTransport(options: Partial<QontoTransportOptions> = {}): QontoTransport {
  return new QontoTransport({
    baseUrl: sim.url,
    environment: 'production',
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
}

beforeAll(async () => {
  sim = await createSimulator({ manualClock: true });
  delays = [];
  transport = newTransport();
});

afterAll(async () => {
  await transport.close();
  await sim.close();
});

beforeEach(() => {
  delays.length = 0;
  sim.resetRequests();
});

afterEach(() => {
  sim.faults.reset();
});

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const calls = () => sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`);

const credentialForms = [
  ['API key', () => sim.credentials[0]!.apiKey],
  ['Bearer token', () => `Bearer ${sim.credentials[0]!.bearerToken}`],
] as const;

describe.each(credentialForms)('every client method against the simulator (%s)', (_form, authorization) => {
  let client: QontoClient;
  let reachable: WireClient;

  const invoiceBody = (clientId: string): WireCreateClientInvoiceBody => ({
    client_id: clientId,
    issue_date: today(),
    due_date: inDays(30),
    currency: 'EUR',
    terms_and_conditions: 'Payment within 30 days.',
    payment_methods: { iban: sim.credentials[0]!.iban },
    items: [{ title: 'Consulting', quantity: '1.5', unit: 'hour', unit_price: { value: '100.00', currency: 'EUR' }, vat_rate: '0.2' }],
  });

  beforeAll(async () => {
    client = transport.forAuthorization(authorization());
    const { clients } = await client.listClients({ perPage: 100 });
    const found = clients.find((c) => c.e_invoicing_reachable === true);
    if (!found) throw new Error('the seed has no reachable client');
    reachable = found;
  });

  it('reads the organization and the e-invoicing settings', async () => {
    const organization = await client.getOrganization();
    expect(organization.id).toBe(sim.credentials[0]!.organizationId);
    expect(organization.bank_accounts?.[0]?.iban).toBe(sim.credentials[0]!.iban);
    expect(await client.getEinvoicingSettings()).toMatchObject({ sending_status: 'enabled' });
    expect(sim.requests.every((r) => r.organizationId === organization.id)).toBe(true);
  });

  it('lists clients page by page with filters, and gets one', async () => {
    const first = await client.listClients({ page: 1, perPage: 3, sortBy: 'name:asc' });
    expect(first.clients).toHaveLength(3);
    expect(first.meta).toMatchObject({ current_page: 1, next_page: 2, prev_page: null, per_page: 3 });
    const second = await client.listClients({ page: 2, perPage: 3, sortBy: 'name:asc' });
    expect(second.clients.map((c) => c.id)).not.toContain(first.clients[0]!.id);

    const byName = await client.listClients({ filter: { name: reachable.name!.slice(0, 6) } });
    expect(byName.clients.map((c) => c.id)).toContain(reachable.id);
    expect(sim.requests[2]?.query).toEqual({ 'filter[name]': reachable.name!.slice(0, 6) });

    expect(await client.getClient(reachable.id)).toMatchObject({ id: reachable.id, e_invoicing_reachable: true });
  });

  it('lists client invoices filtered by status, and gets one with its lifecycle events', async () => {
    const { client_invoices: invoices, meta } = await client.listClientInvoices({
      perPage: 100,
      filter: { status: ['unpaid', 'paid'] },
    });
    expect(invoices.length).toBeGreaterThan(0);
    expect(invoices.every((i) => i.status === 'unpaid' || i.status === 'paid')).toBe(true);
    expect(meta.total_count).toBe(invoices.length);
    expect(sim.requests[0]?.query).toMatchObject({ 'filter[status]': 'unpaid,paid' });
    const one = await client.getClientInvoice(invoices[0]!.id);
    expect(one.id).toBe(invoices[0]!.id);
    expect(Array.isArray(one.einvoicing_lifecycle_events)).toBe(true);
  });

  it("reads an invoice's attachment, or gets a 404 while the simulator does not serve attachments", async () => {
    const { client_invoices: invoices } = await client.listClientInvoices({ perPage: 100, filter: { status: ['unpaid'] } });
    const attachmentId = invoices.find((i) => i.attachment_id)?.attachment_id;
    if (!attachmentId) throw new Error('the seed has no invoice with an attachment');
    const answer = await client.getAttachment(attachmentId);
    expect(answer).toMatchObject({ id: attachmentId, file_content_type: 'application/pdf' });
    expect(typeof answer.url).toBe('string');
    expect(sim.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v2/attachments/${attachmentId}` });
  });

  it('maps an unknown id to a 404 QontoError', async () => {
    const error = await client.getClientInvoice(randomUUID()).catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect(error).toMatchObject({ code: 'not_found', route: '/v2/client_invoices/{id}' });
    expect((error as { traceId?: string }).traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('Flow 1: create, finalize, email, mark and unmark paid, e-invoice, follow the lifecycle, cancel', async () => {
    const draft = await client.createClientInvoice(invoiceBody(reachable.id));
    expect(draft).toMatchObject({ status: 'draft', number: null });
    expect(draft.client?.id).toBe(reachable.id);

    const finalized = await client.finalizeClientInvoice(draft.id);
    expect(finalized.status).toBe('unpaid');
    expect(finalized.number).toMatch(/^INV-\d{4}-\d{3}$/);

    const outboxBefore = sim.outbox.length;
    await expect(
      client.sendClientInvoiceByEmail(draft.id, { send_to: ['ap@client.example'], email_title: 'Your invoice' }),
    ).resolves.toBeUndefined();
    expect(sim.outbox.length).toBe(outboxBefore + 1);

    expect(await client.markClientInvoiceAsPaid(draft.id, { paidAt: today() })).toMatchObject({
      status: 'paid',
      paid_at: expect.stringContaining(today()),
    });
    expect(await client.unmarkClientInvoiceAsPaid(draft.id)).toMatchObject({ status: 'unpaid', paid_at: null });

    await expect(client.sendClientInvoiceByEinvoice(draft.id)).resolves.toBeUndefined();
    const submitted = await client.getClientInvoice(draft.id);
    expect(submitted.einvoicing_lifecycle_events?.map((e) => String(e.status_code))).toEqual(['200']);
    expect(submitted.einvoicing_status).toBe('pending');
    await sim.network.flush();
    const progressed = await client.getClientInvoice(draft.id);
    expect(progressed.einvoicing_lifecycle_events?.length).toBeGreaterThan(1);

    await expect(client.sendClientInvoiceByEinvoice(draft.id)).resolves.toBeUndefined();
    expect(await client.markClientInvoiceAsCanceled(draft.id)).toMatchObject({ status: 'canceled' });

    const posts = sim.requests.filter((r) => r.method === 'POST');
    expect(posts.every((r) => r.idempotencyKey && /^[0-9a-f-]{36}$/.test(r.idempotencyKey))).toBe(true);
    expect(new Set(posts.map((r) => r.idempotencyKey)).size).toBe(posts.length);
    expect(calls()).toContain(`POST /v2/client_invoices/${draft.id}/unmark_as_paid 200`);
    expect(calls()).toContain(`POST /v2/client_invoices/${draft.id}/send_by_einvoice 204`);
  });

  it('refuses to e-invoice for an unreachable client (a client created through the API)', async () => {
    const created = await client.createClient({
      kind: 'company',
      name: `Unreachable ${randomUUID().slice(0, 8)}`,
      email: 'billing@unreachable.example',
      currency: 'EUR',
      locale: 'fr',
      billing_address: { street_address: '1 rue X', city: 'Paris', zip_code: '75009', country_code: 'FR' },
    });
    expect(created.e_invoicing_reachable).toBe(false);
    const invoice = await client.createClientInvoice({ ...invoiceBody(created.id), status: 'unpaid' });
    const error = await client.sendClientInvoiceByEinvoice(invoice.id).catch((e: unknown) => e);
    expect(isQontoError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'http', status: 412, code: 'recipient_not_reachable_on_einvoicing', attempts: 1 });
  });

  it('updates a client and a draft (PATCH, only the keys sent), deletes the draft, refuses to update a finalized invoice', async () => {
    const created = await client.createClient({ kind: 'company', name: `Patch ${randomUUID().slice(0, 8)}`, currency: 'EUR' });
    const updated = await client.updateClient(created.id, { email: 'billing@patch.example' });
    expect(updated).toMatchObject({ id: created.id, name: created.name, email: 'billing@patch.example', currency: 'EUR' });

    const draft = await client.createClientInvoice(invoiceBody(reachable.id));
    const patched = await client.updateClientInvoice(draft.id, { purchase_order: 'PO-42' });
    expect(patched).toMatchObject({
      id: draft.id,
      status: 'draft',
      purchase_order: 'PO-42',
      terms_and_conditions: 'Payment within 30 days.',
    });
    await client.deleteClientInvoice(draft.id);
    expect(isNotFound(await client.getClientInvoice(draft.id).catch((e: unknown) => e))).toBe(true);

    const finalized = await client.createClientInvoice({ ...invoiceBody(reachable.id), status: 'unpaid' });
    const refused = await client.updateClientInvoice(finalized.id, { purchase_order: 'PO-43' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'http', status: 422, code: 'invalid_transition' });
  });

  it('Flow 2: bulk-imports files (multipart) and reads the imported invoices', async () => {
    const marker = randomUUID();
    const entries = await client.bulkImportClientInvoices([
      { name: 'a.pdf', type: 'application/pdf', data: new TextEncoder().encode(`%PDF-1.4\n% ${marker} a\n%%EOF\n`) },
      { name: 'b.pdf', type: 'application/pdf', data: new Blob([`%PDF-1.4\n% ${marker} b\n%%EOF\n`]) },
    ]);
    expect(entries.map((e) => e.file_name)).toEqual(['a.pdf', 'b.pdf']);
    const imported = await client.getClientInvoice(entries[0]!.invoice_id);
    expect(imported).toMatchObject({ id: entries[0]!.invoice_id, status: 'unpaid' });
  });

  it('creates, lists (all pages) and deletes webhook subscriptions', async () => {
    const callback = `https://hooks.example/${randomUUID()}`;
    const created = await client.createWebhookSubscription({ callback_url: callback, types: ['v1/client-invoices'] });
    expect(created).toMatchObject({ callback_url: callback, types: ['v1/client-invoices'] });
    expect(created.secret).toMatch(/^whsec_/);
    expect((await client.listWebhookSubscriptions()).map((s) => s.id)).toContain(created.id);
    await expect(client.deleteWebhookSubscription(created.id)).resolves.toBeUndefined();
    expect((await client.listWebhookSubscriptions()).map((s) => s.id)).not.toContain(created.id);
  });
});

describe('against the simulator: isolation, auth and shared GETs', () => {
  it("never sees another organization's invoice", async () => {
    const own = transport.forAuthorization(`Bearer ${sim.credentials[0]!.bearerToken}`);
    const other = transport.forAuthorization(sim.credentials[1]!.apiKey);
    const { client_invoices: invoices } = await own.listClientInvoices({ perPage: 1 });
    const error = await other.getClientInvoice(invoices[0]!.id).catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
  });

  it('maps bad credentials to a 401 that does not contain them', async () => {
    const error = await transport
      .forAuthorization('atelier-lumiere-4821:wrong-secret-value')
      .getOrganization()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'http', status: 401, code: 'unauthorized', attempts: 1 });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('wrong-secret-value');
  });

  it('shares identical concurrent GETs but not across credentials', async () => {
    const bearer = transport.forAuthorization(`Bearer ${sim.credentials[0]!.bearerToken}`);
    const apiKey = transport.forAuthorization(sim.credentials[0]!.apiKey);
    await Promise.all([bearer.getOrganization(), bearer.getOrganization(), apiKey.getOrganization()]);
    expect(sim.requests).toHaveLength(2);
  });
});

describe('against the simulator: fault injection', () => {
  const client = () => transport.forAuthorization(`Bearer ${sim.credentials[0]!.bearerToken}`);

  it('retries 5xx then succeeds', async () => {
    sim.faults.set({ failNext: { count: 2, status: 503 } });
    expect((await client().getOrganization()).id).toBe(sim.credentials[0]!.organizationId);
    expect(calls()).toEqual(['GET /v2/organization 503', 'GET /v2/organization 503', 'GET /v2/organization 200']);
    expect(delays).toEqual([125, 250]);
  });

  it('retries 429 honouring Retry-After, then succeeds', async () => {
    sim.faults.set({ rateLimitNext: { count: 1, retryAfterSeconds: 2 } });
    await client().getEinvoicingSettings();
    expect(calls()).toEqual(['GET /v2/einvoicing/settings 429', 'GET /v2/einvoicing/settings 200']);
    expect(delays).toEqual([2000]);
  });

  it('retries a 429 without Retry-After with backoff from 1 s', async () => {
    sim.faults.set({ rateLimitNext: { count: 2 } });
    await client().listClients({ perPage: 1 });
    expect(sim.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(delays).toEqual([500, 1000]);
  });

  it('retries a POST action with the same idempotency key and applies it once', async () => {
    const c = client();
    const { clients } = await c.listClients({ perPage: 100 });
    const target = clients.find((x) => x.e_invoicing_reachable)!;
    const draft = await c.createClientInvoice({
      client_id: target.id,
      issue_date: today(),
      due_date: inDays(10),
      currency: 'EUR',
      terms_and_conditions: 'Net 10.',
      payment_methods: { iban: sim.credentials[0]!.iban },
      items: [{ title: 'Work', quantity: '1', unit_price: { value: '10.00', currency: 'EUR' }, vat_rate: '0.2' }],
    });
    sim.resetRequests();
    sim.faults.set({ failNext: { count: 1, status: 502, routes: ['POST /v2/client_invoices/{id}/finalize'] } });
    const finalized = await c.finalizeClientInvoice(draft.id);
    expect(finalized.status).toBe('unpaid');
    expect(sim.requests.map((r) => r.status)).toEqual([502, 200]);
    expect(sim.requests[0]?.idempotencyKey).toBeDefined();
    expect(sim.requests[1]?.idempotencyKey).toBe(sim.requests[0]?.idempotencyKey);
  });

  it('times out a hung request and succeeds on retry', async () => {
    const quick = newTransport({ timeoutMs: 100 });
    try {
      sim.faults.set({ hangNext: { count: 1 } });
      const organization = await quick.forAuthorization(sim.credentials[0]!.apiKey).getOrganization();
      expect(organization.id).toBe(sim.credentials[0]!.organizationId);
      expect(sim.requests).toHaveLength(2);
      expect(delays).toEqual([125]);
    } finally {
      await quick.close();
    }
  });

  it('gives up after maxRetries with the last status', async () => {
    sim.faults.set({ failNext: { count: 10, status: 500 } });
    const error = await client()
      .getOrganization()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'http', status: 500, attempts: 4, code: 'internal_server_error' });
    expect(sim.requests).toHaveLength(4);
  });
});

describe('against the simulator: a signed webhook through the gateway receiver', () => {
  it("the gateway's receiver accepts a delivery signed by the simulator and finds the resource id", async () => {
    const secret = `whsec_${randomUUID().replaceAll('-', '')}`;
    const outcomes: WebhookOutcome[] = [];
    const changedClients: string[] = [];
    const receiver = createWebhookReceiver({
      secrets: () => [secret],
      deduplicator: createMemoryDeduplicator(),
      signals: { invoiceChanged: () => undefined, clientChanged: (id) => changedClients.push(id) },
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    const server = createServer((req, res) => {
      void receiver(nodeDelivery(req)).then((reply) => sendJson(res, reply.status, reply.body, reply.headers));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = transport.forAuthorization(`Bearer ${sim.credentials[1]!.bearerToken}`);
    try {
      const subscription = await client.createWebhookSubscription({
        callback_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/qonto`,
        types: ['v1/clients'],
        secret,
      });
      const created = await client.createClient({ kind: 'company', name: `Webhook ${randomUUID().slice(0, 8)}`, currency: 'EUR' });
      await sim.webhooks.idle();
      expect(outcomes).toEqual(['accepted']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(changedClients).toEqual([created.id]);
      await client.deleteWebhookSubscription(subscription.id);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('contract coverage', () => {
  it('exercised every public QontoClient method against the simulator', () => {
    expect(clientMethods.length).toBeGreaterThanOrEqual(18);
    expect(clientMethods.filter((name) => !exercised.has(name))).toEqual([]);
  });
});
