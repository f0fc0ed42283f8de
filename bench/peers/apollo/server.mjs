// The `apollo` peer of `npm run bench -- peers`: Apollo Server 5 + @apollo/datasource-rest over
// Qonto's REST API, set up the way Apollo's documentation describes it: a RESTDataSource subclass
// built per request in the context function, resolvers calling it, the caller's Authorization
// header added in willSendRequest. No DataLoader: RESTDataSource's own de-duplication of
// identical GETs during a request is what keeps `client` at one GET per distinct client.
//
// It serves the part of the gateway's contract the benchmark queries (same field names and
// meanings), so it answers the very query text sent to our gateway:
//   clientInvoice(id), clientInvoices(first, after) { nodes pageInfo totalCount },
//   ClientInvoice { id number status totalAmount client einvoicingLifecycleEvents },
//   Client { id name einvoicingReachable } (name: company name, else first and last name).
//
// Started by bench/lib/children.ts (`node --import tsx bench/peers/apollo/server.mjs`) with
// QONTO_API_URL (the upstream, without /v2); listens on 127.0.0.1, on PORT (default: any free
// port), and prints `READY {"url"}`.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource } from '@apollo/datasource-rest';

const upstream = process.env.QONTO_API_URL;
if (!upstream) {
  process.stderr.write('QONTO_API_URL is required\n');
  process.exit(2);
}
const baseURL = upstream.endsWith('/') ? upstream : `${upstream}/`;

class QontoAPI extends RESTDataSource {
  #authorization;

  constructor(authorization, options) {
    super(options);
    this.baseURL = baseURL;
    this.#authorization = authorization;
  }

  willSendRequest(_path, request) {
    if (this.#authorization) request.headers.authorization = this.#authorization;
  }

  async clientInvoice(id) {
    const { client_invoice: invoice } = await this.get(`v2/client_invoices/${encodeURIComponent(id)}`);
    return invoice;
  }

  clientInvoices(page, perPage) {
    return this.get('v2/client_invoices', { params: { page: String(page), per_page: String(perPage) } });
  }

  async client(id) {
    const { client } = await this.get(`v2/clients/${encodeURIComponent(id)}`);
    return client;
  }
}

const typeDefs = /* GraphQL */ `
  type Query {
    "An invoice by id; null when Qonto says 404."
    clientInvoice(id: ID!): ClientInvoice
    "A page of invoices, newest first."
    clientInvoices(first: Int = 20, after: String): ClientInvoiceConnection!
  }

  type ClientInvoiceConnection {
    nodes: [ClientInvoice!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  enum ClientInvoiceStatus {
    DRAFT
    UNPAID
    PAID
    CANCELED
  }

  type Money {
    value: String!
    currency: String!
  }

  type ClientInvoice {
    id: ID!
    number: String
    status: ClientInvoiceStatus!
    totalAmount: Money
    "The client as it is now (not the copy on the invoice)."
    client: Client
    einvoicingLifecycleEvents: [LifecycleEvent!]!
  }

  type Client {
    id: ID!
    "Company name; for a person, first and last name."
    name: String
    einvoicingReachable: Boolean
  }

  type LifecycleEvent {
    statusCode: Int!
    occurredAt: String
  }
`;

/** Resolves to null instead of failing when Qonto answers 404. */
async function orNullWhenMissing(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error?.extensions?.response?.status === 404) return null;
    throw error;
  }
}

/** Cursors are page numbers (the benchmark reads the first page only). */
const cursorOf = (page) => Buffer.from(`page:${page}`).toString('base64url');
const pageOf = (cursor) =>
  Number(
    Buffer.from(cursor, 'base64url')
      .toString()
      .replace(/^page:/, ''),
  ) || 0;

const resolvers = {
  Query: {
    clientInvoice: (_root, { id }, { qonto }) => orNullWhenMissing(qonto.clientInvoice(id)),
    clientInvoices: async (_root, { first, after }, { qonto }) => {
      const perPage = Math.min(100, Math.max(1, first ?? 20));
      const page = after ? pageOf(after) + 1 : 1;
      const { client_invoices: nodes, meta } = await qonto.clientInvoices(page, perPage);
      return {
        nodes,
        pageInfo: { hasNextPage: meta?.next_page != null, endCursor: cursorOf(page) },
        totalCount: meta?.total_count ?? nodes.length,
      };
    },
  },
  ClientInvoice: {
    status: (invoice) => String(invoice.status).toUpperCase(),
    totalAmount: (invoice) => invoice.total_amount ?? null,
    client: (invoice, _args, { qonto }) => {
      const id = invoice.client?.id ?? invoice.client_id;
      return id ? orNullWhenMissing(qonto.client(id)) : null;
    },
    // list items come without their events: read the invoice itself then
    einvoicingLifecycleEvents: async (invoice, _args, { qonto }) => {
      const events =
        invoice.einvoicing_lifecycle_events ?? (await orNullWhenMissing(qonto.clientInvoice(invoice.id)))?.einvoicing_lifecycle_events;
      return events ?? [];
    },
  },
  Client: {
    name: (client) => client.name ?? ([client.first_name, client.last_name].filter(Boolean).join(' ') || null),
    einvoicingReachable: (client) => client.e_invoicing_reachable ?? null,
  },
  LifecycleEvent: {
    statusCode: (event) => Number(event.status_code),
    occurredAt: (event) => event.timestamp ?? null,
  },
};

const server = new ApolloServer({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.PORT ?? 0) },
  context: async ({ req }) => ({
    qonto: new QontoAPI(req.headers.authorization, { cache: server.cache }),
  }),
});
process.stdout.write(`READY ${JSON.stringify({ url })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 2000).unref();
  void server.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
