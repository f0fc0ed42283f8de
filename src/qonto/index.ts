export { QontoError, isQontoError, isNotFound, isHttpError, qontoHttpStatus, isLocalRefusal } from './errors.js';
export type { QontoErrorKind, QontoErrorInit, QontoLocalRefusalKind } from './errors.js';
export { QontoTransport } from './transport.js';
export type { QontoMethod, QontoRequest, QontoRequester, QontoResponse } from './requester.js';
export type {
  CredentialStatus,
  ForAuthorizationOptions,
  QontoTransportOptions,
  QontoTransportStats,
  UpstreamCallEvent,
  UpstreamCallStatus,
} from './transport.js';
export { QontoClient } from './client.js';
export type {
  QontoClientOptions,
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
