import { afterEach, describe, expect, it } from 'vitest';
import { deriveEinvoicingStatus, SEED, type ClientInvoiceJson, type Simulator, type SimulatorOptions } from '../src/index.js';
import { api, type Api, startSimulator } from './helpers.js';

let sim: Simulator;
let atelier: Api;
const inv = SEED.atelier.invoices;
const orgId = SEED.atelier.organizationId;

async function start(options: SimulatorOptions = {}): Promise<void> {
  sim = await startSimulator(options);
  atelier = api(sim);
}
afterEach(() => sim.close());

async function invoice(id: string): Promise<ClientInvoiceJson> {
  return (await atelier.get(`/v2/client_invoices/${id}`)).body.client_invoice!;
}
async function codes(id: string): Promise<string[]> {
  return (await invoice(id)).einvoicing_lifecycle_events!.map((event) => String(event.status_code));
}
function send(id: string) {
  return atelier.post(`/v2/client_invoices/${id}/send_by_einvoice`);
}

// docs/qonto-facts.md#simulator-send-by-e-invoice
describe('send_by_einvoice checks in the decided order', () => {
  it('step 1: unknown invoice → 404 not_found', async () => {
    await start();
    const result = await send('0199044a-4400-77e3-807b-000000000000');
    expect(result.status).toBe(404);
    expect(result.body.errors![0]!.code).toBe('not_found');
  });

  it('step 2: sending disabled or not in the Annuaire → 412 einvoicing_not_activated, even for a draft', async () => {
    await start();
    sim.store.setEinvoicingSettings(orgId, { sending_status: 'disabled' });
    for (const id of [inv.readyToSend, inv.draft, inv.alreadyApproved]) {
      const result = await send(id);
      expect(result.status).toBe(412);
      expect(result.body).toEqual({
        errors: [{ code: 'einvoicing_not_activated', detail: expect.any(String) }],
        trace_id: result.headers.get('x-tyk-trace-id'),
      });
    }
    sim.store.setEinvoicingSettings(orgId, { sending_status: 'enabled', annuaire_registered: false });
    expect((await send(inv.readyToSend)).body.errors![0]!.code).toBe('einvoicing_not_activated');
    expect((await atelier.get('/v2/einvoicing/settings')).body.sending_status).toBe('enabled');
    expect(await codes(inv.readyToSend)).toEqual([]);
  });

  it('step 3: draft or canceled → 412 invalid_invoice_status, even when the client is not reachable', async () => {
    await start();
    for (const id of [inv.draft, inv.canceled, inv.draftIndividual]) {
      const result = await send(id);
      expect(result.status).toBe(412);
      expect(result.body.errors).toEqual([{ code: 'invalid_invoice_status', detail: expect.any(String) }]);
    }
  });

  it('step 4: already submitted and not failed → 204, nothing appended, even if the client became unreachable', async () => {
    await start();
    sim.store.setClientReachable(orgId, SEED.atelier.clients.delacroix, false);
    for (const id of [inv.alreadyApproved, inv.paidEinvoiced, inv.inProgress]) {
      const before = await codes(id);
      const result = await send(id);
      expect(result.status).toBe(204);
      expect(result.text).toBe('');
      expect(await codes(id)).toEqual(before);
    }
    expect(sim.network.running()).toBe(0);
  });

  it('step 5: client not reachable or deleted → 412 recipient_not_reachable_on_einvoicing', async () => {
    await start();
    for (const id of [inv.notReachable, inv.notReachableCompany]) {
      const result = await send(id);
      expect(result.status).toBe(412);
      expect(result.body.errors).toEqual([{ code: 'recipient_not_reachable_on_einvoicing', detail: expect.any(String) }]);
    }
    await atelier.delete(`/v2/clients/${SEED.atelier.clients.nova}`);
    expect((await send(inv.readyToSendNova)).body.errors![0]!.code).toBe('recipient_not_reachable_on_einvoicing');
    sim.store.setClientReachable(orgId, SEED.atelier.clients.dubois, true);
    expect((await send(inv.notReachable)).status).toBe(204);
  });

  it('step 6: 204 with event 200 already recorded, then re-sending is an idempotent 204', async () => {
    await start();
    const result = await send(inv.readyToSend);
    expect(result.status).toBe(204);
    const after = await invoice(inv.readyToSend);
    expect(after.status).toBe('unpaid');
    expect(after.einvoicing_status).toBe('pending');
    expect(after.einvoicing_lifecycle_events).toEqual([
      { status_code: '200', timestamp: expect.any(String), reason: null, reason_message: null },
    ]);
    expect(sim.network.running()).toBe(1);
    expect((await send(inv.readyToSend)).status).toBe(204);
    expect(await codes(inv.readyToSend)).toEqual(['200']);
    expect(sim.network.running()).toBe(1);
  });

  it('sends a paid invoice that was never e-invoiced', async () => {
    await start({ stepIntervalMs: 0, manualClock: false });
    expect((await send(inv.paid)).status).toBe(204);
    expect((await invoice(inv.paid)).status).toBe('paid');
  });
});

