import { randomUUID } from 'node:crypto';
import { QontoError } from './errors.js';
import type { QontoMethod, QontoRequest, QontoRequester, QontoResponse } from './requester.js';
import { unwrapList, unwrapObject, unwrapResource, type CallSite } from './unwrap.js';
import type {
  WireAttachment,
  WireBulkImportEntry,
  WireClient,
  WireClientInvoice,
  WireClientInvoiceList,
  WireClientList,
  WireCreateClientBody,
  WireCreateClientInvoiceBody,
  WireCreateWebhookSubscriptionBody,
  WireEinvoicingSettings,
  WireOrganization,
  WirePaginationMeta,
  WireSendByEmailBody,
  WireUpdateClientBody,
  WireUpdateClientInvoiceBody,
  WireWebhookSubscription,
} from './wire.js';

/** Options of a {@link QontoClient}. */
export interface QontoClientOptions {
  /**
   * Calls this client may make; each one past it is refused with kind `call_budget_exceeded`
   * without reaching Qonto. Unlimited when omitted.
   */
  maxCalls?: number | undefined;
  /** Told of each call this client refuses. */
  onRefusal?: ((kind: 'call_budget_exceeded') => void) | undefined;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Per-call options of a POST action. */
export interface ActionOptions extends CallOptions {
  /** `X-Qonto-Idempotency-Key`; a fresh UUID per call when omitted. */
  idempotencyKey?: string;
}

/** Page and sort of a list call. */
export interface PageParams {
  /** From 1. */
  page?: number;
  /** 1 to 100. */
  perPage?: number;
  sortBy?: string;
}

/** `GET /v2/clients` parameters (docs/qonto-facts.md#clients). */
export interface ListClientsParams extends PageParams {
  filter?: {
    name?: string;
    email?: string;
    vatNumber?: string;
    taxIdentificationNumber?: string;
    updatedAtFrom?: string;
    updatedAtTo?: string;
  };
}

/** `GET /v2/client_invoices` parameters (docs/qonto-facts.md#client-invoices). */
export interface ListClientInvoicesParams extends PageParams {
  filter?: {
    /** Sent comma-joined as `filter[status]`. */
    status?: readonly string[] | string;
    createdAtFrom?: string;
    createdAtTo?: string;
    updatedAtFrom?: string;
    updatedAtTo?: string;
  };
}

/** A file to import with {@link QontoClient.bulkImportClientInvoices}. */
export interface BulkImportFile {
  name: string;
  /** Content type, e.g. `application/pdf`. */
  type: string;
  data: Blob | Uint8Array;
}

type Query = Record<string, string | number | undefined>;

const MAX_SUBSCRIPTION_PAGES = 100;

/**
 * Typed Qonto Business API calls bound to one `Authorization` value. Every method names its
 * templated route for metrics, accepts wrapped or unwrapped resources, and sends a fresh
 * `X-Qonto-Idempotency-Key` with each POST so that it can be retried safely. With `maxCalls`, it
 * counts its calls (each page of a paged method is one) and refuses those past the budget.
 */
export class QontoClient {
  readonly #requester: QontoRequester;
  readonly #authorization: string;
  readonly #maxCalls: number;
  readonly #onRefusal: QontoClientOptions['onRefusal'];
  #calls = 0;

  /** `requester` is the process's `QontoTransport` (see `QontoTransport.forAuthorization`). */
  constructor(requester: QontoRequester, authorization: string, options: QontoClientOptions = {}) {
    this.#requester = requester;
    this.#authorization = authorization;
    this.#maxCalls = options.maxCalls ?? Infinity;
    this.#onRefusal = options.onRefusal;
  }

  /** Calls made so far (refused ones excluded). */
  get calls(): number {
    return this.#calls;
  }

  /** `GET /v2/clients` */
  async listClients(params: ListClientsParams = {}, options: CallOptions = {}): Promise<WireClientList> {
    const f = params.filter ?? {};
    const query: Query = {
      ...pageQuery(params),
      'filter[name]': f.name,
      'filter[email]': f.email,
      'filter[vat_number]': f.vatNumber,
      'filter[tax_identification_number]': f.taxIdentificationNumber,
      'filter[updated_at_from]': f.updatedAtFrom,
      'filter[updated_at_to]': f.updatedAtTo,
    };
    const { site, body } = await this.#call('GET', '/v2/clients', '/v2/clients', { query }, options);
    const { items, meta } = unwrapList<WireClient>(body, ['clients'], site, params);
    return { clients: items, meta };
  }

