import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/context.js';
import { QontoError } from '../../src/qonto/errors.js';
import type { WireClientInvoice } from '../../src/qonto/wire.js';
import { EinvoicingPreconditionFailedError, InvalidInvoiceStateError, NotFoundError, ValidationError } from '../../src/schema/errors.js';
import { pointerAttribute, pointerFieldPath, toErrorMember, type QontoCall } from '../../src/schema/qonto-error-members.js';

const http = (status: number, entry: { code?: string; detail?: string; pointer?: string } = {}, traceId?: string) =>
  new QontoError({
    kind: 'http',
    method: 'POST',
    route: '/v2/client_invoices/{id}/send',
    status,
    attempts: 1,
    errors: [{ code: entry.code, detail: entry.detail, ...(entry.pointer ? { source: { pointer: entry.pointer } } : {}) }],
    ...(traceId ? { traceId } : {}),
  });

/** A context whose invoice loader answers `invoice` and counts its reads. */
function contextWith(invoice: Partial<WireClientInvoice> | null) {
  const reads: string[] = [];
  const ctx = {
    loaders: {
      forgetCachedInvoice: () => undefined,
      invoice: {
        clear: () => ({
          load: async (id: string) => {
            reads.push(id);
            return invoice;
          },
        }),
      },
    },
  } as unknown as GatewayContext;
  return { ctx, reads };
}

const ALL = [NotFoundError, InvalidInvoiceStateError, ValidationError, EinvoicingPreconditionFailedError];

describe('toErrorMember: the translation of Qonto errors to mutation error members', () => {
  it('404 → NotFoundError for the addressed invoice; stays as it is without one', async () => {
    const { ctx } = contextWith(null);
    expect(await toErrorMember(http(404), { ctx, members: ALL, invoiceId: 'inv-1' })).toEqual(new NotFoundError('inv-1'));
    const error = http(404);
    expect(await toErrorMember(error, { ctx, members: ALL })).toBe(error);
  });

  it('412 → EinvoicingPreconditionFailedError with Qonto’s code, detail and trace id', async () => {
    const { ctx } = contextWith(null);
    const member = await toErrorMember(http(412, { code: 'einvoicing_not_activated', detail: 'Not activated' }, 'abc'), {
      ctx,
      members: ALL,
    });
    expect(member).toBeInstanceOf(EinvoicingPreconditionFailedError);
    expect(member).toMatchObject({ code: 'einvoicing_not_activated', detail: 'Not activated', traceId: 'abc' });
    expect(await toErrorMember(http(412), { ctx, members: ALL })).toMatchObject({
      code: 'precondition_failed',
      detail: null,
      traceId: null,
    });
  });

  it('422 naming a mapped attribute → ValidationError on the GraphQL input path, without reading the invoice', async () => {
    const { ctx, reads } = contextWith({ id: 'inv-1', status: 'unpaid' });
    const call: QontoCall = { ctx, members: ALL, invoiceId: 'inv-1', fields: { send_to: 'input.sendTo' }, invalidState: 'refused' };
    const member = await toErrorMember(http(422, { detail: 'Bad address', pointer: '/data/attributes/send_to/1' }), call);
    expect(member).toBeInstanceOf(ValidationError);
    expect(member).toMatchObject({ field: 'input.sendTo', message: 'Bad address' });
    expect(reads).toEqual([]);
  });

  it('422 naming a nested attribute → ValidationError on the nested input path, indexes carried over', async () => {
    const { ctx } = contextWith(null);
    const call: QontoCall = { ctx, members: ALL, fields: { items: 'input.items', 'items/*/vat_rate': 'input.items[*].vatRate' } };
    const member = await toErrorMember(http(422, { detail: 'Bad rate', pointer: '/data/attributes/items/3/vat_rate' }), call);
    expect(member).toMatchObject({ field: 'input.items[3].vatRate', message: 'Bad rate' });
  });

  it('a 404 for an addressed client → NotFoundError naming the client', async () => {
    const { ctx } = contextWith(null);
    const member = await toErrorMember(http(404), { ctx, members: ALL, clientId: 'cli-1' });
    expect(member).toEqual(new NotFoundError('cli-1', 'Client'));
    expect(member).toMatchObject({ message: 'Client cli-1 not found' });
  });

  it('any other 422 with invalidState → InvalidInvoiceStateError with the status read again', async () => {
    const { ctx, reads } = contextWith({ id: 'inv-1', status: 'draft' });
    const call: QontoCall = {
      ctx,
      members: ALL,
      invoiceId: 'inv-1',
      fields: { paid_at: 'paidAt' },
      invalidState: 'Only a paid invoice can be unmarked',
    };
    const member = await toErrorMember(http(422, { code: 'invalid_transition' }), call);
    expect(member).toBeInstanceOf(InvalidInvoiceStateError);
    expect(member).toMatchObject({ status: 'draft', message: 'Only a paid invoice can be unmarked' });
    expect(reads).toEqual(['inv-1']);
  });

  it('an invoice gone when read again → NotFoundError', async () => {
    const { ctx } = contextWith(null);
    const member = await toErrorMember(http(422), { ctx, members: ALL, invoiceId: 'inv-1', invalidState: 'refused' });
    expect(member).toEqual(new NotFoundError('inv-1'));
  });

  it('422 with refusedInput → ValidationError on that input', async () => {
    const { ctx } = contextWith(null);
    const call: QontoCall = { ctx, members: ALL, refusedInput: { field: 'files', message: 'Qonto refused the files' } };
    expect(await toErrorMember(http(422, { detail: 'Malformed XML' }), call)).toMatchObject({ field: 'files', message: 'Malformed XML' });
    expect(await toErrorMember(http(422), call)).toMatchObject({ field: 'files', message: 'Qonto refused the files' });
  });

  it('only members of the union: others fall through to the next row or stay as they are', async () => {
    const { ctx } = contextWith({ id: 'inv-1', status: 'unpaid' });
    const unmark: QontoCall = {
      ctx,
      members: [NotFoundError, InvalidInvoiceStateError],
      invoiceId: 'inv-1',
      fields: { paid_at: 'paidAt' },
      invalidState: 'refused',
    };
    expect(await toErrorMember(http(422, { pointer: '/data/attributes/paid_at' }), unmark)).toBeInstanceOf(InvalidInvoiceStateError);
    const precondition = http(412);
    expect(await toErrorMember(precondition, unmark)).toBe(precondition);
  });

  it('leaves every other error as it is', async () => {
    const { ctx } = contextWith(null);
    const call: QontoCall = {
      ctx,
      members: ALL,
      invoiceId: 'inv-1',
      invalidState: 'refused',
      refusedInput: { field: 'files', message: 'x' },
    };
    for (const error of [
      http(401),
      http(403),
      http(500),
      new QontoError({ kind: 'timeout', method: 'POST', route: '/v2/client_invoices/bulk', attempts: 3 }),
      new QontoError({ kind: 'response_too_large', method: 'POST', route: '/v2/client_invoices/bulk', status: 422, attempts: 1 }),
      new TypeError('boom'),
    ]) {
      expect(await toErrorMember(error, call)).toBe(error);
    }
  });
});

