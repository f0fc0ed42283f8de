import { createHash } from 'node:crypto';
import { type ApiError, forbidden, notFound, parameterError, validationFailed } from '../errors.js';
import { jsonResponse } from '../http.js';
import { embeddedClient, toWireUpload } from '../representation.js';
import type { SimContext, SimRouter } from '../services.js';
import type { SimulatorStore } from '../store.js';
import type { ClientRecord, InvoiceRecord, OrganizationRecord } from '../types.js';
import { type XmlBuyer, type XmlInvoice, XmlInvoiceError, parseInvoiceXml } from '../xml-invoice.js';

/** Per-file limit of imports and uploads (docs/qonto-facts.md#bulk-import, docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Whole-request limit of a bulk import (docs/qonto-facts.md#bulk-import). */
export const MAX_BULK_BYTES = 15 * 1024 * 1024;
const MAX_FILES = 5;

type FileKind = 'pdf' | 'jpeg' | 'png' | 'xml';

const CONTENT_TYPES: Record<FileKind, string> = { pdf: 'application/pdf', jpeg: 'image/jpeg', png: 'image/png', xml: 'application/xml' };

/** Recognises a file by content type or, failing that, by extension (docs/qonto-facts.md#simulator-bulk-import-and-uploads). */
export function fileKind(name: string, contentType: string): FileKind | null {
  const type = contentType.toLowerCase().split(';')[0]?.trim() ?? '';
  if (type === 'application/pdf') return 'pdf';
  if (type === 'image/jpeg' || type === 'image/jpg') return 'jpeg';
  if (type === 'image/png') return 'png';
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return 'xml';
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (extension === 'pdf') return 'pdf';
  if (extension === 'jpg' || extension === 'jpeg') return 'jpeg';
  if (extension === 'png') return 'png';
  if (extension === 'xml') return 'xml';
  return null;
}

interface IncomingFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

function invalid(parameter: string, detail: string): ApiError {
  return validationFailed([parameterError('invalid', parameter, detail)]);
}

async function readFiles(ctx: SimContext, field: string): Promise<IncomingFile[]> {
  const contentType = ctx.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) throw invalid(field, 'The request must be multipart/form-data.');
  let form: FormData;
  try {
    form = await new Request('http://simulator.local/upload', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: Uint8Array.from(ctx.body),
    }).formData();
  } catch {
    throw invalid(field, 'The multipart body could not be read.');
  }
  const files: IncomingFile[] = [];
  for (const entry of form.getAll(field)) {
    if (typeof entry === 'string') throw invalid(field, `${field} must be a file.`);
    files.push({ name: entry.name || 'file', contentType: entry.type, bytes: Buffer.from(await entry.arrayBuffer()) });
  }
  return files;
}

function checkSize(file: IncomingFile, field: string): void {
  if (file.bytes.length === 0) throw invalid(field, `${file.name} is empty.`);
  if (file.bytes.length > MAX_FILE_BYTES) throw invalid(field, `${file.name} is larger than 5 MB.`);
}

function sameCompany(client: ClientRecord, buyer: XmlBuyer): boolean {
  const taxId = client.tax_identification_number?.replace(/\s/g, '') ?? '';
  if (buyer.siren && taxId.slice(0, 9) === buyer.siren) return true;
  const vat = client.vat_number?.replace(/\s/g, '').toUpperCase();
  return Boolean(buyer.vatNumber && vat && vat === buyer.vatNumber.replace(/\s/g, '').toUpperCase());
}

function resolveBuyer(store: SimulatorStore, org: OrganizationRecord, xml: XmlInvoice): ClientRecord | null {
  const buyer = xml.buyer;
  if (!buyer || (!buyer.siren && !buyer.vatNumber && !buyer.name)) return null;
  const existing = store.clientRecords(org.id).find((client) => sameCompany(client, buyer));
  if (existing) return existing;
  const client: ClientRecord = {
    ...store.blankClient(org.id),
    name: buyer.name ?? buyer.siren ?? buyer.vatNumber,
    currency: xml.currency ?? 'EUR',
    locale: 'fr',
    vat_number: buyer.vatNumber,
    tax_identification_number: buyer.siren,
    e_invoicing_address: buyer.siren,
    e_invoicing_reachable: buyer.siren !== null,
    billing_address:
      buyer.street || buyer.city || buyer.zip || buyer.country
        ? {
            street_address: buyer.street,
            city: buyer.city,
            zip_code: buyer.zip,
            province_code: null,
            country_code: buyer.country?.toLowerCase() ?? null,
          }
        : null,
  };
  store.addClient(client);
  return client;
}

