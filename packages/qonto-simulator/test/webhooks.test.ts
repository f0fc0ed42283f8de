import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED, signatureHeader, type Simulator, type SimulatorOptions, type WebhookDelivery } from '../src/index.js';
import { ciiInvoice, pdf } from './fixtures.js';
import { api, type Api, formWith, type ReceivedWebhook, signatureIsValid, startSimulator, WebhookReceiver } from './helpers.js';

let sim: Simulator;
let atelier: Api;
let receiver: WebhookReceiver;
const inv = SEED.atelier.invoices;

async function start(options: SimulatorOptions = {}): Promise<void> {
  sim = await startSimulator({ webhookUrl: receiver.url, webhookRetryDelaysMs: [10, 20], ...options });
  atelier = api(sim);
}

beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
});
afterEach(async () => {
  await sim?.close();
  await receiver.close();
});

function verified(webhook: ReceivedWebhook, secret = sim.webhookSecret): boolean {
  return signatureIsValid(webhook.headers['x-qonto-signature'] as string, webhook.raw, secret);
}

function hasCents(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasCents);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, inner]) => key.endsWith('_cents') || hasCents(inner));
}

// docs/qonto-facts.md#webhook-signature, docs/qonto-facts.md#simulator-webhooks
describe('signature', () => {
  it("matches Qonto's published test vector", () => {
    expect(signatureHeader('test-secret', 1704110400, '{"test":"data"}')).toBe(
      't=1704110400,v1=56aff06dc227db80d6568a5070f912c601c31f20451745d257cbc0b5dfa93805',
    );
  });

  it("the tests' own verifier accepts the test vector and refuses a wrong secret, a changed body and a stale t", () => {
    const header = 't=1704110400,v1=56aff06dc227db80d6568a5070f912c601c31f20451745d257cbc0b5dfa93805';
    expect(signatureIsValid(header, '{"test":"data"}', 'test-secret', 1704110400)).toBe(true);
    expect(signatureIsValid(header, '{"test":"data"}', 'other-secret', 1704110400)).toBe(false);
    expect(signatureIsValid(header, '{"test":"datA"}', 'test-secret', 1704110400)).toBe(false);
    expect(signatureIsValid(header, '{"test":"data"}', 'test-secret', 1704110400 + 301)).toBe(false);
  });
});