  /** `GET /v2/clients/{id}` */
  async getClient(id: string, options: CallOptions = {}): Promise<WireClient> {
    const { site, body } = await this.#call('GET', `/v2/clients/${segment(id)}`, '/v2/clients/{id}', {}, options);
    return unwrapResource<WireClient>(body, ['client'], site);
  }

  /** `POST /v2/clients` */
  async createClient(input: WireCreateClientBody, options: ActionOptions = {}): Promise<WireClient> {
    const { site, body } = await this.#action('/v2/clients', '/v2/clients', { json: input }, options);
    return unwrapResource<WireClient>(body, ['client'], site);
  }

  /** `PATCH /v2/clients/{id}`: only the keys in `input` change. */
  async updateClient(id: string, input: WireUpdateClientBody, options: CallOptions = {}): Promise<WireClient> {
    const { site, body } = await this.#call('PATCH', `/v2/clients/${segment(id)}`, '/v2/clients/{id}', { json: input }, options);
    return unwrapResource<WireClient>(body, ['client'], site);
  }

  /** `GET /v2/client_invoices` */
  async listClientInvoices(params: ListClientInvoicesParams = {}, options: CallOptions = {}): Promise<WireClientInvoiceList> {
    const f = params.filter ?? {};
    const status = typeof f.status === 'string' ? f.status : f.status?.join(',');
    const query: Query = {
      ...pageQuery(params),
      'filter[status]': status === '' ? undefined : status,
      'filter[created_at_from]': f.createdAtFrom,
      'filter[created_at_to]': f.createdAtTo,
      'filter[updated_at_from]': f.updatedAtFrom,
      'filter[updated_at_to]': f.updatedAtTo,
    };
    const { site, body } = await this.#call('GET', '/v2/client_invoices', '/v2/client_invoices', { query }, options);
    const { items, meta } = unwrapList<WireClientInvoice>(body, ['client_invoices'], site, params);
    return { client_invoices: items, meta };
  }

  /** `GET /v2/client_invoices/{id}` (with `einvoicing_lifecycle_events`). */
  async getClientInvoice(id: string, options: CallOptions = {}): Promise<WireClientInvoice> {
    const path = `/v2/client_invoices/${segment(id)}`;
    const { site, body } = await this.#call('GET', path, '/v2/client_invoices/{id}', {}, options);
    return unwrapResource<WireClientInvoice>(body, ['client_invoice'], site);
  }

  /** `GET /v2/attachments/{id}`: an invoice's PDF, with a short-lived download `url` (docs/qonto-facts.md#attachments). */
  async getAttachment(id: string, options: CallOptions = {}): Promise<WireAttachment> {
    const { site, body } = await this.#call('GET', `/v2/attachments/${segment(id)}`, '/v2/attachments/{id}', {}, options);
    return unwrapResource<WireAttachment>(body, ['attachment'], site);
  }

  /** `POST /v2/client_invoices` (flat body). */
  async createClientInvoice(input: WireCreateClientInvoiceBody, options: ActionOptions = {}): Promise<WireClientInvoice> {
    const { site, body } = await this.#action('/v2/client_invoices', '/v2/client_invoices', { json: input }, options);
    return unwrapResource<WireClientInvoice>(body, ['client_invoice'], site);
  }

  /** `PATCH /v2/client_invoices/{id}`: drafts only; only the keys in `input` change. */
  async updateClientInvoice(id: string, input: WireUpdateClientInvoiceBody, options: CallOptions = {}): Promise<WireClientInvoice> {
    const path = `/v2/client_invoices/${segment(id)}`;
    const { site, body } = await this.#call('PATCH', path, '/v2/client_invoices/{id}', { json: input }, options);
    return unwrapResource<WireClientInvoice>(body, ['client_invoice'], site);
  }