function importedInvoice(
  store: SimulatorStore,
  org: OrganizationRecord,
  file: IncomingFile,
  hash: string,
  xml: XmlInvoice | null,
): InvoiceRecord {
  const client = xml ? resolveBuyer(store, org, xml) : null;
  const blank = store.blankInvoice(org);
  return {
    ...blank,
    attachment_id: store.newId(),
    number: xml?.number ?? null,
    status: 'unpaid',
    currency: xml?.currency ?? 'EUR',
    total_amount_cents: xml?.totalCents ?? null,
    vat_amount_cents: xml?.vatCents ?? null,
    issue_date: xml?.issueDate ?? null,
    due_date: xml?.dueDate ?? null,
    finalized_at: blank.created_at,
    clientId: client?.id ?? null,
    client: client ? embeddedClient(client) : null,
    imported: true,
    file_hash: hash,
    file: { name: file.name, content_type: file.contentType || 'application/octet-stream', bytes: file.bytes },
  };
}

async function bulkImport(ctx: SimContext) {
  const { store } = ctx.services;
  if (ctx.org.legal_country === 'IT') throw forbidden('Bulk import is not available for Italian organizations.');
  const field = 'client_invoices';
  const files = await readFiles(ctx, field);
  if (files.length < 1 || files.length > MAX_FILES) throw invalid(field, `Send between 1 and ${MAX_FILES} files.`);
  const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (total > MAX_BULK_BYTES) throw invalid(field, 'The files together are larger than 15 MB.');
  const parsed = files.map((file) => {
    checkSize(file, field);
    const kind = fileKind(file.name, file.contentType);
    if (!kind) throw invalid(field, `${file.name}: only PDF, JPEG, PNG and XML (UBL 2.1, CII) files can be imported.`);
    let xml: XmlInvoice | null = null;
    if (kind === 'xml') {
      try {
        xml = parseInvoiceXml(file.bytes);
      } catch (error) {
        if (error instanceof XmlInvoiceError) throw invalid(field, `${file.name}: ${error.message}`);
        throw error;
      }
    }
    return { file, xml, hash: createHash('sha256').update(file.bytes).digest('hex') };
  });
  const results: Array<{ invoice_id: string; file_name: string }> = [];
  for (const { file, xml, hash } of parsed) {
    const existing = store.invoiceByFileHash(ctx.org.id, hash);
    if (existing) {
      results.push({ invoice_id: existing.id, file_name: file.name });
      continue;
    }
    const invoice = importedInvoice(store, ctx.org, file, hash, xml);
    store.addInvoice(invoice);
    store.emitInvoiceChange(ctx.org.id, invoice.id, 'created');
    results.push({ invoice_id: invoice.id, file_name: file.name });
  }
  return jsonResponse(201, { client_invoices: results });
}

async function createUpload(ctx: SimContext) {
  const { store } = ctx.services;
  const field = 'client_invoices_upload';
  const files = await readFiles(ctx, field);
  const [file] = files;
  if (!file || files.length > 1) throw invalid(field, 'Send exactly one file.');
  checkSize(file, field);
  const kind = fileKind(file.name, file.contentType);
  if (!kind || kind === 'xml') throw invalid(field, `${file.name}: only PDF, JPEG and PNG files can be uploaded.`);
  const now = store.timestamp();
  const upload = {
    id: store.newId(),
    organizationId: ctx.org.id,
    filename: file.name,
    content_type: CONTENT_TYPES[kind],
    bytes: file.bytes,
    created_at: now,
    updated_at: now,
  };
  store.addUpload(upload);
  return jsonResponse(201, { client_invoice_upload: toWireUpload(upload, store.baseUrl) });
}

function getUpload(ctx: SimContext) {
  const upload = ctx.services.store.getUpload(ctx.org.id, ctx.params['id'] ?? '');
  if (!upload) throw notFound('Upload not found.');
  return jsonResponse(200, { client_invoice_upload: toWireUpload(upload, ctx.services.store.baseUrl) });
}

/**
 * Registers bulk import (docs/qonto-facts.md#bulk-import) and uploads (docs/qonto-facts.md#uploads), as
 * docs/qonto-facts.md#simulator-bulk-import-and-uploads decides.
 */
export function registerImportRoutes(router: SimRouter): void {
  router
    .add('POST', '/v2/client_invoices/bulk', bulkImport)
    .add('POST', '/v2/client_invoices/uploads', createUpload)
    .add('GET', '/v2/client_invoices/uploads/{id}', getUpload);
}