// docs/qonto-facts.md#simulator-e-invoicing-network
describe('network progression with the manual clock', () => {
  it.each([
    [
      'readyToSend',
      ['200', '201', '202', '203', '204', '205'],
      ['pending', 'submitted', 'submitted', 'submitted', 'submitted', 'approved'],
      null,
    ],
    [
      'rejectedClient',
      ['200', '201', '202', '213'],
      ['pending', 'submitted', 'submitted', 'submission_failed'],
      ['SIM_REJECTED', 'Rejected by the receiving platform (simulated)'],
    ],
    [
      'refusedClient',
      ['200', '201', '202', '203', '210'],
      ['pending', 'submitted', 'submitted', 'submitted', 'declined'],
      ['SIM_REFUSED', 'Refused by the buyer (simulated)'],
    ],
  ] as const)('%s goes through %j', async (key, sequence, statuses, reason) => {
    await start();
    await send(inv[key]);
    for (let step = 0; step < sequence.length; step += 1) {
      const current = await invoice(inv[key]);
      expect(current.einvoicing_lifecycle_events!.map((event) => event.status_code)).toEqual(sequence.slice(0, step + 1));
      expect(current.einvoicing_status).toBe(statuses[step]);
      expect(sim.network.running()).toBe(step < sequence.length - 1 ? 1 : 0);
      expect(await sim.network.advance()).toBe(step < sequence.length - 1 ? 1 : 0);
    }
    const events = (await invoice(inv[key])).einvoicing_lifecycle_events!;
    const last = events[events.length - 1]!;
    expect([last.reason, last.reason_message]).toEqual(reason ?? [null, null]);
    for (const event of events.slice(0, -1)) expect([event.reason, event.reason_message]).toEqual([null, null]);
    const times = events.map((event) => event.timestamp!);
    expect(times).toEqual([...times].sort());
  });

  it('advance() moves every running progression by one; flush() runs them all to the end', async () => {
    await start();
    await send(inv.readyToSend);
    await send(inv.rejectedClient);
    await send(inv.refusedClient);
    expect(sim.network.running()).toBe(3);
    expect(await sim.network.advance()).toBe(3);
    expect(await codes(inv.rejectedClient)).toEqual(['200', '201']);
    expect(await sim.network.flush()).toBe(4 + 2 + 3);
    expect(sim.network.running()).toBe(0);
    expect(await sim.network.flush()).toBe(0);
    expect((await invoice(inv.rejectedClient)).einvoicing_status).toBe('submission_failed');
  });

  it('uses a custom seeded reason when the outcome is changed', async () => {
    await start();
    sim.store.setClientOutcome(orgId, SEED.atelier.clients.delacroix, 'refused', 'PRICE', 'Prix non conforme');
    await send(inv.readyToSend);
    await sim.network.flush();
    const events = (await invoice(inv.readyToSend)).einvoicing_lifecycle_events!;
    expect(events.at(-1)).toMatchObject({ status_code: '210', reason: 'PRICE', reason_message: 'Prix non conforme' });
  });
});

describe('network pace', () => {
  it('stepIntervalMs 0 appends every event before the 204', async () => {
    await start({ manualClock: false, stepIntervalMs: 0 });
    await send(inv.readyToSend);
    expect(await codes(inv.readyToSend)).toEqual(['200', '201', '202', '203', '204', '205']);
    expect((await invoice(inv.readyToSend)).einvoicing_status).toBe('approved');
    expect(sim.network.running()).toBe(0);
  });

  it('a timer paces the events every stepIntervalMs', async () => {
    await start({ manualClock: false, stepIntervalMs: 5 });
    const done = new Promise<void>((resolve) => {
      sim.store.onChange((change) => {
        if (change.resourceId === inv.refusedClient && change.type === 'v1/client-invoices' && change.data.einvoicing_status === 'declined')
          resolve();
      });
    });
    const sentAt = Date.now();
    await send(inv.refusedClient);
    await done;
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(4 * 5 - 2);
    expect(await codes(inv.refusedClient)).toEqual(['200', '201', '202', '203', '210']);
    expect(sim.network.running()).toBe(0);
  });

  it('close() stops running progressions', async () => {
    await start({ manualClock: false, stepIntervalMs: 60_000 });
    await send(inv.readyToSend);
    expect(sim.network.running()).toBe(1);
    await sim.close();
    expect(sim.network.running()).toBe(0);
  });
});