  /** `DELETE /v2/client_invoices/{id}`: a draft, or an imported invoice. */
  async deleteClientInvoice(id: string, options: CallOptions = {}): Promise<void> {
    await this.#call('DELETE', `/v2/client_invoices/${segment(id)}`, '/v2/client_invoices/{id}', {}, options);
  }

  /** `POST /v2/client_invoices/{id}/finalize`: draft → unpaid. */
  finalizeClientInvoice(id: string, options: ActionOptions = {}): Promise<WireClientInvoice> {
    return this.#invoiceAction(id, 'finalize', {}, options);
  }

  /** `POST /v2/client_invoices/{id}/mark_as_canceled`: unpaid → canceled. */
  markClientInvoiceAsCanceled(id: string, options: ActionOptions = {}): Promise<WireClientInvoice> {
    return this.#invoiceAction(id, 'mark_as_canceled', {}, options);
  }

  /** `POST /v2/client_invoices/{id}/mark_as_paid`, `paidAt` as `YYYY-MM-DD` (today when omitted). */
  markClientInvoiceAsPaid(
    id: string,
    input: { paidAt?: string | undefined } = {},
    options: ActionOptions = {},
  ): Promise<WireClientInvoice> {
    const json = input.paidAt === undefined ? undefined : { paid_at: input.paidAt };
    return this.#invoiceAction(id, 'mark_as_paid', json === undefined ? {} : { json }, options);
  }

  /** `POST /v2/client_invoices/{id}/unmark_as_paid`: paid → unpaid. */
  unmarkClientInvoiceAsPaid(id: string, options: ActionOptions = {}): Promise<WireClientInvoice> {
    return this.#invoiceAction(id, 'unmark_as_paid', {}, options);
  }

  /** `POST /v2/client_invoices/{id}/send_by_einvoice`: accepted for asynchronous processing (204). */
  async sendClientInvoiceByEinvoice(id: string, options: ActionOptions = {}): Promise<void> {
    const path = `/v2/client_invoices/${segment(id)}/send_by_einvoice`;
    await this.#action(path, '/v2/client_invoices/{id}/send_by_einvoice', {}, options);
  }

  /** `POST /v2/client_invoices/{id}/send`: email the invoice. */
  async sendClientInvoiceByEmail(id: string, input: WireSendByEmailBody, options: ActionOptions = {}): Promise<void> {
    const path = `/v2/client_invoices/${segment(id)}/send`;
    await this.#action(path, '/v2/client_invoices/{id}/send', { json: input }, options);
  }

  /** `POST /v2/client_invoices/bulk`: multipart, field `client_invoices` once per file. */
  async bulkImportClientInvoices(files: readonly BulkImportFile[], options: ActionOptions = {}): Promise<WireBulkImportEntry[]> {
    const form = new FormData();
    for (const file of files) form.append('client_invoices', toBlob(file), file.name);
    const { site, body } = await this.#action('/v2/client_invoices/bulk', '/v2/client_invoices/bulk', { form }, options);
    const { items } = unwrapList<Record<string, unknown>>(body, ['client_invoices'], site);
    return items.map((entry) => ({
      invoice_id: String(entry['invoice_id'] ?? entry['id'] ?? ''),
      file_name: String(entry['file_name'] ?? entry['filename'] ?? ''),
    }));
  }

  /** `GET /v2/einvoicing/settings` */
  async getEinvoicingSettings(options: CallOptions = {}): Promise<WireEinvoicingSettings> {
    const route = '/v2/einvoicing/settings';
    const { site, body } = await this.#call('GET', route, route, {}, options);
    return unwrapObject<WireEinvoicingSettings>(body, ['einvoicing_settings', 'settings'], site);
  }

  /** `GET /v2/organization` (also the way to check credentials: 200 valid, 401 invalid). */
  async getOrganization(options: CallOptions = {}): Promise<WireOrganization> {
    const route = '/v2/organization';
    const { site, body } = await this.#call('GET', route, route, {}, options);
    return unwrapResource<WireOrganization>(body, ['organization'], site);
  }

  /** `POST /v2/webhook_subscriptions` */
  async createWebhookSubscription(input: WireCreateWebhookSubscriptionBody, options: ActionOptions = {}): Promise<WireWebhookSubscription> {
    const route = '/v2/webhook_subscriptions';
    const { site, body } = await this.#action(route, route, { json: input }, options);
    return unwrapResource<WireWebhookSubscription>(body, ['webhook_subscription', 'subscription'], site);
  }

