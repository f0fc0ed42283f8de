import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { sendJson } from './json-reply.js';

/** Largest request bodies accepted on the GraphQL path. */
export interface BodyLimits {
  /** JSON, form-encoded and every other non-multipart body. */
  jsonBytes: number;
  /** Multipart (upload) bodies. */
  multipartBytes: number;
}

/** A node request carrying the body yoga should read instead of the request stream itself. */
type RequestWithBody = IncomingMessage & { body?: Transform };

/** Passes a body through while counting it; calls `onExceeded` and fails instead of passing the byte past `limit`. */
class ByteLimit extends Transform {
  private bytes = 0;

  constructor(
    private readonly limit: number,
    private readonly onExceeded: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes <= this.limit) {
      callback(null, chunk);
      return;
    }
    this.onExceeded();
    callback(new Error(`Request body larger than ${this.limit} bytes`));
  }
}

function refuseTooLarge(res: ServerResponse, limit: number): void {
  if (res.headersSent) return;
  sendJson(
    res,
    413,
    { errors: [{ message: `Request body larger than ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
    { connection: 'close' },
  );
}

/**
 * Applies the body limits of the GraphQL path before yoga reads anything. A declared
 * `Content-Length` over the limit is answered 413 at once. A chunked body (no `Content-Length`)
 * is counted as it streams: yoga reads it through a counter that answers 413 the moment the
 * limit is passed, so no more than the limit is ever read or held; yoga's own answer for that
 * request is then dropped (the response has ended). Both 413s close the connection, leaving the
 * rest of the body unread.
 *
 * @returns the request to hand to yoga, or `undefined` when the request was answered here
 */
export function limitRequestBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): IncomingMessage | undefined {
  const multipart = (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/');
  const limit = multipart ? limits.multipartBytes : limits.jsonBytes;
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    if (Number(declared) <= limit) return req;
    refuseTooLarge(res, limit);
    return undefined;
  }
  if (req.headers['transfer-encoding'] === undefined || req.method === 'GET' || req.method === 'HEAD') return req;

  const counter: Transform = new ByteLimit(limit, () => {
    req.unpipe(counter);
    req.pause();
    refuseTooLarge(res, limit);
  });
  // The consumer (yoga) sees errors through its own read; this listener only keeps an error that
  // arrives before yoga reads (a client abort) from becoming an uncaught exception.
  counter.on('error', () => undefined);
  req.once('error', (error) => counter.destroy(error));
  req.pipe(counter);
  // @whatwg-node/server (under yoga) reads a request's `body` property, when present, instead of the request stream.
  (req as RequestWithBody).body = counter;
  return req;
}