// docs/qonto-facts.md#simulator-e-invoicing-network
describe('mark_as_paid and cancel during e-invoicing', () => {
  it('mark_as_paid appends 212 at once when there are events and the status is not terminal', async () => {
    await start();
    await send(inv.readyToSend);
    const paid = await atelier.post(`/v2/client_invoices/${inv.readyToSend}/mark_as_paid`);
    expect(paid.body.client_invoice!.einvoicing_lifecycle_events!.map((event) => event.status_code)).toEqual(['200', '212']);
    expect(paid.body.client_invoice!.einvoicing_status).toBe('approved');
    expect(sim.network.running()).toBe(1);
    await sim.network.flush();
    expect(await codes(inv.readyToSend)).toEqual(['200', '212', '201', '202', '203', '204', '205']);
    expect((await invoice(inv.readyToSend)).einvoicing_status).toBe('approved');
  });

  it('mark_as_paid appends nothing without events or after a terminal status', async () => {
    await start();
    await atelier.post(`/v2/client_invoices/${inv.readyToSendNova}/mark_as_paid`);
    expect(await codes(inv.readyToSendNova)).toEqual([]);
    await atelier.post(`/v2/client_invoices/${inv.alreadyRejected}/mark_as_paid`);
    expect(await codes(inv.alreadyRejected)).toEqual(['200', '201', '202', '213']);
    await atelier.post(`/v2/client_invoices/${inv.alreadyApproved}/mark_as_paid`);
    expect(await codes(inv.alreadyApproved)).toEqual(['200', '201', '202', '203', '204', '205', '212']);
  });

  it('canceling does not stop a running progression', async () => {
    await start();
    await send(inv.readyToSend);
    expect((await atelier.post(`/v2/client_invoices/${inv.readyToSend}/mark_as_canceled`)).status).toBe(200);
    await sim.network.flush();
    const after = await invoice(inv.readyToSend);
    expect(after.status).toBe('canceled');
    expect(after.einvoicing_status).toBe('approved');
  });
});

// docs/qonto-facts.md#simulator-einvoicing-status-and-settings
describe('einvoicing_status derivation', () => {
  const cases: Array<[string[], string | null]> = [
    [[], null],
    [['200'], 'pending'],
    [['200', '201'], 'submitted'],
    [['200', '207', '208', '209', '214'], 'submitted'],
    [['200', '206'], 'approved'],
    [['200', '211'], 'approved'],
    [['200', '205', '201'], 'approved'],
    [['200', '213', '205'], 'submission_failed'],
    [['200', '201', '221', '205'], 'not_delivered'],
    [['200', '210', '213'], 'declined'],
    [['200', '999', '220'], 'pending'],
    [['999'], null],
  ];
  it.each(cases)('%j → %s', (events, expected) => {
    expect(deriveEinvoicingStatus(events.map((status_code) => ({ status_code })))).toBe(expected);
  });

  it('applies to events appended through the store (one webhook-visible change each)', async () => {
    await start();
    const changes: string[] = [];
    sim.store.onChange((change) => changes.push(`${change.type}:${change.event}:${change.resourceId}`));
    sim.store.appendLifecycleEvent(orgId, inv.readyToSend, { status_code: 200 });
    sim.store.appendLifecycleEvent(orgId, inv.readyToSend, { status_code: '221', reason: 'ROUTE', reason_message: 'Unknown route' });
    sim.store.appendLifecycleEvent(orgId, inv.readyToSend, { status_code: '205' });
    const current = await invoice(inv.readyToSend);
    expect(current.einvoicing_status).toBe('not_delivered');
    expect(current.einvoicing_lifecycle_events![1]).toMatchObject({ status_code: '221', reason: 'ROUTE', reason_message: 'Unknown route' });
    expect(changes).toEqual(Array.from({ length: 3 }, () => `v1/client-invoices:updated:${inv.readyToSend}`));
  });
});
