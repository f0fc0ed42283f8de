import { File } from 'node:buffer';
import busboy from 'busboy';
import type { Readable } from 'node:stream';
import { errorMessage } from '../lib/error-message.js';

/** Bounds applied while a GraphQL multipart request streams in. */
export interface MultipartLimits {
  /** Largest request body, counted as it streams (chunked bodies included). */
  maxBodyBytes: number;
  /** Largest `operations` or `map` field. */
  maxFieldBytes: number;
  /** Most files `map` may name. */
  maxFiles: number;
  /** Largest file named in `map`. */
  maxFileBytes: number;
  /** Largest sum of the files named in `map`. */
  maxTotalFileBytes: number;
  /** Most parts of any kind (fields, referenced and unreferenced files). */
  maxParts: number;
}

/** What the parser did with the body: evidence that unreferenced parts were discarded, not kept. */
export interface MultipartStats {
  /** Bytes of the body read. */
  bodyBytes: number;
  /** Parts seen (fields and files). */
  parts: number;
  /** Files named in `map`, read into memory. */
  files: number;
  /** Bytes held in memory for those files. */
  fileBytes: number;
  /** Parts not named in `map`, discarded as they streamed. */
  drainedParts: number;
  /** Bytes of those parts, never held. */
  drainedBytes: number;
}

/** A parsed request: the `operations` value with a `File` at every path `map` names. */
export interface ParsedMultipart {
  operations: unknown;
  stats: MultipartStats;
}

/** A multipart request refused: 400 for a malformed one, 413 for one over a limit. */
export class MultipartRequestError extends Error {
  override name = 'MultipartRequestError';
  /** What had been read when the request was refused. */
  stats: MultipartStats | undefined;
  constructor(
    readonly status: 400 | 413,
    readonly code: 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

const malformed = (message: string) => new MultipartRequestError(400, 'BAD_REQUEST', message);
const tooLarge = (message: string) => new MultipartRequestError(413, 'PAYLOAD_TOO_LARGE', message);

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const SPEC_ORDER = 'send the operations field, then map, then the files (GraphQL multipart request)';

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

function parseJsonField(name: string, value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw malformed(`The ${name} field must be valid JSON`);
  }
}

function parseMap(value: string, limits: MultipartLimits): Map<string, string[]> {
  const raw = parseJsonField('map', value);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw malformed('The map field must be a JSON object');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > limits.maxFiles) {
    throw tooLarge(`A request may carry at most ${limits.maxFiles} files; map names ${entries.length}`);
  }
  const map = new Map<string, string[]>();
  for (const [key, paths] of entries) {
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((path) => typeof path === 'string' && path.length > 0)) {
      throw malformed(`map["${key}"] must be a non-empty array of operations paths`);
    }
    for (const path of paths as string[]) {
      if (path.split('.').some((segment) => segment === '' || UNSAFE_KEYS.has(segment))) {
        throw malformed(`map["${key}"] has an invalid path "${path}"`);
      }
    }
    map.set(key, paths as string[]);
  }
  return map;
}

function setPath(operations: unknown, path: string, value: unknown): void {
  const segments = path.split('.');
  let current: unknown = operations;
  for (const [index, segment] of segments.entries()) {
    if (!current || typeof current !== 'object') throw malformed(`map path "${path}" does not point into operations`);
    const container = current as Record<string, unknown>;
    if (index === segments.length - 1) {
      container[segment] = value;
      return;
    }
    if (!Object.hasOwn(container, segment) || !container[segment] || typeof container[segment] !== 'object') container[segment] = {};
    current = container[segment];
  }
}

/**
 * Parses a GraphQL multipart request as it streams: `operations` and `map` must come first (a
 * file before them is refused with 400), then only the file parts `map` names are read, each
 * bounded; every other part is drained without being held. Reading stops at the first refusal,
 * so the rest of an oversized body is never read. The body is never cancelled, so the caller can
 * still answer on the same connection.
 *
 * @param body the request body
 * @param contentType the request's `Content-Type` (carries the boundary)
 * @throws {@link MultipartRequestError} for a malformed request or one over `limits`
 */
export async function parseGraphQLMultipart(
  body: ReadableStream<Uint8Array> | null,
  contentType: string,
  limits: MultipartLimits,
): Promise<ParsedMultipart> {
  const stats: MultipartStats = { bodyBytes: 0, parts: 0, files: 0, fileBytes: 0, drainedParts: 0, drainedBytes: 0 };
  try {
    return await parse(body, contentType, limits, stats);
  } catch (error) {
    if (error instanceof MultipartRequestError) error.stats = { ...stats };
    throw error;
  }
}

