import { describe, expect, it } from 'vitest';
import { QontoClient, segment } from '../../src/qonto/client.js';
import type { QontoRequest, QontoTransport } from '../../src/qonto/transport.js';

/** A transport that records what it is asked to send and answers an empty invoice. */
function recordingTransport() {
  const sent: QontoRequest[] = [];
  const transport = {
    request: async (req: QontoRequest) => {
      sent.push(req);
      return { status: 200, body: { client_invoice: { id: 'x' } }, traceId: undefined };
    },
  } as unknown as QontoTransport;
  return { sent, client: new QontoClient(transport, 'Bearer t') };
}

describe('segment(): the client’s last line of defence for ids in paths', () => {
  it.each(['..', '.', ''])('refuses %j', (id) => {
    expect(() => segment(id)).toThrow(TypeError);
  });

  it('percent-encodes anything else into one segment', () => {
    expect(segment('019c688e-7b3a-7c1e-9f00-1a2b3c4d5e6f')).toBe('019c688e-7b3a-7c1e-9f00-1a2b3c4d5e6f');
    expect(segment('a/b')).toBe('a%2Fb');
    expect(segment('...')).toBe('...');
    expect(segment('%2e%2e')).toBe('%252e%252e');
  });

  it.each([
    ['getClientInvoice', (c: QontoClient) => c.getClientInvoice('..')],
    ['getClient', (c: QontoClient) => c.getClient('.')],
    ['markClientInvoiceAsPaid', (c: QontoClient) => c.markClientInvoiceAsPaid('..')],
    ['sendClientInvoiceByEinvoice', (c: QontoClient) => c.sendClientInvoiceByEinvoice('..')],
    ['deleteWebhookSubscription', (c: QontoClient) => c.deleteWebhookSubscription('..')],
  ])('%s with a dot segment rejects without sending anything', async (_name, call) => {
    const { sent, client } = recordingTransport();
    await expect(call(client)).rejects.toThrow('dot segment');
    expect(sent).toEqual([]);
  });
});
