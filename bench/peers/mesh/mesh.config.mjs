// GraphQL Mesh v1 compose configuration of the `mesh` peer: one OpenAPI source (Qonto's REST API,
// described in qonto-openapi.yaml) and two fields added with @resolveTo so that an invoice can
// give its current client and its lifecycle events. `mesh-compose -c mesh.config.mjs -o
// supergraph.graphql` writes the supergraph Hive Gateway serves (gateway.config.mjs); the
// `peers` scenario runs it when the supergraph is missing or older than this file or the OpenAPI.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Qonto', {
        source: './qonto-openapi.yaml',
        // read from the environment on each upstream call, so the supergraph names no host
        endpoint: '{env.QONTO_API_URL}',
        // the caller's credentials go to Qonto unchanged (like the gateway's forward auth mode)
        operationHeaders: { Authorization: '{context.headers.authorization}' },
        // non-2xx answers become GraphQL errors; fields keep the success types
        ignoreErrorResponses: true,
      }),
    },
  ],
  additionalTypeDefs: /* GraphQL */ `
    extend type ClientInvoice {
      "The client as it is now (GET /v2/clients/{id}); the embedded client is a copy without e-invoicing fields."
      current_client: Client
        @resolveTo(
          sourceName: "Qonto"
          sourceTypeName: "Query"
          sourceFieldName: "getClient"
          requiredSelectionSet: "{ client { id } }"
          sourceArgs: { id: "{root.client.id}" }
          result: "client"
        )
      "Lifecycle events of any invoice, list items included (one GET /v2/client_invoices/{id} each)."
      lifecycle_events: [LifecycleEvent]
        @resolveTo(
          sourceName: "Qonto"
          sourceTypeName: "Query"
          sourceFieldName: "getClientInvoice"
          requiredSelectionSet: "{ id }"
          sourceArgs: { id: "{root.id}" }
          result: "client_invoice.einvoicing_lifecycle_events"
        )
    }
  `,
});
