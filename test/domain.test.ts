import { describe, expect, it } from 'vitest';
import { decodeLifecycleCursor, encodeLifecycleCursor, normalizeLifecycleEvents } from '../src/domain/lifecycle-events.js';
import { evaluateEligibility } from '../src/domain/eligibility.js';
import { isOnItsWay } from '../src/domain/submission.js';
import { decimalToCents, toMoney } from '../src/domain/money.js';
import { decodeOffsetCursor, encodeOffsetCursor, planPages } from '../src/domain/pagination.js';

describe('normalizeLifecycleEvents', () => {
  it('accepts numeric and string codes, sorts by timestamp keeping array order for ties, maps unknown codes', () => {
    const events = normalizeLifecycleEvents('inv-1', [
      { status_code: '202', timestamp: '2025-06-02T10:02:00.000Z', reason: null, reason_message: null },
      { status_code: 200, timestamp: '2025-06-02T10:00:00+00:00' },
      { status_code: '201', timestamp: '2025-06-02T12:00:00+02:00' },
      { status_code: '299', timestamp: '2025-06-02T10:02:00.000Z' },
      { status_code: 'weird', timestamp: '2025-06-02T10:03:00.000Z', reason: 'R', reason_message: 'M' },
    ]);
    expect(events.map((e) => [e.rawStatusCode, e.status, e.statusCode])).toEqual([
      ['200', 'SUBMITTED', 200],
      ['201', 'ISSUED_BY_PLATFORM', 201],
      ['202', 'RECEIVED_BY_PLATFORM', 202],
      ['299', 'UNKNOWN', 299],
      ['weird', 'UNKNOWN', null],
    ]);
    expect(events[4]).toMatchObject({ reason: 'R', reasonMessage: 'M', label: 'Status weird', index: 4 });
    expect(events[0]?.label).toBe('Submitted');
  });

  it('knows the whole national list, 224 to 228 included; any other code stays UNKNOWN with its raw value', () => {
    const events = normalizeLifecycleEvents(
      'inv-1',
      ['224', '225', '226', '227', '228', '222', 229].map((status_code) => ({ status_code })),
    );
    expect(events.map((e) => [e.rawStatusCode, e.status, e.label])).toEqual([
      ['224', 'DIRECT_PAYMENT_REQUESTED', 'Direct payment requested'],
      ['225', 'FACTORED', 'Factored'],
      ['226', 'FACTORED_CONFIDENTIAL', 'Factored (confidential)'],
      ['227', 'PAYEE_ACCOUNT_CHANGED', 'Payee account changed'],
      ['228', 'NOT_FACTORED', 'Not factored'],
      ['222', 'UNKNOWN', 'Status 222'],
      ['229', 'UNKNOWN', 'Status 229'],
    ]);
  });

  it('gives cursors that decode to the event index for the same invoice only', () => {
    const [first, second] = normalizeLifecycleEvents('inv-1', [{ status_code: '200' }, { status_code: '201' }]);
    expect(decodeLifecycleCursor(second!.cursor, 'inv-1')).toBe(1);
    expect(decodeLifecycleCursor(first!.cursor, 'inv-2')).toBeNull();
    expect(decodeLifecycleCursor('garbage', 'inv-1')).toBeNull();
    expect(encodeLifecycleCursor('inv-1', 1)).toBe(second!.cursor);
  });

  it('handles missing and empty arrays', () => {
    expect(normalizeLifecycleEvents('x', undefined)).toEqual([]);
    expect(normalizeLifecycleEvents('x', null)).toEqual([]);
  });
});