describe('pointerAttribute', () => {
  it.each([
    ['/data/attributes/paid_at', 'paid_at'],
    ['/data/attributes/send_to/1', 'send_to'],
    ['/data/attributes/items/0/vat_rate', 'items'],
    ['/paid_at', 'paid_at'],
    ['/data/attributes/a~1b', 'a/b'],
    ['/data', 'data'],
    ['', undefined],
    [undefined, undefined],
  ])('%j names %j', (pointer, attribute) => {
    expect(pointerAttribute(pointer)).toBe(attribute);
  });
});

describe('pointerFieldPath', () => {
  const fields = {
    paid_at: 'paidAt',
    items: 'input.items',
    'items/*/unit_price': 'input.items[*].unitPrice',
    'items/*/discount/value': 'input.items[*].discount.value',
    'lines/*/parts/*': 'input.lines[*].parts[*]',
  };
  it.each([
    ['/data/attributes/paid_at', 'paidAt'],
    ['/paid_at', 'paidAt'],
    ['/data/attributes/items', 'input.items'],
    ['/data/attributes/items/2/unit_price', 'input.items[2].unitPrice'],
    ['/data/attributes/items/2/unit_price/value', 'input.items[2].unitPrice'],
    ['/data/attributes/items/0/discount/value', 'input.items[0].discount.value'],
    ['/data/attributes/items/0/title', 'input.items'],
    ['/data/attributes/lines/1/parts/4', 'input.lines[1].parts[4]'],
    ['/data/attributes/other', undefined],
    [undefined, undefined],
  ])('%j is %j', (pointer, path) => {
    expect(pointerFieldPath(pointer, fields)).toBe(path);
  });
});
