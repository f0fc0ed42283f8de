// Hive Gateway configuration of the `mesh` peer: serves the supergraph composed by Mesh
// (mesh.config.mjs) in one process (`--fork 1`, as every other target of the benchmark). The REST
// transport reads QONTO_API_URL on each upstream call; the caller's Authorization header is
// forwarded (see operationHeaders in mesh.config.mjs).
//
// One plugin on top of the defaults: the REST transport has no DataLoader, so without request
// de-duplication a page of 50 invoices over 25 clients would GET the same client up to twice and
// cost more upstream calls than the other targets. `MESH_DEDUP=0` turns it off.
import { defineConfig } from '@graphql-hive/gateway';
import { useDeduplicateRequest } from '@graphql-hive/plugin-deduplicate-request';

export const gatewayConfig = defineConfig({
  supergraph: './supergraph.graphql',
  logging: process.env.MESH_LOG ?? 'warn',
  plugins: () => (process.env.MESH_DEDUP === '0' ? [] : [useDeduplicateRequest()]),
});