async function parse(
  body: ReadableStream<Uint8Array> | null,
  contentType: string,
  limits: MultipartLimits,
  stats: MultipartStats,
): Promise<ParsedMultipart> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8',
      // busboy signals its parts limit once it is reached, not passed; the 'file' handler enforces maxParts exactly.
      limits: { fieldSize: limits.maxFieldBytes, fields: 2, parts: limits.maxParts + 1, headerPairs: 20 },
    });
  } catch (error) {
    throw malformed(`Malformed multipart request: ${errorMessage(error)}`);
  }

  // Event handlers record the first refusal; the read loop checks it after every write.
  const state: { failure?: MultipartRequestError; operations?: object; map?: Map<string, string[]> } = {};
  const fail = (error: MultipartRequestError) => {
    state.failure ??= error;
  };
  const files = new Map<string, File>();
  const seenFiles = new Set<string>();

  parser.on('field', (name, value, info) => {
    stats.parts++;
    if (state.failure) return;
    try {
      if (info.valueTruncated) throw tooLarge(`The ${name} field is larger than ${limits.maxFieldBytes} bytes`);
      if (name === 'operations') {
        if (state.operations !== undefined) throw malformed('The operations field appears twice');
        const parsed = parseJsonField('operations', value);
        if (!parsed || typeof parsed !== 'object') throw malformed('The operations field must be a JSON object');
        state.operations = parsed;
      } else if (name === 'map') {
        if (state.operations === undefined) throw malformed(`The map field arrived before operations: ${SPEC_ORDER}`);
        if (state.map) throw malformed('The map field appears twice');
        state.map = parseMap(value, limits);
      } else {
        throw malformed(`Unexpected field "${name}": ${SPEC_ORDER}`);
      }
    } catch (error) {
      fail(error as MultipartRequestError);
    }
  });
  parser.on('fieldsLimit', () => fail(malformed(`Only the operations and map fields may be sent as plain fields: ${SPEC_ORDER}`)));
  const tooManyParts = () => tooLarge(`A multipart request may have at most ${limits.maxParts} parts`);
  parser.on('partsLimit', () => fail(tooManyParts()));

  let totalFileBytes = 0;
  parser.on('file', (name, stream: Readable, info) => {
    stats.parts++;
    stream.on('error', () => fail(malformed(`The ${name} part ended early`)));
    if (stats.parts > limits.maxParts) fail(tooManyParts());
    if (!state.failure && (state.operations === undefined || !state.map)) {
      fail(malformed(`File part "${name}" arrived before the operations and map fields: ${SPEC_ORDER}`));
    }
    if (state.failure || !state.map?.has(name)) {
      if (!state.failure) stats.drainedParts++;
      stream.on('data', (chunk: Buffer) => {
        stats.drainedBytes += chunk.length;
      });
      return;
    }
    if (seenFiles.has(name)) {
      fail(malformed(`File part "${name}" appears twice`));
      stream.resume();
      return;
    }
    seenFiles.add(name);
    const label = info.filename ? `"${info.filename}" (part ${name})` : `Part ${name}`;
    let chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (state.failure) {
        chunks = [];
        return;
      }
      size += chunk.length;
      totalFileBytes += chunk.length;
      if (size > limits.maxFileBytes) {
        fail(tooLarge(`File ${label} is larger than ${megabytes(limits.maxFileBytes)}, the most Qonto accepts per file`));
      } else if (totalFileBytes > limits.maxTotalFileBytes) {
        fail(
          tooLarge(
            `The files add up to more than ${megabytes(limits.maxTotalFileBytes)}, the most Qonto accepts per import (${label} goes over)`,
          ),
        );
      } else {
        chunks.push(chunk);
        stats.fileBytes += chunk.length;
      }
    });
    stream.on('end', () => {
      if (state.failure) return;
      files.set(name, new File(chunks, info.filename ?? name, { type: info.mimeType }));
      stats.files++;
      chunks = [];
    });
  });

  const done = new Promise<void>((resolve) => {
    parser.on('error', (error) => {
      fail(malformed(`Malformed multipart request: ${errorMessage(error)}`));
      resolve();
    });
    parser.on('close', resolve);
  });
  const drained = () =>
    new Promise<void>((resolve) => {
      const settle = () => {
        parser.off('drain', settle);
        parser.off('close', settle);
        parser.off('error', settle);
        resolve();
      };
      parser.on('drain', settle);
      parser.on('close', settle);
      parser.on('error', settle);
    });

  if (!body) throw malformed('The multipart request has no body');
  const reader = body.getReader();
  try {
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        // The client went away, or the connection's byte limit (src/http/body-limit.ts) has answered already.
        if (error instanceof Error && error.name === 'AbortError') {
          parser.destroy();
          throw error;
        }
        fail(malformed(`The request body could not be read: ${errorMessage(error)}`));
        break;
      }
      const { done: ended, value } = read;
      if (ended) break;
      // Parse up to the body limit, so that a file over its own limit is named as such.
      const room = limits.maxBodyBytes - stats.bodyBytes;
      stats.bodyBytes += value.byteLength;
      const chunk = value.byteLength > room ? value.subarray(0, room) : value;
      if (chunk.byteLength > 0 && !parser.write(chunk)) await drained();
      if (value.byteLength > room) fail(tooLarge(`Request body larger than ${limits.maxBodyBytes} bytes`));
      if (state.failure) break;
    }
  } finally {
    reader.releaseLock();
  }
  if (state.failure) {
    parser.destroy();
    throw state.failure;
  }
  parser.end();
  await done;
  if (state.failure) throw state.failure;
  if (state.operations === undefined) throw malformed('The operations field is missing');

  for (const [name, paths] of state.map ?? []) {
    const file = files.get(name);
    if (!file) throw malformed(`File part "${name}" named in map is missing`);
    for (const path of paths) setPath(state.operations, path, file);
  }
  return { operations: state.operations, stats };
}
