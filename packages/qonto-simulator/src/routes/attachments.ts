import { toWireAttachment } from '../attachments.js';
import { notFound } from '../errors.js';
import { jsonResponse } from '../http.js';
import type { SimRouter } from '../services.js';

/** Registers `GET /v2/attachments/{id}` (docs/qonto-facts.md#attachments, docs/qonto-facts.md#simulator-attachments). */
export function registerAttachmentRoutes(router: SimRouter): void {
  router.add('GET', '/v2/attachments/{id}', (ctx) => {
    const { store } = ctx.services;
    const invoice = store.invoiceByAttachmentId(ctx.org.id, ctx.params['id'] ?? '');
    const attachment = invoice ? toWireAttachment(invoice, store.baseUrl) : undefined;
    if (!attachment) throw notFound('Attachment not found.');
    return jsonResponse(200, { attachment });
  });
}