// docs/qonto-facts.md#simulator-webhooks
describe('webhook delivery', () => {
  it('generates a whsec_ secret when none is given, and uses the given one otherwise', async () => {
    await start();
    expect(sim.webhookSecret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    const subscriptions = (await atelier.get('/v2/webhook_subscriptions')).body.subscriptions!;
    expect(subscriptions).toEqual([
      expect.objectContaining({
        callback_url: receiver.url,
        types: ['v1/client-invoices', 'v1/clients'],
        secret: sim.webhookSecret,
        organization_id: SEED.atelier.organizationId,
        membership_id: SEED.atelier.membershipId,
      }),
    ]);
    const given = await startSimulator({ webhookUrl: receiver.url, webhookSecret: 'whsec_given_secret_with_enough_chars_12' });
    try {
      expect(given.webhookSecret).toBe('whsec_given_secret_with_enough_chars_12');
    } finally {
      await given.close();
    }
  });

  it('sends one signed updated webhook per appended lifecycle event, in order', async () => {
    await start({ manualClock: false, stepIntervalMs: 0 });
    expect((await atelier.post(`/v2/client_invoices/${inv.readyToSend}/send_by_einvoice`)).status).toBe(204);
    await sim.webhooks.idle();
    expect(receiver.received).toHaveLength(6);
    expect(receiver.received.map((webhook) => webhook.json.data.einvoicing_status)).toEqual([
      'pending',
      'submitted',
      'submitted',
      'submitted',
      'submitted',
      'approved',
    ]);
    for (const webhook of receiver.received) {
      expect(verified(webhook)).toBe(true);
      expect(webhook.headers['content-type']).toBe('application/json');
      expect(webhook.json.type).toBe('v1/client-invoices');
      expect(webhook.json.data.event).toBe('updated');
      expect(webhook.json.data.id).toBe(inv.readyToSend);
    }
    expect(new Set(receiver.received.map((webhook) => webhook.json.id)).size).toBe(6);
    expect(sim.webhooks.deliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual(
      Array.from({ length: 6 }, () => [1, 200]),
    );
  });

  // docs/qonto-facts.md#webhook-envelope, docs/qonto-facts.md#simulator-webhooks
  it('builds the documented envelope: data = single GET without *_cents and events, event first', async () => {
    await start();
    await atelier.post(`/v2/client_invoices/${inv.readyToSend}/send_by_einvoice`);
    await sim.webhooks.idle();
    const [webhook] = receiver.received;
    const envelope = webhook!.json;
    expect(Object.keys(envelope)).toEqual(['id', 'subscription_id', 'organization_id', 'membership_id', 'type', 'created_at', 'data']);
    const subscription = (await atelier.get('/v2/webhook_subscriptions')).body.subscriptions![0]!;
    expect(envelope).toMatchObject({
      subscription_id: subscription.id,
      organization_id: SEED.atelier.organizationId,
      membership_id: SEED.atelier.membershipId,
      type: 'v1/client-invoices',
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(envelope.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Object.keys(envelope.data)[0]).toBe('event');
    expect(hasCents(envelope.data)).toBe(false);
    expect(envelope.data).not.toHaveProperty('einvoicing_lifecycle_events');
    const single = (await atelier.get(`/v2/client_invoices/${inv.readyToSend}`)).body.client_invoice!;
    const { einvoicing_lifecycle_events: _events, total_amount_cents: _t, vat_amount_cents: _v, ...rest } = single;
    expect(envelope.data).toEqual({
      event: 'updated',
      ...rest,
      items: rest.items!.map((item) => Object.fromEntries(Object.entries(item).filter(([key]) => !key.endsWith('_cents')))),
    });
  });

  // docs/qonto-facts.md#simulator-webhooks
  it('reports each invoice change as decided, and nothing for DELETE or email send', async () => {
    await start();
    const created = (
      await atelier.post('/v2/client_invoices', {
        client_id: SEED.atelier.clients.delacroix,
        issue_date: '2026-11-20',
        due_date: '2026-12-20',
        currency: 'EUR',
        terms_and_conditions: 'Net 30',
        payment_methods: { iban: SEED.atelier.iban },
        items: [{ title: 'X', quantity: '1', unit_price: { value: '10.00', currency: 'EUR' }, vat_rate: '0.2' }],
      })
    ).body.client_invoice!;
    await atelier.patch(`/v2/client_invoices/${created.id}`, { purchase_order: 'PO' });
    await atelier.post(`/v2/client_invoices/${created.id}/finalize`);
    await atelier.post(`/v2/client_invoices/${created.id}/send`, { send_to: ['a@b.example'], email_title: 'T' });
    await atelier.post(`/v2/client_invoices/${created.id}/mark_as_paid`);
    await atelier.post(`/v2/client_invoices/${created.id}/unmark_as_paid`);
    await atelier.post(`/v2/client_invoices/${created.id}/mark_as_canceled`);
    await atelier.delete(`/v2/client_invoices/${inv.draft}`);
    await atelier.post(`/v2/client_invoices/${inv.alreadyApproved}/mark_as_paid`);
    await sim.webhooks.idle();
    expect(
      receiver.received.map(
        (webhook) =>
          `${webhook.json.data.event} ${webhook.json.data.id === created.id ? 'new' : webhook.json.data.id} ${webhook.json.data.status}`,
      ),
    ).toEqual([
      'created new draft',
      'updated new draft',
      'updated new unpaid',
      'updated new paid',
      'updated new unpaid',
      'updated new canceled',
      `updated ${inv.alreadyApproved} paid`,
      `updated ${inv.alreadyApproved} paid`,
    ]);
  });

  it('sends created for each newly imported file only', async () => {
    await start();
    const form = formWith('client_invoices', [
      { name: 'a.pdf', content: pdf('w1') },
      { name: 'b.xml', content: ciiInvoice({ number: 'W-1', buyerName: 'Webhook SA', siren: '914000006', vat: 'FR00914000006' }) },
    ]);
    const result = await atelier.raw('/v2/client_invoices/bulk', { method: 'POST', body: form });
    await atelier.raw('/v2/client_invoices/bulk', {
      method: 'POST',
      body: formWith('client_invoices', [{ name: 'a.pdf', content: pdf('w1') }]),
    });
    await sim.webhooks.idle();
    expect(receiver.received.map((webhook) => [webhook.json.type, webhook.json.data.event, webhook.json.data.id])).toEqual(
      result.body.client_invoices!.map((entry) => ['v1/client-invoices', 'created', entry.invoice_id]),
    );
  });

  it('reports client POST, PATCH and DELETE as v1/clients created, updated, deleted (with the last state)', async () => {
    await start();
    const client = (await atelier.post('/v2/clients', { kind: 'company', name: 'Hook SAS' })).body.client!;
    await atelier.patch(`/v2/clients/${client.id}`, { email: 'x@hook.example' });
    await atelier.delete(`/v2/clients/${client.id}`);
    await sim.webhooks.idle();
    expect(
      receiver.received.map((webhook) => [webhook.json.type, webhook.json.data.event, webhook.json.data.id, webhook.json.data['email']]),
    ).toEqual([
      ['v1/clients', 'created', client.id, null],
      ['v1/clients', 'updated', client.id, 'x@hook.example'],
      ['v1/clients', 'deleted', client.id, 'x@hook.example'],
    ]);
    expect(receiver.received.every((webhook) => verified(webhook))).toBe(true);
  });

  it('delivers only to subscriptions of the organisation whose resource changed, and of the right type', async () => {
    await start();
    const bureauReceiver = await new WebhookReceiver().start();
    const clientsOnly = await new WebhookReceiver().start();
    try {
      const bureau = api(sim, SEED.bureau.apiKey);
      const bureauSub = await bureau.post('/v2/webhook_subscriptions', { callback_url: bureauReceiver.url, types: ['v1/client-invoices'] });
      await atelier.post('/v2/webhook_subscriptions', {
        callback_url: clientsOnly.url,
        types: ['v1/clients'],
        secret: 'a-secret-of-at-least-thirty-two-chars',
      });
      await atelier.post(`/v2/client_invoices/${inv.readyToSend}/send_by_einvoice`);
      await bureau.post(`/v2/client_invoices/${SEED.bureau.invoices.readyToSend}/send_by_einvoice`);
      await atelier.post('/v2/clients', { kind: 'company', name: 'Only Clients' });
      await sim.webhooks.idle();
      expect(
        new Set(receiver.received.map((webhook) => `${webhook.json.organization_id} ${webhook.json.type} ${webhook.json.data.id}`)),
      ).toEqual(
        new Set([
          `${SEED.atelier.organizationId} v1/client-invoices ${inv.readyToSend}`,
          `${SEED.bureau.organizationId} v1/client-invoices ${SEED.bureau.invoices.readyToSend}`,
          `${SEED.atelier.organizationId} v1/clients ${receiver.received.find((webhook) => webhook.json.type === 'v1/clients')?.json.data.id}`,
        ]),
      );
      expect(receiver.received).toHaveLength(3);
      expect(
        bureauReceiver.received.map((webhook) => [webhook.json.organization_id, webhook.json.subscription_id, webhook.json.data.id]),
      ).toEqual([[SEED.bureau.organizationId, bureauSub.body.id, SEED.bureau.invoices.readyToSend]]);
      expect(verified(bureauReceiver.received[0]!, bureauSub.body.secret!)).toBe(true);
      expect(clientsOnly.received.map((webhook) => webhook.json.type)).toEqual(['v1/clients']);
      expect(verified(clientsOnly.received[0]!, 'a-secret-of-at-least-thirty-two-chars')).toBe(true);
    } finally {
      await bureauReceiver.close();
      await clientsOnly.close();
    }
  });

  it('sends event 200 with the send and one more per advance() on the manual clock', async () => {
    await start();
    await atelier.post(`/v2/client_invoices/${inv.rejectedClient}/send_by_einvoice`);
    await sim.webhooks.idle();
    expect(receiver.received).toHaveLength(1);
    await sim.network.advance();
    await sim.webhooks.idle();
    expect(receiver.received).toHaveLength(2);
    await sim.network.flush();
    await sim.webhooks.idle();
    expect(receiver.received.map((webhook) => webhook.json.data.einvoicing_status)).toEqual([
      'pending',
      'submitted',
      'submitted',
      'submission_failed',
    ]);
  });
});

// docs/qonto-facts.md#simulator-webhooks
describe('retries', () => {
  it('retries failures with the configured delays, keeping id and body with a fresh t and signature', async () => {
    let clock = Date.parse('2026-11-24T12:00:00.000Z');
    await start({ now: () => new Date(clock) });
    receiver.statusFor = (index) => {
      clock += 1000;
      return index < 2 ? 500 : 204;
    };
    await atelier.post('/v2/clients', { kind: 'company', name: 'Retry SA' });
    await sim.webhooks.idle();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((webhook) => webhook.json.id)).size).toBe(1);
    expect(new Set(receiver.received.map((webhook) => webhook.raw)).size).toBe(1);
    const headers = receiver.received.map((webhook) => webhook.headers['x-qonto-signature'] as string);
    expect(new Set(headers).size).toBe(3);
    for (const webhook of receiver.received) {
      const t = Number(/t=(\d+)/.exec(webhook.headers['x-qonto-signature'] as string)![1]);
      expect(signatureIsValid(webhook.headers['x-qonto-signature'] as string, webhook.raw, sim.webhookSecret, t)).toBe(true);
    }
    expect(sim.webhooks.deliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 204],
    ]);
  });

  it('drops the event after the last retry', async () => {
    await start();
    receiver.statusFor = () => 503;
    await atelier.post('/v2/clients', { kind: 'company', name: 'Lost SA' });
    await sim.webhooks.idle();
    expect(sim.webhooks.deliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 503],
    ]);
  });

  it('counts a receiver slower than the timeout as a failure', async () => {
    await start({ webhookTimeoutMs: 50 });
    receiver.delayFor = (index) => (index === 0 ? 500 : 0);
    await atelier.post('/v2/clients', { kind: 'company', name: 'Slow SA' });
    await sim.webhooks.idle();
    expect(sim.webhooks.deliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual([
      [1, 'error'],
      [2, 200],
    ]);
  });

  it('counts an unreachable callback as error and onDelivered reports every attempt', async () => {
    await start();
    const seen: WebhookDelivery[] = [];
    const off = sim.webhooks.onDelivered((delivery) => seen.push(delivery));
    await receiver.close();
    await atelier.post('/v2/clients', { kind: 'company', name: 'Nobody SA' });
    await sim.webhooks.idle();
    expect(seen.map((delivery) => delivery.status)).toEqual(['error', 'error', 'error']);
    off();
    receiver = await new WebhookReceiver().start();
  });

  it('close() cancels scheduled retries', async () => {
    await start({ webhookRetryDelaysMs: [60_000] });
    receiver.statusFor = () => 500;
    const firstAttempt = new Promise<void>((resolve) => sim.webhooks.onDelivered(() => resolve()));
    await atelier.post('/v2/clients', { kind: 'company', name: 'Closing SA' });
    await firstAttempt;
    await sim.close();
    await sim.webhooks.idle();
    expect(sim.webhooks.deliveries).toHaveLength(1);
  });
});

