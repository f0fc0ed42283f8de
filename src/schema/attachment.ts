import type { WireAttachment } from '../qonto/wire.js';
import { builder } from './builder.js';

/** `Attachment`: a file Qonto stores, such as an invoice's PDF (docs/qonto-facts.md#attachments). */
export const Attachment = builder.objectRef<WireAttachment>('Attachment').implement({
  description: "A file stored by Qonto, such as an invoice's PDF.",
  fields: (t) => ({
    id: t.exposeID('id'),
    fileName: t.string({ nullable: true, resolve: (a) => a.file_name ?? null }),
    contentType: t.string({ nullable: true, description: 'MIME type, e.g. application/pdf.', resolve: (a) => a.file_content_type ?? null }),
    url: t.string({
      nullable: true,
      description: 'A download link that expires after a short time (30 minutes): read it again rather than storing it.',
      resolve: (a) => a.url ?? null,
    }),
  }),
});
