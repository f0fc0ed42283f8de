import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGatewayApp, type GatewayApp } from '../../src/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSimulator, type Simulator } from 'qonto-simulator';
import { multipartBody, type Part } from '../http/multipart-body.js';

const MB = 1024 * 1024;
const UBL = readFileSync(new URL('../fixtures/ubl-invoice.xml', import.meta.url));
const IMPORT = JSON.stringify({
  query:
    'mutation ($files: [File!]!) { importClientInvoices(files: $files) { __typename ... on ImportClientInvoicesSuccess { invoices { number } } } }',
  variables: { files: [null] },
});

let sim: Simulator;
let app: GatewayApp;
let auth: string;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  sim = await createSimulator({ manualClock: true });
  auth = `Bearer ${sim.credentials[0]!.bearerToken}`;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  app = createGatewayApp({ config: loadConfig({ LOG_LEVEL: 'debug' }), qontoBaseUrl: sim.url, logger: createLogger('debug', sink) });
});
afterAll(async () => {
  await app.close();
  await sim.close();
});
beforeEach(() => {
  sim.resetRequests();
  logs.length = 0;
});

async function upload(parts: Part[]) {
  const { body, contentType, length } = multipartBody(parts);
  const response = await app.yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: auth, 'x-graphql-yoga-csrf': '1' },
    body,
    duplex: 'half',
  } as RequestInit);
  const stats = logs.find((line) => line['msg'] === 'multipart request parsed')?.['multipart'];
  return { status: response.status, body: (await response.json()) as unknown, stats, length };
}

describe('GraphQL multipart requests are parsed only as far as the operation needs', () => {
  it('answers { __typename } with a 15 MB part that map does not name, discarding the part as it streams', async () => {
    const result = await upload([
      { name: 'operations', content: JSON.stringify({ query: '{ __typename }' }) },
      { name: 'map', content: '{}' },
      { name: '0', filename: 'unreferenced.bin', type: 'application/octet-stream', content: 15 * MB },
    ]);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: { __typename: 'Query' } });
    expect(result.stats).toEqual({ bodyBytes: result.length, parts: 3, files: 0, fileBytes: 0, drainedParts: 1, drainedBytes: 15 * MB });
    expect(sim.requests).toEqual([]);
  });

  it('still hands a referenced file to the import mutation next to an unreferenced 15 MB part', async () => {
    const result = await upload([
      { name: 'operations', content: IMPORT },
      { name: 'map', content: JSON.stringify({ invoice: ['variables.files.0'] }) },
      { name: 'junk', filename: 'unreferenced.bin', content: 15 * MB },
      { name: 'invoice', filename: 'EXT-2026-0042.xml', type: 'application/xml', content: UBL },
    ]);
    expect(result.body).toEqual({
      data: { importClientInvoices: { __typename: 'ImportClientInvoicesSuccess', invoices: [{ number: 'EXT-2026-0042' }] } },
    });
    expect(result.stats).toMatchObject({ files: 1, fileBytes: UBL.length, drainedParts: 1, drainedBytes: 15 * MB });
    expect(sim.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/v2/client_invoices/bulk']);
  });

  it('refuses a file sent before operations and map with a clear 400, without calling Qonto', async () => {
    const result = await upload([
      { name: '0', filename: 'a.pdf', type: 'application/pdf', content: '%PDF' },
      { name: 'operations', content: IMPORT },
      { name: 'map', content: JSON.stringify({ 0: ['variables.files.0'] }) },
    ]);
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      errors: [
        {
          message:
            'File part "0" arrived before the operations and map fields: send the operations field, then map, then the files (GraphQL multipart request)',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
    expect(sim.requests).toEqual([]);
  });
});
