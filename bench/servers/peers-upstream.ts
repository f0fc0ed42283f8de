/**
 * Benchmark child process for the `peers` scenario: a small, deterministic, Qonto-shaped REST API
 * (only what the two benchmarked queries read), on a free port of 127.0.0.1, with an optional
 * fixed delay before every `/v2` answer. Every target of the scenario (our gateway, the peers, the
 * REST script) reads it, so they all pay the same upstream.
 *
 *   GET /v2/clients/{id}             { client }
 *   GET /v2/client_invoices          { client_invoices, meta }: page, per_page (1..100), sort_by
 *                                    (created_at:desc by default, or created_at:asc); list items
 *                                    leave out `einvoicing_lifecycle_events`, as Qonto's do
 *   GET /v2/client_invoices/{id}     { client_invoice } with `einvoicing_lifecycle_events`
 *
 * Any non-empty `Authorization` is accepted (none: 401); unknown ids: 404; anything else: 404.
 * Error bodies follow Qonto's `{ errors: [{ code, detail }], trace_id }`. Answers say
 * `cache-control: max-age=0, private, must-revalidate`, so no target may reuse one across
 * requests. Bodies are serialised once (the data never changes), so the upstream costs as little
 * CPU as possible on a machine it shares with the targets.
 *
 * Not counted, no auth: `GET /__stats` gives `{ total, byRoute, byAuthorization, connections }`
 * (cumulative `/v2` requests; by templated route, e.g. `GET /v2/clients/{id}`; by `Authorization`
 * value, the first 1,000 distinct values only; TCP connections accepted).
 *
 * Prints one line `READY {"url", "statsUrl", "delayMs", "oneInvoiceId", "invoices", "clients"}`.
 *
 * Environment: `UPSTREAM_DELAY_MS` (default 0).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const delayMs = Number(process.env['UPSTREAM_DELAY_MS'] ?? 0);
if (!Number.isFinite(delayMs) || delayMs < 0) {
  process.stderr.write(`UPSTREAM_DELAY_MS must be a number ≥ 0, got ${process.env['UPSTREAM_DELAY_MS']}\n`);
  process.exit(2);
}

const CLIENT_COUNT = 25;
const INVOICE_COUNT = 150;
const ORGANIZATION_ID = '0193b0c0-5a1e-7000-8000-00000000c0de';
const START = Date.UTC(2025, 2, 3, 8, 30, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const hex12 = (n: number) => n.toString(16).padStart(12, '0');
const clientIdOf = (i: number) => `0193b0c1-5a1e-7000-8000-${hex12(0xc100 + i)}`;
const invoiceIdOf = (i: number) => `0193b0c2-5a1e-7000-8000-${hex12(0x1700 + i)}`;
const isoAt = (ms: number) => new Date(ms).toISOString();
const dayAt = (ms: number) => isoAt(ms).slice(0, 10);
const euros = (cents: number) => ({ value: (cents / 100).toFixed(2), currency: 'EUR' });

const TOWNS = ['Grenoble', 'Dijon', 'Angers', 'Brest', 'Nancy', 'Metz', 'Reims', 'Caen', 'Tours'];
const TRADES = ['Menuiserie', 'Boulangerie', 'Conseil', 'Imprimerie', 'Transports', 'Studio', 'Atelier'];

interface Client {
  id: string;
  kind: 'company' | 'individual';
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  e_invoicing_reachable: boolean;
  [field: string]: unknown;
}

function client(i: number): Client {
  // every 6th client is a person (no company name), every 4th company is not reachable on the
  // e-invoicing network
  const person = i % 6 === 5;
  const siren = String(512_000_000 + i * 7_919);
  const address = {
    street_address: `${10 + i} avenue des Tests`,
    city: TOWNS[i % TOWNS.length]!,
    zip_code: String(21_000 + i * 37),
    province_code: null,
    country_code: 'FR',
  };
  return {
    id: clientIdOf(i),
    kind: person ? 'individual' : 'company',
    type: person ? 'individual' : 'company',
    name: person ? null : `${TRADES[i % TRADES.length]} ${String.fromCharCode(65 + i)} SARL`,
    first_name: person ? `Dominique${i}` : null,
    last_name: person ? 'Lefèvre' : null,
    email: `compta.${i}@clients.example`,
    extra_emails: [],
    phone_number: `+33 1 70 00 ${String(i).padStart(2, '0')} 00`,
    currency: 'EUR',
    locale: 'fr',
    vat_number: person ? null : `FR${String(i % 97).padStart(2, '0')}${siren}`,
    tax_identification_number: person ? null : siren,
    e_invoicing_address: person ? null : `0225:${siren}`,
    e_invoicing_reachable: !person && i % 4 !== 3,
    recipient_code: null,
    address: address.street_address,
    city: address.city,
    zip_code: address.zip_code,
    province_code: null,
    country_code: 'FR',
    billing_address: address,
    delivery_address: null,
    created_at: isoAt(START - (60 - i) * DAY),
    updated_at: isoAt(START - (30 - i) * DAY),
  };
}

/** The copy of the client frozen on an invoice: no kind, no e-invoicing fields. */
function embedded(c: Client) {
  const {
    kind: _kind,
    e_invoicing_address: _address,
    e_invoicing_reachable: _reachable,
    extra_emails: _extra,
    phone_number: _phone,
    created_at: _c,
    updated_at: _u,
    ...copy
  } = c;
  return copy;
}

