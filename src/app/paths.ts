/** The gateway's HTTP paths, in a module of their own so that the webhooks CLI can name them without loading the server. */

/** Where GraphQL (HTTP, SSE and graphql-ws) is served. */
export const GRAPHQL_PATH = '/graphql';
/** Where Qonto delivers webhooks. */
export const WEBHOOK_PATH = '/webhooks/qonto';
/** Liveness: `{"status":"ok"}` while the process serves requests. */
export const HEALTH_PATH = '/health';
/** Readiness: the gateway itself (config, Redis, draining), never Qonto. */
export const READINESS_PATH = '/readiness';
/** Prometheus metrics. */
export const METRICS_PATH = '/metrics';
