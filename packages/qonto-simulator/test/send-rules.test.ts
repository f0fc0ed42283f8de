import { afterEach, describe, expect, it } from 'vitest';
import { SEED, type ClientInvoiceJson, type Simulator } from '../src/index.js';
import { pdf } from './fixtures.js';
import { api, type Api, formWith, startSimulator } from './helpers.js';

let sim: Simulator;
let atelier: Api;
const inv = SEED.atelier.invoices;
const orgId = SEED.atelier.organizationId;

async function start(): Promise<void> {
  sim = await startSimulator();
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
async function importPdf(salt: string): Promise<string> {
  const result = await atelier.raw('/v2/client_invoices/bulk', {
    method: 'POST',
    body: formWith('client_invoices', [{ name: `${salt}.pdf`, type: 'application/pdf', content: pdf(salt) }]),
  });
  return result.body.client_invoices![0]!.invoice_id!;
}

// docs/qonto-facts.md#simulator-send-by-e-invoice (step 4b)
describe('resend after a failed submission', () => {
  it('appends a new 200 after 213 and restarts the progression with the client outcome', async () => {
    await start();
    const before = await codes(inv.alreadyRejected);
    expect(before.at(-1)).toBe('213');
    sim.store.setClientOutcome(orgId, SEED.atelier.clients.moreau, 'approved');
    const result = await send(inv.alreadyRejected);
    expect(result.status).toBe(204);
    expect(await codes(inv.alreadyRejected)).toEqual([...before, '200']);
    expect((await invoice(inv.alreadyRejected)).einvoicing_status).toBe('pending');
    expect(sim.network.running()).toBe(1);
    await sim.network.flush();
    expect(await codes(inv.alreadyRejected)).toEqual([...before, '200', '201', '202', '203', '204', '205']);
    expect((await invoice(inv.alreadyRejected)).einvoicing_status).toBe('approved');
    expect((await send(inv.alreadyRejected)).status).toBe(204);
    expect((await codes(inv.alreadyRejected)).length).toBe(before.length + 6);
  });

  it('restarts after 210 and after 221 too, and can fail again', async () => {
    await start();
    const refused = await codes(inv.alreadyRefused);
    expect(refused.at(-1)).toBe('210');
    expect((await send(inv.alreadyRefused)).status).toBe(204);
    await sim.network.flush();
    const after = await invoice(inv.alreadyRefused);
    expect(after.einvoicing_lifecycle_events!.map((event) => event.status_code)).toEqual([...refused, '200', '201', '202', '203', '210']);
    expect(after.einvoicing_status).toBe('declined');

    sim.store.appendLifecycleEvent(orgId, inv.inProgress, { status_code: '221' });
    expect((await invoice(inv.inProgress)).einvoicing_status).toBe('not_delivered');
    expect((await send(inv.inProgress)).status).toBe(204);
    expect((await codes(inv.inProgress)).slice(-2)).toEqual(['221', '200']);
  });

  it('a resend while a progression still runs replaces it (one progression per invoice)', async () => {
    await start();
    await send(inv.readyToSend);
    await sim.network.advance();
    sim.store.appendLifecycleEvent(orgId, inv.readyToSend, { status_code: '213' });
    expect((await send(inv.readyToSend)).status).toBe(204);
    expect(sim.network.running()).toBe(1);
    await sim.network.flush();
    expect(await codes(inv.readyToSend)).toEqual(['200', '201', '213', '200', '201', '202', '203', '204', '205']);
  });

  it('only 213, 210 and 221 count as a failure', async () => {
    await start();
    sim.store.appendLifecycleEvent(orgId, inv.readyToSend, { status_code: 'toString' });
    expect((await send(inv.readyToSend)).status).toBe(204);
    expect(await codes(inv.readyToSend)).toEqual(['toString']);
  });

  it('checks reachability again on a resend', async () => {
    await start();
    sim.store.setClientReachable(orgId, SEED.atelier.clients.moreau, false);
    const before = await codes(inv.alreadyRejected);
    const result = await send(inv.alreadyRejected);
    expect(result.status).toBe(412);
    expect(result.body.errors![0]!.code).toBe('recipient_not_reachable_on_einvoicing');
    expect(await codes(inv.alreadyRejected)).toEqual(before);
  });
});

// docs/qonto-facts.md#simulator-send-by-e-invoice (step 2), docs/qonto-facts.md#simulator-einvoicing-status-and-settings
describe('seeded sending_status', () => {
  it.each(['pending_activation', 'suspended', ''])(
    '%j is served as is and blocks sending with 412 einvoicing_not_activated',
    async (value) => {
      await start();
      sim.store.setEinvoicingSettings(orgId, { sending_status: value });
      expect((await atelier.get('/v2/einvoicing/settings')).body.sending_status).toBe(value);
      const result = await send(inv.readyToSend);
      expect(result.status).toBe(412);
      expect(result.body.errors![0]!.code).toBe('einvoicing_not_activated');
      expect(await codes(inv.readyToSend)).toEqual([]);
    },
  );
});

// docs/qonto-facts.md#simulator-send-by-e-invoice (step 5)
describe('imported PDF without client', () => {
  it('is refused by default with 412 recipient_not_reachable_on_einvoicing', async () => {
    await start();
    const id = await importPdf('refused');
    const result = await send(id);
    expect(result.status).toBe(412);
    expect(result.body.errors![0]!.code).toBe('recipient_not_reachable_on_einvoicing');
    expect(await codes(id)).toEqual([]);
  });

  it('is accepted when the organisation is seeded to accept it: 204 and the default (approved) progression', async () => {
    await start();
    sim.store.setClientlessImportPolicy(orgId, 'accept');
    const id = await importPdf('accepted');
    expect((await send(id)).status).toBe(204);
    await sim.network.flush();
    expect(await codes(id)).toEqual(['200', '201', '202', '203', '204', '205']);
    expect((await invoice(id)).einvoicing_status).toBe('approved');
    sim.store.setClientlessImportPolicy(orgId, 'refuse');
    expect((await send(await importPdf('again'))).status).toBe(412);
  });

  it('is a per-organisation choice', async () => {
    await start();
    sim.store.setClientlessImportPolicy(SEED.bureau.organizationId, 'accept');
    expect((await send(await importPdf('atelier'))).status).toBe(412);
  });
});

// docs/qonto-facts.md#attachments, docs/qonto-facts.md#simulator-attachments
describe('GET /v2/attachments/{id}', () => {
  it('describes the generated PDF of a finalized invoice, served at url', async () => {
    await start();
    const ready = await invoice(inv.readyToSend);
    const result = await atelier.get(`/v2/attachments/${ready.attachment_id}`);
    expect(result.status).toBe(200);
    expect(result.body.attachment).toEqual({
      id: ready.attachment_id,
      file_name: `${ready.number}.pdf`,
      file_size: expect.any(Number),
      file_content_type: 'application/pdf',
      url: `${sim.url}/attachments/${ready.attachment_id}`,
      created_at: ready.finalized_at,
    });
    const file = await fetch(result.body.attachment!.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.length).toBe(result.body.attachment!.file_size);
    const text = bytes.toString('latin1');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    expect(text).toContain(`(Invoice ${ready.number})`);
    const startxref = Number(/startxref\n(\d+)\n/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    for (const match of text.matchAll(/^(\d{10}) 00000 n $/gm)) {
      expect(text.slice(Number(match[1]), Number(match[1]) + 8)).toMatch(/^\d+ 0 obj/);
    }
  });

  it('gives a fresh attachment at finalize, and none to a draft', async () => {
    await start();
    const draft = await invoice(inv.draft);
    expect(draft.attachment_id).toBeNull();
    const finalized = (await atelier.post(`/v2/client_invoices/${inv.draft}/finalize`)).body.client_invoice!;
    const result = await atelier.get(`/v2/attachments/${finalized.attachment_id}`);
    expect(result.status).toBe(200);
    expect(result.body.attachment!.file_name).toBe(`${finalized.number}.pdf`);
  });

  it("serves an imported PDF's own bytes", async () => {
    await start();
    const id = await importPdf('own-bytes');
    const imported = await invoice(id);
    const result = await atelier.get(`/v2/attachments/${imported.attachment_id}`);
    expect(result.body.attachment).toMatchObject({
      file_name: 'own-bytes.pdf',
      file_content_type: 'application/pdf',
      file_size: pdf('own-bytes').length,
    });
    const file = await fetch(result.body.attachment!.url);
    expect(Buffer.from(await file.arrayBuffer()).equals(pdf('own-bytes'))).toBe(true);
  });

  it("answers 404 for an unknown id or another organisation's attachment", async () => {
    await start();
    const unknown = await atelier.get('/v2/attachments/0199044a-4400-77e3-807b-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors![0]!.code).toBe('not_found');
    const ready = await invoice(inv.readyToSend);
    const bureau = api(sim, `Bearer ${sim.credentials[1]!.bearerToken}`);
    expect((await bureau.get(`/v2/attachments/${ready.attachment_id}`)).status).toBe(404);
  });
});