function line(title: string, quantity: number, unitCents: number) {
  const subtotal = quantity * unitCents;
  const vat = Math.round(subtotal * 0.2);
  return {
    title,
    description: null,
    quantity: String(quantity),
    unit: 'day',
    unit_price: euros(unitCents),
    unit_price_cents: unitCents,
    vat_rate: '0.2',
    vat_exemption_reason: null,
    discount: null,
    subtotal: euros(subtotal),
    subtotal_cents: subtotal,
    total_vat: euros(vat),
    total_vat_cents: vat,
    total_amount: euros(subtotal + vat),
    total_amount_cents: subtotal + vat,
  };
}

const STATUSES = ['unpaid', 'paid', 'unpaid', 'draft', 'paid', 'unpaid', 'canceled'] as const;
const LIFECYCLE_CODES = ['200', '201', '202', '203', '204', '205'];

function invoice(i: number, c: Client) {
  const created = START + i * 5 * HOUR;
  const status = STATUSES[i % STATUSES.length]!;
  const finalized = status !== 'draft';
  const lines = [line('Prestation', 1 + (i % 5), 45_000 + (i % 11) * 1_250), line('Déplacement', 1, 8_000 + (i % 3) * 500)];
  const total = lines.reduce((sum, l) => sum + l.total_amount_cents, 0);
  const vat = lines.reduce((sum, l) => sum + l.total_vat_cents, 0);
  const eventCount = finalized && c.e_invoicing_reachable ? 1 + ((i * 5) % LIFECYCLE_CODES.length) : 0;
  const events = LIFECYCLE_CODES.slice(0, eventCount).map((code, k) => ({
    status_code: code,
    timestamp: isoAt(created + HOUR + k * 17 * 60_000),
    reason: null,
    reason_message: null,
  }));
  const lastCode = events.at(-1)?.status_code;
  return {
    id: invoiceIdOf(i),
    organization_id: ORGANIZATION_ID,
    attachment_id: finalized ? `0193b0c3-5a1e-7000-8000-${hex12(0x1700 + i)}` : null,
    number: finalized ? `F-2025-${String(i + 1).padStart(4, '0')}` : null,
    status,
    purchase_order: i % 3 === 0 ? `BC-${7_000 + i}` : null,
    invoice_url: finalized ? `https://pay.qonto.example/invoices/${invoiceIdOf(i)}` : null,
    contact_email: 'factures@emetteur.example',
    terms_and_conditions: 'Paiement à 30 jours.',
    header: null,
    footer: null,
    currency: 'EUR',
    total_amount: euros(total),
    total_amount_cents: total,
    vat_amount: euros(vat),
    vat_amount_cents: vat,
    issue_date: dayAt(created),
    due_date: dayAt(created + 30 * DAY),
    performance_start_date: dayAt(created - 7 * DAY),
    performance_end_date: dayAt(created),
    created_at: isoAt(created),
    updated_at: isoAt(created + 2 * HOUR),
    finalized_at: finalized ? isoAt(created + HOUR) : null,
    paid_at: status === 'paid' ? dayAt(created + 12 * DAY) : null,
    items: lines,
    client: embedded(c),
    einvoicing_status: lastCode === undefined ? null : lastCode === '205' ? 'approved' : lastCode === '200' ? 'pending' : 'submitted',
    einvoicing_lifecycle_events: events,
  };
}

const clients = Array.from({ length: CLIENT_COUNT }, (_, i) => client(i));
// 7 and 25 are coprime: any 25 invoices in a row have 25 different clients
const invoices = Array.from({ length: INVOICE_COUNT }, (_, i) => invoice(i, clients[(i * 7) % CLIENT_COUNT]!));
type Invoice = (typeof invoices)[number];
const listItem = ({ einvoicing_lifecycle_events: _events, ...item }: Invoice) => item;

const clientBodies = new Map(clients.map((c) => [c.id, Buffer.from(JSON.stringify({ client: c }))]));
const invoiceBodies = new Map(invoices.map((v) => [v.id, Buffer.from(JSON.stringify({ client_invoice: v }))]));
const newestFirst = [...invoices].sort((a, b) => b.created_at.localeCompare(a.created_at)).map(listItem);
const oldestFirst = [...newestFirst].reverse();
/** List bodies by `page|per_page|sort`, built on first request. */
const listBodies = new Map<string, Buffer>();

