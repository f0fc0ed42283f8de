import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttachmentJson,
  createSimulator,
  type BulkImportEntryJson,
  type ClientInvoiceJson,
  type ClientJson,
  type OrganizationJson,
  type PaginationMeta,
  type Simulator,
  type SimulatorOptions,
  type UploadJson,
  type WebhookEnvelopeJson,
  type WebhookSubscriptionJson,
} from '../src/index.js';

/** One entry of an error body. */
export interface ErrorEntry {
  code: string;
  detail: string;
  source?: { pointer?: string; parameter?: string };
}

/** Every key a simulator JSON answer may have (each test reads the ones its endpoint returns). */
export interface ApiBody extends Partial<WebhookSubscriptionJson> {
  errors?: ErrorEntry[];
  attachment?: AttachmentJson;
  trace_id?: string;
  meta?: PaginationMeta;
  client?: ClientJson;
  clients?: ClientJson[];
  client_invoice?: ClientInvoiceJson;
  client_invoices?: Array<ClientInvoiceJson & Partial<BulkImportEntryJson>>;
  client_invoice_upload?: UploadJson;
  organization?: OrganizationJson;
  subscriptions?: WebhookSubscriptionJson[];
  sending_status?: string;
  receiving_status?: string;
}

/** A parsed HTTP answer of the simulator. */
export interface ApiResult<T = ApiBody> {
  status: number;
  headers: Headers;
  /** Parsed JSON body (`{}` for an empty or non-JSON body). */
  body: T;
  text: string;
}

/** Fetch helper bound to one simulator and one Authorization value. */
export interface Api {
  get(path: string, query?: Record<string, string>): Promise<ApiResult>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResult>;
  patch(path: string, body?: unknown): Promise<ApiResult>;
  put(path: string, body?: unknown): Promise<ApiResult>;
  delete(path: string): Promise<ApiResult>;
  raw(path: string, init: RequestInit): Promise<ApiResult>;
}

async function parse(response: Response): Promise<ApiResult> {
  const text = await response.text();
  let body: ApiBody = {};
  if (text !== '') {
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      body = {};
    }
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Builds an {@link Api} for `authorization` (null = no header). */
export function api(sim: Simulator, authorization: string | null = `Bearer ${sim.credentials[0]!.bearerToken}`): Api {
  const base = (extra?: Record<string, string>): Record<string, string> => ({
    ...(authorization === null ? {} : { authorization }),
    ...extra,
  });
  const send = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    parse(
      await fetch(`${sim.url}${path}`, {
        method,
        headers: base(body === undefined ? headers : { 'content-type': 'application/json', ...headers }),
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  return {
    get: (path, query) => send('GET', query ? `${path}?${new URLSearchParams(query).toString()}` : path),
    post: (path, body, headers) => send('POST', path, body, headers),
    patch: (path, body) => send('PATCH', path, body),
    put: (path, body) => send('PUT', path, body),
    delete: (path) => send('DELETE', path),
    raw: async (path, init) =>
      parse(await fetch(`${sim.url}${path}`, { ...init, headers: { ...base(), ...(init.headers as Record<string, string>) } })),
  };
}

/** Starts a simulator; tests close it in afterAll/afterEach. */
export function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return createSimulator({ manualClock: true, ...options });
}

/** One webhook received by {@link WebhookReceiver}. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  json: WebhookEnvelopeJson;
  receivedAt: number;
}

/** A node:http server that records webhook deliveries; answer statuses are programmable. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Status to answer to the n-th delivery (0-based); default 200. */
  statusFor: (index: number, webhook: ReceivedWebhook) => number = () => 200;
  /** Milliseconds to wait before answering the n-th delivery (to provoke timeouts); default 0. */
  delayFor: (index: number) => number = () => 0;
  private readonly server: Server;
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const webhook: ReceivedWebhook = {
          headers: req.headers,
          raw,
          json: JSON.parse(raw) as ReceivedWebhook['json'],
          receivedAt: Date.now(),
        };
        const index = this.received.length;
        this.received.push(webhook);
        const status = this.statusFor(index, webhook);
        const delay = this.delayFor(index);
        const answer = () => {
          if (!res.destroyed) res.writeHead(status).end();
        };
        if (delay > 0) setTimeout(answer, delay);
        else answer();
        this.waiters = this.waiters.filter((waiter) => {
          if (this.received.length < waiter.count) return true;
          waiter.resolve();
          return false;
        });
      });
    });
  }

  /** Starts listening on a free port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  /** Resolves once at least `count` deliveries arrived. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Forgets what was received. */
  clear(): void {
    this.received.length = 0;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Checks an `X-Qonto-Signature` value the way docs/qonto-facts.md#webhook-signature tells a receiver
 * to: split on `,` then `=`, refuse a `t` more than 5 minutes away from `nowSeconds`, recompute the
 * HMAC-SHA256 of `"<t>.<raw body>"` with the secret's UTF-8 bytes and compare in constant time.
 * Written here on purpose, not taken from the package, so the signing code is checked independently.
 */
export function signatureIsValid(
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key === 't' && value !== undefined && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value !== undefined) signatures.push(value);
  }
  if (timestamp === undefined || Math.abs(nowSeconds - timestamp) > 300) return false;
  const expected = Buffer.from(createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${rawBody}`).digest('hex'), 'utf8');
  return signatures.some((signature) => {
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Builds a multipart body with `FormData`. */
export function formWith(field: string, files: Array<{ name: string; type?: string; content: string | Buffer }>): FormData {
  const form = new FormData();
  for (const file of files) {
    const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    form.append(field, new Blob([Uint8Array.from(bytes)], file.type === undefined ? {} : { type: file.type }), file.name);
  }
  return form;
}
