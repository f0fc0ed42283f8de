export { QontoError, isQontoError, isNotFound } from './errors.js';
export type { QontoErrorKind, QontoErrorInit } from './errors.js';
export { QontoTransport } from './transport.js';
export type {
  QontoMethod,
  QontoRequest,
  QontoResponse,
  QontoTransportOptions,
  UpstreamCallEvent,
  UpstreamCallStatus,
} from './transport.js';
export { QontoClient } from './client.js';
export type {
  ActionOptions,
  BulkImportFile,
  CallOptions,
  ListClientInvoicesParams,
  ListClientsParams,
  PageParams,
} from './client.js';
export { staticAuthorization, redactAuthorization } from './auth.js';
export type { StaticCredentials } from './auth.js';
export * from './wire.js';
export * from './webhook-signature.js';