  /** `GET /v2/webhook_subscriptions`, every page. */
  async listWebhookSubscriptions(options: CallOptions = {}): Promise<WireWebhookSubscription[]> {
    const route = '/v2/webhook_subscriptions';
    const all: WireWebhookSubscription[] = [];
    let page: number | null = 1;
    for (let fetched = 0; page !== null && fetched < MAX_SUBSCRIPTION_PAGES; fetched++) {
      const query: Query = { page, per_page: 100 };
      const { site, body } = await this.#call('GET', route, route, { query }, options);
      const { items, meta }: { items: WireWebhookSubscription[]; meta: WirePaginationMeta } = unwrapList(
        body,
        ['webhook_subscriptions'],
        site,
        { page, perPage: 100 },
      );
      all.push(...items);
      page = items.length > 0 && meta.next_page !== null && meta.next_page > page ? meta.next_page : null;
    }
    return all;
  }

  /** `DELETE /v2/webhook_subscriptions/{id}` */
  async deleteWebhookSubscription(id: string, options: CallOptions = {}): Promise<void> {
    const path = `/v2/webhook_subscriptions/${segment(id)}`;
    await this.#call('DELETE', path, '/v2/webhook_subscriptions/{id}', {}, options);
  }

  async #invoiceAction(id: string, action: string, payload: { json?: unknown }, options: ActionOptions): Promise<WireClientInvoice> {
    const path = `/v2/client_invoices/${segment(id)}/${action}`;
    const { site, body } = await this.#action(path, `/v2/client_invoices/{id}/${action}`, payload, options);
    return unwrapResource<WireClientInvoice>(body, ['client_invoice'], site);
  }

  #action(
    path: string,
    route: string,
    payload: { json?: unknown; form?: FormData },
    options: ActionOptions,
  ): Promise<{ site: CallSite; body: unknown }> {
    return this.#call('POST', path, route, { ...payload, idempotencyKey: options.idempotencyKey ?? randomUUID() }, options);
  }

  async #call(
    method: QontoMethod,
    path: string,
    route: string,
    extra: Pick<QontoRequest, 'query' | 'json' | 'form' | 'idempotencyKey'>,
    options: CallOptions,
  ): Promise<{ site: CallSite; body: unknown }> {
    if (this.#calls >= this.#maxCalls) {
      this.#onRefusal?.('call_budget_exceeded');
      throw new QontoError({ kind: 'call_budget_exceeded', method, route, attempts: 0 });
    }
    this.#calls++;
    const req: QontoRequest = { method, path, route, authorization: this.#authorization, ...extra };
    if (options.signal) req.signal = options.signal;
    const response: QontoResponse<unknown> = await this.#requester.request<unknown>(req);
    return { site: { method, route, traceId: response.traceId }, body: response.body };
  }
}

/**
 * An id as one path segment: percent-encoded, so `/`, `?` and `#` stay inside it. The last line of
 * defence behind the schema's id checks: it refuses an empty id and the dot segments `.` and `..`,
 * which encoding leaves as they are and URL resolution would turn into "this" or "the parent"
 * path (`/v2/client_invoices/../mark_as_paid`). Throws a `TypeError` before any request is made.
 */
export function segment(id: string): string {
  if (typeof id !== 'string' || id === '') throw new TypeError('A Qonto id must be a non-empty string');
  if (id === '.' || id === '..') throw new TypeError('A Qonto id cannot be a dot segment ("." or "..")');
  return encodeURIComponent(id);
}

function pageQuery(params: PageParams): Query {
  return { page: params.page, per_page: params.perPage, sort_by: params.sortBy };
}

function toBlob(file: BulkImportFile): Blob {
  if (file.data instanceof Blob) {
    return file.data.type === file.type ? file.data : file.data.slice(0, file.data.size, file.type);
  }
  const bytes = file.data.buffer instanceof ArrayBuffer ? (file.data as Uint8Array<ArrayBuffer>) : new Uint8Array(file.data);
  return new Blob([bytes], { type: file.type });
}
