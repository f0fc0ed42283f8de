import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, MAX_JSON_BODY_BYTES, MAX_MULTIPART_BODY_BYTES, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, type Simulator } from 'qonto-simulator';
import { multipartBody } from '../http/multipart-body.js';

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;
const UBL = readFileSync(new URL('../fixtures/ubl-invoice.xml', import.meta.url));

let sim: Simulator;
let gateway: Gateway;
let auth: string;
/** Levels of the gateway's log lines since the test started. */
const levels: number[] = [];
beforeAll(async () => {
  sim = await createSimulator({ manualClock: true });
  auth = `Bearer ${sim.credentials[0]!.bearerToken}`;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      levels.push((JSON.parse(chunk.toString()) as { level: number }).level);
      done();
    },
  });
  gateway = await createGateway({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug' }),
    qontoBaseUrl: sim.url,
    logger: createLogger('debug', sink),
  });
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});
beforeEach(() => {
  sim.resetRequests();
  levels.length = 0;
});
/** A refused body is the client's mistake: nothing at error level. */
const errorLines = () => levels.filter((level) => level >= 50);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Bytes handed to the socket before the answer arrived. */
  sent: number;
}

/**
 * POSTs a chunked body (no Content-Length), writing one chunk at a time and stopping as soon as
 * the answer arrives: `sent` then tells how much of the body the gateway needed to see.
 */
async function postChunked(headers: Record<string, string>, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Answer> {
  const req = request(`${gateway.url}/graphql`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } });
  let answered = false;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (res) => {
      answered = true;
      resolve(res);
    });
    req.once('error', reject);
  });
  // Once answered, the gateway may close the connection under the remaining writes.
  response.then(
    () => req.on('error', () => undefined),
    () => undefined,
  );
  let sent = 0;
  for await (const chunk of chunks) {
    if (answered) break;
    await Promise.race([new Promise<void>((resolve) => req.write(chunk, () => resolve())), response]);
    sent += chunk.byteLength;
  }
  if (!answered) req.end();
  const res = await response;
  let body = '';
  for await (const part of res) body += String(part);
  req.destroy();
  return { status: res.statusCode ?? 0, headers: res.headers, body, sent };
}

/** The chunks of a web stream, as `postChunked` writes them. */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/** A JSON request for `{ __typename }` padded to about `bytes`, in 64 KiB chunks generated as they are sent. */
function* paddedJson(bytes: number): Generator<Uint8Array> {
  yield Buffer.from('{"query":"{ __typename }","variables":{"pad":"');
  for (let sent = 0; sent < bytes; sent += CHUNK) yield Buffer.alloc(CHUNK, 'x');
  yield Buffer.from('"}}');
}

const tooLarge = (limit: number) => ({
  errors: [{ message: `Request body larger than ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
});

describe('chunked request bodies (no Content-Length)', () => {
  it('accepts a chunked JSON body within the 1 MiB limit', async () => {
    const answer = await postChunked({ 'content-type': 'application/json' }, paddedJson(MAX_JSON_BODY_BYTES - 2 * CHUNK));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers 413 and closes the connection as soon as a chunked JSON body passes 1 MiB, long before it ends', async () => {
    const total = 64 * MB;
    const answer = await postChunked({ 'content-type': 'application/json' }, paddedJson(total));
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual(tooLarge(MAX_JSON_BODY_BYTES));
    // What was written beyond the limit sat in socket buffers: the gateway stopped reading at 1 MiB.
    expect(answer.sent).toBeLessThan(total / 2);
    expect(errorLines()).toEqual([]);
  });

  it('accepts a chunked upload: the referenced file reaches the import mutation, a 15 MB unreferenced part is discarded', async () => {
    const { body, contentType } = multipartBody([
      {
        name: 'operations',
        content: JSON.stringify({
          query:
            'mutation ($files: [File!]!) { importClientInvoices(files: $files) { ... on ImportClientInvoicesSuccess { invoices { number } } } }',
          variables: { files: [null] },
        }),
      },
      { name: 'map', content: JSON.stringify({ 1: ['variables.files.0'] }) },
      { name: '0', filename: 'unreferenced.bin', content: 15 * MB },
      { name: '1', filename: 'EXT-2026-0042.xml', type: 'application/xml', content: UBL },
    ]);
    const answer = await postChunked({ 'content-type': contentType, authorization: auth, 'x-graphql-yoga-csrf': '1' }, chunksOf(body));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { importClientInvoices: { invoices: [{ number: 'EXT-2026-0042' }] } } });
    expect(sim.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/v2/client_invoices/bulk']);
  });

  it('answers 413 as soon as a chunked upload passes 16 MiB, without calling Qonto', async () => {
    const total = 96 * MB;
    const { body, contentType } = multipartBody([
      { name: 'operations', content: JSON.stringify({ query: '{ __typename }' }) },
      { name: 'map', content: '{}' },
      { name: '0', filename: 'endless.bin', content: total },
    ]);
    const answer = await postChunked({ 'content-type': contentType, 'x-graphql-yoga-csrf': '1' }, chunksOf(body));
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual(tooLarge(MAX_MULTIPART_BODY_BYTES));
    expect(answer.sent).toBeLessThan(total / 2);
    expect(sim.requests).toEqual([]);
    expect(errorLines()).toEqual([]);
  });
});

describe('bodies with a Content-Length', () => {
  it('answers a 15 MB upload whose part map does not name, on the real port', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: '{ __typename }' }));
    form.append('map', '{}');
    form.append('0', new Blob([new Uint8Array(15 * MB)]), 'unreferenced.bin');
    const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1' }, body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a declared length over the limit with 413 before reading the body', async () => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(MAX_JSON_BODY_BYTES) } }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual(tooLarge(MAX_JSON_BODY_BYTES));
  });
});