describe('webhook faults', () => {
  async function threeEvents(): Promise<void> {
    await atelier.post(`/v2/client_invoices/${inv.readyToSend}/send_by_einvoice`);
    await sim.network.advance();
    await sim.network.advance();
    await sim.webhooks.idle();
  }
  const _statuses = () => receiver.received.map((webhook) => webhook.json.data.einvoicing_status);

  it('dropNext: the delivery is never sent nor retried', async () => {
    await start();
    sim.faults.set({ webhooks: { dropNext: 1 } });
    await threeEvents();
    expect(receiver.received).toHaveLength(2);
    expect(sim.webhooks.deliveries).toHaveLength(2);
    expect(sim.faults.current().webhooks.dropNext).toBe(0);
  });

  it('duplicateNext: the same envelope arrives twice', async () => {
    await start();
    sim.faults.set({ webhooks: { duplicateNext: 1 } });
    await threeEvents();
    expect(receiver.received).toHaveLength(4);
    expect(receiver.received[0]!.raw).toBe(receiver.received[1]!.raw);
    expect(receiver.received.slice(1).map((webhook) => webhook.json.id)).toEqual([
      receiver.received[0]!.json.id,
      receiver.received[2]!.json.id,
      receiver.received[3]!.json.id,
    ]);
    expect(receiver.received.every((webhook) => verified(webhook))).toBe(true);
  });

  it('reorderNext: the held delivery arrives right after the following one', async () => {
    await start();
    sim.faults.set({ webhooks: { reorderNext: 1 } });
    await atelier.post(`/v2/client_invoices/${inv.readyToSend}/send_by_einvoice`);
    await sim.network.advance();
    await sim.webhooks.idle();
    expect(receiver.received.map((webhook) => webhook.json.data.einvoicing_status)).toEqual(['submitted', 'pending']);
  });

  it('reorderNext: a held delivery with no follower is released anyway', async () => {
    await start();
    sim.faults.set({ webhooks: { reorderNext: 1 } });
    await atelier.post('/v2/clients', { kind: 'company', name: 'Alone SA' });
    await sim.webhooks.idle();
    expect(receiver.received).toHaveLength(1);
  });

  it('delayMs: deliveries wait before leaving', async () => {
    await start();
    sim.faults.set({ webhooks: { delayMs: 80 } });
    const sentAt = Date.now();
    await atelier.post('/v2/clients', { kind: 'company', name: 'Late SA' });
    await receiver.waitFor(1);
    expect(receiver.received[0]!.receivedAt - sentAt).toBeGreaterThanOrEqual(75);
  });

  it('failNext: the attempt sends nothing, counts as failed and is retried', async () => {
    await start();
    sim.faults.set({ webhooks: { failNext: 1 } });
    await atelier.post('/v2/clients', { kind: 'company', name: 'Flaky SA' });
    await sim.webhooks.idle();
    expect(receiver.received).toHaveLength(1);
    expect(sim.webhooks.deliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual([
      [1, 'error'],
      [2, 200],
    ]);
    expect(sim.webhooks.deliveries[0]!.eventId).toBe(receiver.received[0]!.json.id);
  });
});

// docs/qonto-facts.md#webhook-subscriptions, docs/qonto-facts.md#simulator-webhook-subscriptions
describe('webhook subscriptions CRUD', () => {
  it('creates (201 unwrapped), lists, gets, replaces and deletes', async () => {
    await start();
    const created = await atelier.post('/v2/webhook_subscriptions', {
      callback_url: 'https://example.test/hook',
      types: ['v1/client-invoices'],
      description: 'mine',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      organization_id: SEED.atelier.organizationId,
      membership_id: SEED.atelier.membershipId,
      callback_url: 'https://example.test/hook',
      types: ['v1/client-invoices'],
      description: 'mine',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[0-9A-Za-z]{32}$/),
    });
    const id = created.body.id!;
    const list = await atelier.get('/v2/webhook_subscriptions');
    expect(list.body.subscriptions!.map((sub) => sub.id)).toContain(id);
    expect(list.body.meta).toMatchObject({ current_page: 1, total_count: 2 });
    expect((await atelier.get(`/v2/webhook_subscriptions/${id}`)).body).toEqual(created.body);
    const replaced = await atelier.put(`/v2/webhook_subscriptions/${id}`, {
      callback_url: 'https://example.test/other',
      types: ['v1/clients'],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      id,
      callback_url: 'https://example.test/other',
      types: ['v1/clients'],
      description: null,
      secret: created.body.secret,
    });
    const missing = await atelier.put(`/v2/webhook_subscriptions/${id}`, { callback_url: 'https://example.test/other' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ code: 'blank', detail: expect.any(String), source: { pointer: '/data/attributes/types' } }]);
    expect((await api(sim, SEED.bureau.apiKey).get(`/v2/webhook_subscriptions/${id}`)).status).toBe(404);
    const deleted = await atelier.delete(`/v2/webhook_subscriptions/${id}`);
    expect(deleted.status).toBe(204);
    expect((await atelier.get(`/v2/webhook_subscriptions/${id}`)).status).toBe(404);
  });

  it.each([
    [{ types: ['v1/clients'] }, 'blank', 'callback_url'],
    [{ callback_url: 'https://x.test' }, 'blank', 'types'],
    [{ callback_url: 'https://x.test', types: [] }, 'blank', 'types'],
    [{ callback_url: 'https://x.test', types: ['v9/unknown'] }, 'not_in_list', 'types'],
    [{ callback_url: `https://x.test/${'a'.repeat(510)}`, types: ['v1/clients'] }, 'invalid', 'callback_url'],
    [{ callback_url: 'not a url', types: ['v1/clients'] }, 'invalid', 'callback_url'],
    [{ callback_url: 'https://x.test', types: ['v1/clients'], secret: 'short' }, 'invalid', 'secret'],
    [{ callback_url: 'https://x.test', types: ['v1/clients'], secret: 's'.repeat(129) }, 'invalid', 'secret'],
    [{ callback_url: 'https://x.test', types: ['v1/clients'], description: 'd'.repeat(257) }, 'invalid', 'description'],
  ])('%o → 422 %s at %s', async (body, code, field) => {
    await start();
    const result = await atelier.post('/v2/webhook_subscriptions', body);
    expect(result.status).toBe(422);
    expect(result.body.errors).toContainEqual({ code, detail: expect.any(String), source: { pointer: `/data/attributes/${field}` } });
  });

  it('stops delivering to a deleted subscription', async () => {
    await start();
    const subscription = (await atelier.get('/v2/webhook_subscriptions')).body.subscriptions![0]!;
    await atelier.delete(`/v2/webhook_subscriptions/${subscription.id}`);
    await atelier.post('/v2/clients', { kind: 'company', name: 'Unheard SA' });
    await sim.webhooks.idle();
    expect(receiver.received).toEqual([]);
  });
});
