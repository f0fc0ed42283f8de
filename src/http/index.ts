/** The gateway's HTTP edge: body limits, GraphQL multipart parsing, CORS and CSRF prevention. */
export { limitRequestBody, type BodyLimits } from './body-limit.js';
export { CORS_ALLOWED_HEADERS, useCorsOrigins, type CorsOptions } from './cors.js';
export { CSRF_HEADERS, useCsrfPrevention } from './csrf.js';
export { useGraphQLMultipart, type GraphQLMultipartOptions } from './multipart-plugin.js';
export { MultipartRequestError, parseGraphQLMultipart, type MultipartLimits, type MultipartStats } from './multipart-parser.js';
export { isExactOrigin } from './origin.js';
