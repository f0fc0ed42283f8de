import type { GatewayContext } from '../context.js';
import { MAX_FILE_NAME_LENGTH } from '../domain/input-rules.js';
import type { WireClientInvoice } from '../qonto/wire.js';
import { builder } from './builder.js';
import { ClientInvoice } from './client-invoice.js';
import { NotFoundError, ValidationError } from './errors.js';
import { toErrorMember } from './qonto-error-members.js';

const IMPORT_ERRORS = [ValidationError, NotFoundError];

/** Qonto's bulk import limits (docs/qonto-facts.md#bulk-import). */
export const IMPORT_LIMITS = { minFiles: 1, maxFiles: 5, maxFileBytes: 5 * 1024 * 1024, maxTotalBytes: 15 * 1024 * 1024 } as const;

const TYPES_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  xml: 'application/xml',
};
const ACCEPTED_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png', 'application/xml', 'text/xml']);

/** An uploaded file as yoga hands it over (a WHATWG `File`). */
export type UploadedFile = Pick<File, 'name' | 'type' | 'size' | 'arrayBuffer'>;

/**
 * The content type to send for a file, from its declared type or else its extension; null when
 * it is neither PDF, JPEG, PNG nor XML.
 */
export function importContentType(file: Pick<File, 'name' | 'type'>): string | null {
  const declared = file.type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (ACCEPTED_TYPES.has(declared)) return declared;
  const extension = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  return extension ? (TYPES_BY_EXTENSION[extension] ?? null) : null;
}

/** Checks Qonto's limits before any call; throws a {@link ValidationError} naming the file. */
export function validateImportFiles(files: readonly UploadedFile[]): string[] {
  if (files.length < IMPORT_LIMITS.minFiles) throw new ValidationError('files', 'Give at least one file');
  if (files.length > IMPORT_LIMITS.maxFiles) throw new ValidationError('files', `At most ${IMPORT_LIMITS.maxFiles} files per import`);
  let total = 0;
  return files.map((file, index) => {
    const field = `files[${index}]`;
    if (file.name.length > MAX_FILE_NAME_LENGTH)
      throw new ValidationError(field, `File ${index + 1} has a name longer than ${MAX_FILE_NAME_LENGTH} characters`);
    const type = importContentType(file);
    if (!type) throw new ValidationError(field, `${file.name}: only PDF, JPEG, PNG or XML files can be imported`);
    if (file.size === 0) throw new ValidationError(field, `${file.name} is empty`);
    if (file.size > IMPORT_LIMITS.maxFileBytes) throw new ValidationError(field, `${file.name} is larger than 5 MB`);
    total += file.size;
    if (total > IMPORT_LIMITS.maxTotalBytes)
      throw new ValidationError(field, `The files add up to more than 15 MB (${file.name} goes over)`);
    return type;
  });
}

/**
 * Flow 2: imports invoices made in another tool (PDF, Factur-X, UBL or CII), then loads them.
 * Re-importing a file returns the invoice it created the first time (Qonto de-duplicates).
 */
export async function importClientInvoices(
  ctx: GatewayContext,
  files: readonly UploadedFile[],
): Promise<{ invoices: WireClientInvoice[] }> {
  const types = validateImportFiles(files);
  const qonto = ctx.qonto();
  let entries: Awaited<ReturnType<typeof qonto.bulkImportClientInvoices>>;
  try {
    entries = await qonto.bulkImportClientInvoices(
      await Promise.all(
        files.map(async (file, i) => ({ name: file.name, type: types[i]!, data: new Uint8Array(await file.arrayBuffer()) })),
      ),
    );
  } catch (error) {
    throw await toErrorMember(error, { ctx, members: IMPORT_ERRORS, refusedInput: { field: 'files', message: 'Qonto refused the files' } });
  }
  const invoices = await Promise.all(
    entries.map(async (entry) => {
      const invoice = await ctx.loaders.invoice.load(entry.invoice_id);
      if (!invoice) throw new NotFoundError(entry.invoice_id);
      return invoice;
    }),
  );
  return { invoices };
}

const ImportClientInvoicesSuccess = builder.objectRef<{ invoices: WireClientInvoice[] }>('ImportClientInvoicesSuccess').implement({
  fields: (t) => ({ invoices: t.field({ type: [ClientInvoice], resolve: (r) => r.invoices }) }),
});

builder.mutationField('importClientInvoices', (t) =>
  t.field({
    type: ImportClientInvoicesSuccess,
    description:
      'Flow 2: imports 1 to 5 invoices made in another tool (PDF incl. Factur-X, JPEG, PNG, UBL/CII XML; ≤ 5 MB each, 15 MB in all) with a GraphQL multipart request. Send them with sendInvoiceByEinvoice next.',
    args: { files: t.arg({ type: ['File'], required: true }) },
    errors: { types: IMPORT_ERRORS, union: { name: 'ImportClientInvoicesResult' }, directResult: true },
    resolve: (_, { files }, ctx) => importClientInvoices(ctx, files),
  }),
);
