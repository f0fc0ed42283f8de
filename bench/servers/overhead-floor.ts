/**
 * query-overhead reference child: what any gateway costs on this machine, with nothing of ours.
 * It answers the headline `Invoice` query's shape for `POST /graphql` with one
 * `GET /v2/client_invoices/{id}` to the simulator, through the same undici keep-alive pool
 * settings as the gateway. `FLOOR_KIND` picks how:
 *
 * - `proxy`: a hand-written node:http handler, no GraphQL at all: read the JSON body, GET, reshape,
 *   `JSON.stringify`. No validation, no error handling, no auth, no limits: a floor, not a server.
 * - `yoga`: graphql-yoga with an SDL schema of the same fields and one resolver doing that GET, no
 *   plugins: the framework's own cost.
 *
 * `QONTO_API_URL` is the simulator. Prints `READY {"url"}`; SIGTERM exits 0.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { Agent, request } from 'undici';

interface WireInvoice {
  id: string;
  number?: string | null;
  status?: string;
  einvoicing_status?: string | null;
  due_date?: string | null;
  total_amount?: { value?: string; currency?: string } | null;
  einvoicing_lifecycle_events?: Array<{ status_code?: number | string; timestamp?: string }>;
}

const upstream = process.env['QONTO_API_URL'];
const kind = process.env['FLOOR_KIND'];
if (!upstream || (kind !== 'proxy' && kind !== 'yoga')) {
  process.stderr.write('overhead-floor needs QONTO_API_URL and FLOOR_KIND=proxy|yoga\n');
  process.exit(1);
}
const agent = new Agent({ connections: 16, pipelining: 1, keepAliveTimeout: 10_000 });

async function getInvoice(id: string, authorization: string): Promise<WireInvoice> {
  const res = await request(`${upstream}/v2/client_invoices/${encodeURIComponent(id)}`, {
    dispatcher: agent,
    headers: { authorization, accept: 'application/json' },
  });
  return ((await res.body.json()) as { client_invoice: WireInvoice }).client_invoice;
}

/** The `Invoice` query's answer (bench/scenarios/query-overhead.ts), computed by hand. */
function shape(invoice: WireInvoice) {
  return {
    id: invoice.id,
    number: invoice.number ?? null,
    status: invoice.status?.toUpperCase() ?? null,
    einvoicingStatus: invoice.einvoicing_status?.toUpperCase() ?? null,
    dueDate: invoice.due_date ?? null,
    totalAmount: invoice.total_amount ? { value: invoice.total_amount.value, currency: invoice.total_amount.currency } : null,
    einvoicingLifecycleEvents: (invoice.einvoicing_lifecycle_events ?? []).map((event) => ({
      statusCode: Number(event.status_code),
      label: `Status ${String(event.status_code)}`,
      occurredAt: event.timestamp ?? null,
    })),
  };
}

function proxyHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables: { id: string } };
      const text = JSON.stringify({ data: { clientInvoice: shape(await getInvoice(variables.id, req.headers.authorization ?? '')) } });
      res.writeHead(200, { 'content-type': 'application/graphql-response+json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    })().catch(() => {
      res.writeHead(502).end();
    });
  });
}

function yogaHandler() {
  return createYoga<{ req: IncomingMessage }>({
    landingPage: false,
    graphiql: false,
    batching: false,
    schema: createSchema<{ req: IncomingMessage }>({
      typeDefs: /* GraphQL */ `
        type Money { value: String! currency: String! }
        type LifecycleEvent { statusCode: Int! label: String! occurredAt: String }
        type ClientInvoice {
          id: ID!
          number: String
          status: String
          einvoicingStatus: String
          dueDate: String
          totalAmount: Money
          einvoicingLifecycleEvents: [LifecycleEvent!]!
        }
        type Query { clientInvoice(id: ID!): ClientInvoice }
      `,
      resolvers: {
        Query: {
          clientInvoice: async (_root: unknown, { id }: { id: string }, context: { req: IncomingMessage }) =>
            shape(await getInvoice(id, context.req.headers.authorization ?? '')),
        },
      },
    }),
  });
}

const server = createServer(kind === 'proxy' ? proxyHandler : yogaHandler());
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
