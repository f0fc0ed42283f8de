import { describe, expect, it } from 'vitest';
import { decodeLifecycleCursor, encodeLifecycleCursor, normalizeLifecycleEvents } from '../src/domain/lifecycle-events.js';
import { evaluateEligibility } from '../src/domain/eligibility.js';
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
  it('is eligible when every check passes', () => {
    expect(evaluateEligibility(ok)).toEqual({ eligible: true, reasons: [] });
  });
  it('lists every failing reason in a stable order', () => {
    expect(
      evaluateEligibility({ environment: 'sandbox', invoice: { status: 'draft' }, client: null, settings: { sending_status: 'disabled' } })
        .reasons,
    ).toEqual(['SANDBOX_ENVIRONMENT', 'EINVOICING_NOT_ACTIVATED', 'INVOICE_NOT_FINALIZED', 'CLIENT_MISSING']);
    expect(evaluateEligibility({ ...ok, invoice: { status: 'canceled' }, client: { e_invoicing_reachable: null } }).reasons).toEqual([
      'INVOICE_CANCELED',
      'CLIENT_NOT_REACHABLE',
    ]);
  });
  it('leaves unknown statuses and unreadable settings to Qonto', () => {
    expect(evaluateEligibility({ ...ok, invoice: { status: 'sent' }, settings: null }).eligible).toBe(true);
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
