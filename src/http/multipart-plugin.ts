import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { IMPORT_LIMITS } from '../schema/import-client-invoices.js';
import { MultipartRequestError, parseGraphQLMultipart, type MultipartLimits } from './multipart-parser.js';

/** Options of {@link useGraphQLMultipart}. */
export interface GraphQLMultipartOptions {
  /** Largest multipart body. */
  maxBodyBytes: number;
  /** Largest `operations` / `map` field (the JSON body limit). */
  maxFieldBytes: number;
  /** Receives each request's parser statistics at debug level. */
  logger: Logger;
}

/** Parts beyond `operations`, `map` and the files that a request may carry (drained) before it is refused. */
const SPARE_PARTS = 3;

function isMultipart(request: Request): boolean {
  const contentType = request.headers.get('content-type')?.split(',')[0]?.trim().toLowerCase() ?? '';
  return request.method === 'POST' && (contentType === 'multipart/form-data' || contentType.startsWith('multipart/form-data;'));
}

/**
 * Yoga plugin parsing GraphQL multipart requests (uploads) with {@link parseGraphQLMultipart}
 * instead of yoga's own parser, which reads every part of the body into memory. Files are
 * bounded by Qonto's import limits (5 files, 5 MB each, 15 MB in all); refusals become 400 or
 * 413 responses, a 413 closing the connection since the rest of the body is left unread.
 * Create yoga with `multipart: false` so that this is the only multipart parser.
 */
export function useGraphQLMultipart(options: GraphQLMultipartOptions): Plugin {
  const limits: MultipartLimits = {
    maxBodyBytes: options.maxBodyBytes,
    maxFieldBytes: options.maxFieldBytes,
    maxFiles: IMPORT_LIMITS.maxFiles,
    maxFileBytes: IMPORT_LIMITS.maxFileBytes,
    maxTotalFileBytes: IMPORT_LIMITS.maxTotalBytes,
    maxParts: 2 + IMPORT_LIMITS.maxFiles + SPARE_PARTS,
  };
  const parse = async (request: Request): Promise<GraphQLParams> => {
    try {
      const { operations, stats } = await parseGraphQLMultipart(request.body, request.headers.get('content-type') ?? '', limits);
      options.logger.debug({ multipart: stats }, 'multipart request parsed');
      return operations as GraphQLParams;
    } catch (error) {
      if (!(error instanceof MultipartRequestError)) throw error;
      options.logger.debug({ multipart: { ...error.stats, status: error.status, reason: error.message } }, 'multipart request refused');
      throw createGraphQLError(error.message, {
        extensions: {
          code: error.code,
          http: { status: error.status, ...(error.status === 413 ? { headers: { connection: 'close' } } : {}) },
        },
      });
    }
  };
  return {
    onRequestParse({ request, setRequestParser }) {
      if (isMultipart(request)) setRequestParser(parse);
    },
  };
}