describe('evaluateEligibility', () => {
  const ok = {
    environment: 'production' as const,
    invoice: { status: 'unpaid' },
    client: { e_invoicing_reachable: true },
    settings: { sending_status: 'enabled' },
  };
  it('is eligible, with nothing unknown, when every check passes', () => {
    expect(evaluateEligibility(ok)).toEqual({ eligible: true, reasons: [], unknowns: [], hint: null });
  });
  it('blocks only on documented facts, in a stable order', () => {
    expect(
      evaluateEligibility({ ...ok, environment: 'sandbox', invoice: { status: 'draft' }, client: { e_invoicing_reachable: false } }),
    ).toEqual({
      eligible: false,
      reasons: ['SANDBOX_ENVIRONMENT', 'INVOICE_NOT_FINALIZED', 'CLIENT_NOT_REACHABLE'],
      unknowns: [],
      hint: null,
    });
    expect(evaluateEligibility({ ...ok, invoice: { status: 'canceled' } }).reasons).toEqual(['INVOICE_CANCELED']);
  });
  it('reports what only Qonto can decide as unknowns, staying eligible', () => {
    const verdict = evaluateEligibility({ ...ok, client: null, settings: { sending_status: 'pending_activation' } });
    expect(verdict).toMatchObject({ eligible: true, reasons: [], unknowns: ['SENDING_STATUS_UNKNOWN', 'CLIENT_MISSING'] });
    expect(verdict.hint).toContain('buyer data');
    expect(evaluateEligibility({ ...ok, client: { e_invoicing_reachable: null } })).toMatchObject({
      eligible: true,
      unknowns: ['CLIENT_REACHABILITY_UNKNOWN'],
    });
    expect(evaluateEligibility({ ...ok, client: {} }).unknowns).toEqual(['CLIENT_REACHABILITY_UNKNOWN']);
    expect(evaluateEligibility({ ...ok, settings: { sending_status: 'disabled' } }).unknowns).toEqual(['SENDING_STATUS_UNKNOWN']);
  });
  it('never emits CLIENT_MISSING or EINVOICING_NOT_ACTIVATED as reasons', () => {
    const verdict = evaluateEligibility({
      environment: 'sandbox',
      invoice: { status: 'draft' },
      client: null,
      settings: { sending_status: 'disabled' },
    });
    expect(verdict.reasons).toEqual(['SANDBOX_ENVIRONMENT', 'INVOICE_NOT_FINALIZED']);
    expect(verdict.unknowns).toEqual(['SENDING_STATUS_UNKNOWN', 'CLIENT_MISSING']);
  });
  it('leaves unknown statuses and unreadable settings to Qonto', () => {
    expect(evaluateEligibility({ ...ok, invoice: { status: 'sent' }, settings: null })).toMatchObject({
      eligible: true,
      unknowns: ['SENDING_STATUS_UNKNOWN'],
    });
  });
});

describe('isOnItsWay', () => {
  const at = (status_code: string | number, minute: number) => ({ status_code, timestamp: `2026-11-01T10:0${minute}:00Z` });
  it('is false without events and after a failed submission (210, 213, 221)', () => {
    expect(isOnItsWay('i', null)).toBe(false);
    expect(isOnItsWay('i', [])).toBe(false);
    for (const failure of ['210', '213', 221]) expect(isOnItsWay('i', [at(200, 0), at(201, 1), at(failure, 2)])).toBe(false);
  });
  it('is true while the latest event (by timestamp) is not a failure', () => {
    expect(isOnItsWay('i', [at(200, 0)])).toBe(true);
    expect(isOnItsWay('i', [at(213, 0), at(200, 1)])).toBe(true);
    expect(isOnItsWay('i', [at(200, 1), at(213, 0)])).toBe(true);
    expect(isOnItsWay('i', [at('weird', 0)])).toBe(true);
  });
});

describe('money', () => {
  it('converts decimal strings to cents exactly', () => {
    expect(decimalToCents('162.00')).toBe(16200);
    expect(decimalToCents('0.1')).toBe(10);
    expect(decimalToCents('-3.07')).toBe(-307);
    expect(decimalToCents('12')).toBe(1200);
    expect(decimalToCents('1.005')).toBeNull();
    expect(decimalToCents('1.000')).toBe(100);
    expect(decimalToCents('abc')).toBeNull();
  });
  it('prefers Qonto cents and never invents an amount', () => {
    expect(toMoney({ value: '12.52', currency: 'EUR' }, 1252)).toEqual({ value: '12.52', currency: 'EUR', cents: 1252 });
    expect(toMoney({ value: '12.52', currency: 'EUR' }, undefined)).toEqual({ value: '12.52', currency: 'EUR', cents: 1252 });
    expect(toMoney(null, 5)).toBeNull();
  });
});

describe('planPages', () => {
  it('uses one aligned page when it can', () => {
    expect(planPages(0, 20)).toEqual({ perPage: 20, pages: [1], skip: 0 });
    expect(planPages(40, 20)).toEqual({ perPage: 20, pages: [3], skip: 0 });
    expect(planPages(3, 5)).toEqual({ perPage: 8, pages: [1], skip: 3 });
  });
  it('falls back to two pages when no page size fits', () => {
    const plan = planPages(150, 100);
    expect(plan).toEqual({ perPage: 100, pages: [2, 3], skip: 50 });
  });
  it('covers exactly the window for every offset and size (exhaustive)', () => {
    for (let limit = 1; limit <= 100; limit += 7) {
      for (let offset = 0; offset < 400; offset += 13) {
        const plan = planPages(offset, limit);
        const firstItem = (plan.pages[0]! - 1) * plan.perPage + plan.skip;
        expect(firstItem).toBe(offset);
        const covered = plan.pages.length * plan.perPage - plan.skip;
        expect(covered).toBeGreaterThanOrEqual(limit);
        expect(plan.perPage).toBeLessThanOrEqual(100);
      }
    }
  });
  it('round-trips offset cursors and rejects others', () => {
    expect(decodeOffsetCursor(encodeOffsetCursor(42))).toBe(42);
    expect(decodeOffsetCursor('bm9wZQ')).toBeNull();
  });
});
