import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { gatewayError } from '../../src/graphql/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { errorSeverity } from '../../src/observability/yoga-logger.js';
import { QontoError } from '../../src/qonto/errors.js';
import { createSimulator, type Simulator } from 'qonto-simulator';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const ERROR = 50;
let sim: Simulator;
let gateway: Gateway;
let auth: string;
const lines: LogLine[] = [];
const raw: string[] = [];

beforeAll(async () => {
  sim = await createSimulator({ manualClock: true });
  auth = `Bearer ${sim.credentials[0]!.bearerToken}`;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  gateway = await createGateway({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', QONTO_MAX_RETRIES: '0' }),
    qontoBaseUrl: sim.url,
    logger: createLogger('debug', sink),
  });
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});
beforeEach(() => {
  lines.length = 0;
  raw.length = 0;
});

/** Sends a request and waits for its request log line (written when the response finishes). */
async function send(init: RequestInit & { path?: string }): Promise<number> {
  const response = await fetch(`${gateway.url}${init.path ?? '/graphql'}`, init);
  await response.arrayBuffer();
  await new Promise((resolve) => setImmediate(resolve));
  return response.status;
}
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('client mistakes are logged below error level, without a stack', () => {
  it('bad JSON, invalid queries, bad input, bad credentials, refused bodies and methods', async () => {
    const form = new FormData();
    form.append('0', new Blob(['%PDF']), 'early.pdf');
    form.append('operations', '{"query":"{ __typename }"}');
    const statuses = [
      await send(json('{"query": ')),
      await send(json({ query: '{ nope }' }, { authorization: auth })),
      await send(json({ query: '{ ' }, { authorization: auth })),
      await send(json({ query: '{ clients { totalCount } }' })),
      await send(json({ query: '{ clients { totalCount } }' }, { authorization: 'Bearer not-a-token' })),
      await send(json({ query: '{ clients(first: 1000) { totalCount } }' }, { authorization: auth })),
      await send(
        json({ query: 'query ($n: Int!) { clients(first: $n) { totalCount } }', variables: { n: 'ten' } }, { authorization: auth }),
      ),
      await send(json({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } })),
      await send({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'query=mutation%20%7B%20__typename%20%7D',
      }),
      await send({ method: 'POST', headers: { 'x-graphql-yoga-csrf': '1' }, body: form }),
      await send({
        method: 'GET',
        path: `/graphql?query=${encodeURIComponent('mutation { __typename }')}`,
        headers: { accept: 'application/json' },
      }),
      await send({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }),
    ];
    expect(statuses).toEqual([400, 200, 200, 401, 401, 200, 200, 413, 403, 400, 405, 405]);

    expect(lines.filter((line) => line.level >= ERROR)).toEqual([]);
    expect(raw.join('')).not.toMatch(/"stack"|\n\s+at /);
    expect(lines.filter((line) => line.msg === 'request')).toHaveLength(statuses.length);
    expect(lines.filter((line) => line.msg === 'client error').map((line) => (line['error'] as { code?: string }).code)).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'BAD_USER_INPUT',
      undefined,
    ]);
  });

  it('still logs a fault at error level, with its cause', async () => {
    sim.faults.set({ failNext: { count: 1, status: 503, routes: ['GET /v2/clients'] } });
    expect(await send(json({ query: '{ clients { totalCount } }' }, { authorization: auth }))).toBe(200);
    const errors = lines.filter((line) => line.level >= ERROR);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      msg: 'operation failed',
      path: 'clients',
      err: { type: 'QontoError', message: expect.stringMatching(/HTTP 503/) },
    });
  });
});

describe('errorSeverity', () => {
  it.each([
    [new GraphQLError('Cannot query field'), 'client'],
    [gatewayError('Missing credentials', 'UNAUTHENTICATED', { status: 401 }), 'client'],
    [new GraphQLError('wrapped', { originalError: gatewayError('first must be between 0 and 100', 'BAD_USER_INPUT') }), 'client'],
    [new QontoError({ kind: 'http', method: 'GET', route: '/v2/clients', status: 401, attempts: 1 }), 'client'],
    [new QontoError({ kind: 'http', method: 'POST', route: '/v2/clients', status: 422, attempts: 1 }), 'client'],
    [new QontoError({ kind: 'http', method: 'GET', route: '/v2/clients', status: 429, attempts: 4 }), 'throttled'],
    [new QontoError({ kind: 'http', method: 'GET', route: '/v2/clients', status: 503, attempts: 4 }), 'fault'],
    [new QontoError({ kind: 'timeout', method: 'GET', route: '/v2/clients', attempts: 4 }), 'fault'],
    [new TypeError("Cannot read properties of undefined (reading 'id')"), 'fault'],
    [new GraphQLError('wrapped', { originalError: new TypeError('bug') }), 'fault'],
  ])('%s is a %s error', (error, severity) => {
    expect(errorSeverity(error)).toBe(severity);
  });
});