function listBody(page: number, perPage: number, ascending: boolean): Buffer {
  const key = `${page}|${perPage}|${ascending ? 'asc' : 'desc'}`;
  let body = listBodies.get(key);
  if (!body) {
    const all = ascending ? oldestFirst : newestFirst;
    const totalPages = Math.max(1, Math.ceil(all.length / perPage));
    body = Buffer.from(
      JSON.stringify({
        client_invoices: all.slice((page - 1) * perPage, page * perPage),
        meta: {
          current_page: page,
          next_page: page < totalPages ? page + 1 : null,
          prev_page: page > 1 ? page - 1 : null,
          total_pages: totalPages,
          total_count: all.length,
          per_page: perPage,
        },
      }),
    );
    listBodies.set(key, body);
  }
  return body;
}

// ---------- counters ----------

let total = 0;
/** TCP connections accepted: how well a target reuses its connections (keep-alive). */
let connections = 0;
const byRoute: Record<string, number> = {};
const byAuthorization: Record<string, number> = {};
let distinctAuthorizations = 0;
const MAX_AUTHORIZATIONS = 1000;

function count(route: string, authorization: string | undefined): void {
  total++;
  byRoute[route] = (byRoute[route] ?? 0) + 1;
  if (!authorization) return;
  if (byAuthorization[authorization] !== undefined) byAuthorization[authorization]++;
  else if (distinctAuthorizations < MAX_AUTHORIZATIONS) {
    distinctAuthorizations++;
    byAuthorization[authorization] = 1;
  }
}

// ---------- HTTP ----------

let traceCounter = 0;
const tracePrefix = `${process.pid.toString(16).padStart(6, '0')}bench`;

function send(res: ServerResponse, status: number, body: Buffer): void {
  const write = () => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'max-age=0, private, must-revalidate',
      'x-tyk-trace-id': `${tracePrefix}${(++traceCounter).toString(16).padStart(12, '0')}`,
    });
    res.end(body);
  };
  if (delayMs > 0) setTimeout(write, delayMs);
  else write();
}

function fail(res: ServerResponse, status: number, code: string, detail: string, parameter?: string): void {
  const error = parameter ? { code, detail, source: { parameter } } : { code, detail };
  send(res, status, Buffer.from(JSON.stringify({ errors: [error], trace_id: `${tracePrefix}err${traceCounter + 1}` })));
}

const CLIENT_PATH = /^\/v2\/clients\/([^/]+)$/;
const INVOICE_PATH = /^\/v2\/client_invoices\/([^/]+)$/;

function positiveInteger(raw: string | null, fallback: number): number | null {
  if (raw === null || raw === '') return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : null;
}

function answerV2(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const path = url.pathname;
  const client = CLIENT_PATH.exec(path);
  const invoice = INVOICE_PATH.exec(path);
  const route =
    req.method !== 'GET'
      ? `${req.method} other`
      : path === '/v2/client_invoices'
        ? 'GET /v2/client_invoices'
        : client
          ? 'GET /v2/clients/{id}'
          : invoice
            ? 'GET /v2/client_invoices/{id}'
            : 'GET other';
  const authorization = req.headers.authorization?.trim();
  count(route, authorization);
  if (!authorization) {
    fail(res, 401, 'unauthorized', 'Authorization header is missing');
    return;
  }
  if (route === 'GET /v2/client_invoices') {
    const page = positiveInteger(url.searchParams.get('page'), 1);
    const perPage = positiveInteger(url.searchParams.get('per_page'), 25);
    if (page === null || page < 1) {
      fail(res, 422, 'invalid', 'page must be a positive integer', 'page');
      return;
    }
    if (perPage === null || perPage < 1 || perPage > 100) {
      fail(res, 422, 'invalid', 'per_page must be between 1 and 100', 'per_page');
      return;
    }
    const sort = url.searchParams.get('sort_by') ?? 'created_at:desc';
    if (sort !== 'created_at:desc' && sort !== 'created_at:asc') {
      fail(res, 422, 'invalid', 'unsupported sort_by', 'sort_by');
      return;
    }
    send(res, 200, listBody(page, perPage, sort === 'created_at:asc'));
    return;
  }
  const body = client
    ? clientBodies.get(decodeURIComponent(client[1]!))
    : invoice
      ? invoiceBodies.get(decodeURIComponent(invoice[1]!))
      : undefined;
  if (body) {
    send(res, 200, body);
    return;
  }
  fail(res, 404, 'not_found', 'Resource not found');
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  if (url.pathname.startsWith('/v2/')) {
    req.resume();
    return answerV2(req, res, url);
  }
  req.resume();
  if (url.pathname === '/__stats' && req.method === 'GET') {
    const body = JSON.stringify({ total, byRoute, byAuthorization, connections });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    return res.end(body);
  }
  res.writeHead(404, { 'content-length': 0 });
  res.end();
});
server.on('connection', () => connections++);
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// The one-invoice query's invoice: unpaid, several lifecycle events, a reachable company client.
const featured = invoices.find((v) => v.status === 'unpaid' && v.einvoicing_lifecycle_events.length >= 3 && v.client.name !== null)!;

process.stdout.write(
  `READY ${JSON.stringify({ url, statsUrl: `${url}/__stats`, delayMs, oneInvoiceId: featured.id, invoices: invoices.length, clients: clients.length })}\n`,
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
