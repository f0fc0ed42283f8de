import { describe, expect, it } from 'vitest';
import { computeLine, formatCents, parseCents, parseDecimal, roundDiv } from '../src/amounts.js';
import { parseSimulatorEnv } from '../src/env.js';
import { generateWebhookSecret, isoTimestamp, seededUuidv7, uuidv7 } from '../src/ids.js';
import { createSimulator, SEED, SimulatorStore, seedStore } from '../src/index.js';

const JAN_2026 = Date.parse('2026-01-01T00:00:00Z');
const JAN_2026_PREFIX = `${JAN_2026.toString(16).padStart(12, '0').slice(0, 8)}-${JAN_2026.toString(16).padStart(12, '0').slice(8)}`;

// docs/qonto-facts.md#simulator-ids-and-trace-ids, docs/qonto-facts.md#simulator-webhooks
describe('ids', () => {
  it('creates ordered UUIDv7 ids, even within one millisecond', () => {
    const ids = Array.from({ length: 50 }, () => uuidv7(1_764_000_000_000));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
    expect(uuidv7(JAN_2026 + 1000).slice(0, 13)).toBe(
      `${(JAN_2026 + 1000).toString(16).padStart(12, '0').slice(0, 8)}-${(JAN_2026 + 1000).toString(16).padStart(12, '0').slice(8)}`,
    );
  });

  it('derives deterministic seed ids that carry the timestamp', () => {
    expect(seededUuidv7(0, 'x')).toBe(seededUuidv7(0, 'x'));
    expect(seededUuidv7(0, 'x')).not.toBe(seededUuidv7(0, 'y'));
    expect(seededUuidv7(JAN_2026, 'x').slice(0, 13)).toBe(JAN_2026_PREFIX);
  });

  // docs/qonto-facts.md#simulator-webhooks, docs/qonto-facts.md#simulator-ids-and-trace-ids
  it('generates whsec_ secrets of 32 base62 characters and UTC millisecond timestamps', () => {
    const secrets = new Set(Array.from({ length: 20 }, generateWebhookSecret));
    expect(secrets.size).toBe(20);
    for (const secret of secrets) expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    expect(isoTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
  });
});

// docs/qonto-facts.md#simulator-invoices
describe('amounts', () => {
  it('parses decimals and cents exactly', () => {
    expect(parseDecimal('1.50')).toEqual({ numerator: 150n, scale: 2 });
    expect(parseDecimal('-3')).toEqual({ numerator: -3n, scale: 0 });
    expect(parseDecimal('1e3')).toBeNull();
    expect(parseCents('12.5')).toBe(1250);
    expect(parseCents('12.345')).toBeNull();
    expect(formatCents(16200)).toBe('162.00');
    expect(formatCents(-307)).toBe('-3.07');
    expect(formatCents(5)).toBe('0.05');
  });

  it('rounds half-up, away from zero', () => {
    expect(roundDiv(25n, 10n)).toBe(3n);
    expect(roundDiv(24n, 10n)).toBe(2n);
    expect(roundDiv(-25n, 10n)).toBe(-3n);
  });

  // docs/qonto-facts.md#invoice-fields
  it('computes the documented example line', () => {
    expect(computeLine(parseDecimal('1.5')!, 10000, parseDecimal('0.2')!, { type: 'percentage', value: '0.1' })).toEqual({
      discountCents: 1500,
      subtotalCents: 13500,
      vatCents: 2700,
      totalCents: 16200,
    });
  });
});

describe('seed', () => {
  it('is deterministic: the same ids and data on every start', () => {
    const a = new SimulatorStore(() => new Date('2026-11-24T00:00:00Z'));
    const b = new SimulatorStore(() => new Date('2026-11-24T00:00:00Z'));
    seedStore(a);
    seedStore(b);
    const dump = (store: SimulatorStore) =>
      store.listOrganizations().map((org) => ({
        org: org.id,
        clients: store.clientRecords(org.id).map((client) => store.getClient(org.id, client.id)),
        invoices: store.invoiceRecords(org.id).map((invoice) => store.getInvoice(org.id, invoice.id)),
      }));
    expect(dump(a)).toEqual(dump(b));
    expect(a.listOrganizations().map((org) => org.id)).toEqual([SEED.atelier.organizationId, SEED.bureau.organizationId]);
  });

  it('has the documented mix of clients and invoices', () => {
    const store = new SimulatorStore();
    seedStore(store);
    const org = SEED.atelier.organizationId;
    const clients = store.clientRecords(org);
    expect(clients).toHaveLength(10);
    expect(clients.filter((client) => !client.e_invoicing_reachable)).toHaveLength(3);
    expect(clients.filter((client) => client.kind === 'individual')).toHaveLength(2);
    expect(store.clientRecord(org, SEED.atelier.clients.moreau)!.outcome.outcome).toBe('rejected');
    expect(store.clientRecord(org, SEED.atelier.clients.girard)!.outcome.outcome).toBe('refused');
    const invoices = store.invoiceRecords(org);
    expect(invoices).toHaveLength(40);
    const byStatus = (status: string) => invoices.filter((invoice) => invoice.status === status).length;
    expect(byStatus('draft')).toBeGreaterThanOrEqual(3);
    expect(byStatus('unpaid')).toBeGreaterThanOrEqual(10);
    expect(byStatus('paid')).toBeGreaterThanOrEqual(10);
    expect(byStatus('canceled')).toBeGreaterThanOrEqual(3);
    const now = Date.parse('2026-11-24T00:00:00Z');
    for (const invoice of invoices) for (const event of invoice.events) expect(Date.parse(event.timestamp)).toBeLessThan(now);
    expect(invoices.filter((invoice) => invoice.events.length > 0).length).toBeGreaterThanOrEqual(8);
    expect(store.invoiceRecords(SEED.bureau.organizationId)).toHaveLength(SEED.bureau.invoiceCount);
    const numbers = invoices.flatMap((invoice) => (invoice.number ? [invoice.number] : []));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('exposes the seed through createSimulator without sharing state between instances', async () => {
    const one = await createSimulator({ manualClock: true });
    const two = await createSimulator({ manualClock: true });
    try {
      one.store.setClientReachable(SEED.atelier.organizationId, SEED.atelier.clients.delacroix, false);
      expect(two.store.getClient(SEED.atelier.organizationId, SEED.atelier.clients.delacroix)!.e_invoicing_reachable).toBe(true);
      expect(one.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(one.port).toBeGreaterThan(0);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('standalone environment (main.ts)', () => {
  it('applies defaults', () => {
    expect(parseSimulatorEnv({})).toEqual({
      PORT: 4010,
      HOST: '127.0.0.1',
      SIMULATOR_WEBHOOK_URL: undefined,
      SIMULATOR_WEBHOOK_SECRET: undefined,
      SIMULATOR_STEP_MS: 2000,
    });
  });

  it('reads every variable', () => {
    expect(
      parseSimulatorEnv({
        PORT: '0',
        HOST: '0.0.0.0',
        SIMULATOR_WEBHOOK_URL: 'http://localhost:4000/webhooks/qonto',
        SIMULATOR_WEBHOOK_SECRET: 'whsec_0123456789abcdefghijklmnopqrstuv',
        SIMULATOR_STEP_MS: '0',
      }),
    ).toEqual({
      PORT: 0,
      HOST: '0.0.0.0',
      SIMULATOR_WEBHOOK_URL: 'http://localhost:4000/webhooks/qonto',
      SIMULATOR_WEBHOOK_SECRET: 'whsec_0123456789abcdefghijklmnopqrstuv',
      SIMULATOR_STEP_MS: 0,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SIMULATOR_STEP_MS: '-1' }, 'SIMULATOR_STEP_MS'],
    [{ SIMULATOR_WEBHOOK_URL: 'ftp://x.example' }, 'SIMULATOR_WEBHOOK_URL'],
    [{ SIMULATOR_WEBHOOK_URL: 'not a url' }, 'SIMULATOR_WEBHOOK_URL'],
    [{ SIMULATOR_WEBHOOK_SECRET: 'short' }, 'SIMULATOR_WEBHOOK_SECRET'],
  ])('%o fails with one line naming %s', (env, variable) => {
    expect(() => parseSimulatorEnv(env)).toThrow(new RegExp(`^Invalid ${variable}: [^\\n]+$`));
  });
});

describe('logger option', () => {
  it('accepts a pino logger and logs requests through it (silent by default)', async () => {
    const { pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const sim = await createSimulator({ manualClock: true, logger: pino({ level: 'info' }, sink) });
    try {
      await fetch(`${sim.url}/v2/organization`, { headers: { authorization: SEED.atelier.apiKey } });
      expect(lines.some((line) => line.includes('"path":"/v2/organization"') && line.includes('"status":200'))).toBe(true);
      expect(lines.join('')).not.toContain('sim-secret-atelier');
    } finally {
      await sim.close();
    }
  });
});
