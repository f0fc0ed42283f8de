import { describe, expect, it } from 'vitest';
import { MultipartRequestError, parseGraphQLMultipart, type MultipartLimits } from '../../src/http/multipart-parser.js';
import { multipartBody, type Part } from './multipart-body.js';

const MB = 1024 * 1024;
const LIMITS: MultipartLimits = {
  maxBodyBytes: 16 * MB,
  maxFieldBytes: MB,
  maxFiles: 5,
  maxFileBytes: 5 * MB,
  maxTotalFileBytes: 15 * MB,
  maxParts: 10,
};
const TYPENAME = JSON.stringify({ query: '{ __typename }' });
const IMPORT = (count: number) =>
  JSON.stringify({
    query: 'mutation ($files: [File!]!) { importClientInvoices(files: $files) { __typename } }',
    variables: { files: Array.from({ length: count }, () => null) },
  });
const filesMap = (count: number) =>
  JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), [`variables.files.${i}`]])));

async function parse(parts: Part[], options: { chunkSize?: number; truncate?: boolean; limits?: Partial<MultipartLimits> } = {}) {
  const { body, contentType, length } = multipartBody(parts, options);
  const result = await parseGraphQLMultipart(body, contentType, { ...LIMITS, ...options.limits });
  return { ...result, length };
}

async function refusal(parts: Part[], options: Parameters<typeof parse>[1] = {}) {
  const { body, contentType, length } = multipartBody(parts, options);
  const error = await parseGraphQLMultipart(body, contentType, { ...LIMITS, ...options.limits }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MultipartRequestError);
  const refused = error as MultipartRequestError;
  return { status: refused.status, code: refused.code, message: refused.message, stats: refused.stats!, length };
}

describe('parseGraphQLMultipart', () => {
  it('puts each file named in map at its operations paths', async () => {
    const operations = JSON.stringify({
      query: 'mutation ($files: [File!]!, $one: File) { a: importClientInvoices(files: $files) { __typename } }',
      variables: { files: [null, null], one: null },
    });
    const { operations: parsed, stats } = await parse([
      { name: 'operations', content: operations },
      { name: 'map', content: JSON.stringify({ 0: ['variables.files.0'], 1: ['variables.files.1', 'variables.one'] }) },
      { name: '0', filename: 'a.xml', type: 'application/xml', content: '<Invoice/>' },
      { name: '1', filename: 'b.pdf', type: 'application/pdf', content: '%PDF-1.7' },
    ]);
    const variables = (parsed as { variables: { files: File[]; one: File } }).variables;
    expect(variables.files.map((f) => [f.name, f.type, f.size])).toEqual([
      ['a.xml', 'application/xml', 10],
      ['b.pdf', 'application/pdf', 8],
    ]);
    expect(await variables.files[0]!.text()).toBe('<Invoice/>');
    expect(variables.one).toBe(variables.files[1]);
    expect(stats).toMatchObject({ files: 2, fileBytes: 18, drainedParts: 0, drainedBytes: 0 });
  });

  it('drains a 15 MB part that map does not name without holding any of it', async () => {
    const { operations, stats, length } = await parse([
      { name: 'operations', content: TYPENAME },
      { name: 'map', content: '{}' },
      { name: 'junk', filename: 'junk.bin', type: 'application/octet-stream', content: 15 * MB },
    ]);
    expect(operations).toEqual({ query: '{ __typename }' });
    expect(stats).toEqual({ bodyBytes: length, parts: 3, files: 0, fileBytes: 0, drainedParts: 1, drainedBytes: 15 * MB });
  });

  it('reads only the referenced file when an unreferenced one comes first', async () => {
    const { operations, stats } = await parse([
      { name: 'operations', content: IMPORT(1) },
      { name: 'map', content: JSON.stringify({ 1: ['variables.files.0'] }) },
      { name: '0', filename: 'junk.bin', content: 2 * MB },
      { name: '1', filename: 'invoice.pdf', type: 'application/pdf', content: '%PDF' },
    ]);
    expect((operations as { variables: { files: File[] } }).variables.files[0]!.name).toBe('invoice.pdf');
    expect(stats).toMatchObject({ files: 1, fileBytes: 4, drainedParts: 1, drainedBytes: 2 * MB });
  });

  it('refuses a file sent before operations and map with 400, reading no further', async () => {
    const refused = await refusal(
      [
        { name: '0', filename: 'a.pdf', content: 4 * MB },
        { name: 'operations', content: IMPORT(1) },
        { name: 'map', content: filesMap(1) },
      ],
      { chunkSize: 16 * 1024 },
    );
    expect(refused).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(refused.message).toMatch(
      /File part "0" arrived before the operations and map fields: send the operations field, then map, then the files/,
    );
    // busboy names a part once it has seen a little past its headers: one more chunk at most.
    expect(refused.stats.bodyBytes).toBeLessThan(2 * 16 * 1024);
  });

  it.each([
    [
      [
        { name: 'map', content: '{}' },
        { name: 'operations', content: TYPENAME },
      ],
      /map field arrived before operations/,
    ],
    [[{ name: 'operations', content: '{"query":' }], /operations field must be valid JSON/],
    [[{ name: 'operations', content: '"text"' }], /operations field must be a JSON object/],
    [
      [
        { name: 'operations', content: TYPENAME },
        { name: 'map', content: '[]' },
      ],
      /map field must be a JSON object/,
    ],
    [
      [
        { name: 'operations', content: TYPENAME },
        { name: 'map', content: '{"0":"variables.file"}' },
      ],
      /non-empty array/,
    ],
    [
      [
        { name: 'operations', content: TYPENAME },
        { name: 'map', content: '{"0":["__proto__.polluted"]}' },
      ],
      /invalid path/,
    ],
    [
      [
        { name: 'operations', content: TYPENAME },
        { name: 'extra', content: 'x' },
      ],
      /Unexpected field "extra"/,
    ],
    [
      [
        { name: 'operations', content: TYPENAME },
        { name: 'map', content: '{}' },
        { name: 'extra', content: 'x' },
      ],
      /Only the operations and map fields/,
    ],
    [
      [
        { name: 'operations', content: IMPORT(1) },
        { name: 'map', content: filesMap(1) },
      ],
      /File part "0" named in map is missing/,
    ],
    [[{ name: 'map', content: '{}' }], /map field arrived before operations/],
    [[], /operations field is missing/],
  ])('refuses a malformed request with 400 (%#)', async (parts, message) => {
    const refused = await refusal(parts);
    expect(refused).toMatchObject({ status: 400, code: 'BAD_REQUEST', message: expect.stringMatching(message) });
  });

  it('refuses a body cut short with 400', async () => {
    const refused = await refusal(
      [
        { name: 'operations', content: TYPENAME },
        { name: 'map', content: '{}' },
      ],
      { truncate: true },
    );
    expect(refused).toMatchObject({ status: 400, message: expect.stringMatching(/Malformed multipart request: Unexpected end of form/) });
  });

  it('refuses a content type without a boundary with 400', async () => {
    const error = await parseGraphQLMultipart(new Blob(['x']).stream(), 'multipart/form-data', LIMITS).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, message: expect.stringMatching(/Malformed multipart request/) });
  });

  it('refuses a file over 5 MB with 413 as soon as it passes the limit', async () => {
    const refused = await refusal(
      [
        { name: 'operations', content: IMPORT(1) },
        { name: 'map', content: filesMap(1) },
        { name: '0', filename: 'huge.pdf', type: 'application/pdf', content: 12 * MB },
      ],
      { chunkSize: 64 * 1024 },
    );
    expect(refused).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'File "huge.pdf" (part 0) is larger than 5 MB, the most Qonto accepts per file',
    });
    expect(refused.stats.bodyBytes).toBeLessThan(5 * MB + 128 * 1024);
    expect(refused.stats.fileBytes).toBeLessThanOrEqual(5 * MB);
  });

  it('refuses files adding up to more than 15 MB with 413, naming the one that goes over', async () => {
    const refused = await refusal([
      { name: 'operations', content: IMPORT(4) },
      { name: 'map', content: filesMap(4) },
      ...[0, 1, 2, 3].map((i) => ({ name: String(i), filename: `part${i}.pdf`, content: 4 * MB })),
    ]);
    expect(refused).toMatchObject({ status: 413, message: expect.stringMatching(/more than 15 MB.*"part3\.pdf" \(part 3\) goes over/) });
    expect(refused.stats.fileBytes).toBeLessThanOrEqual(15 * MB);
  });

  it('refuses more than 5 files with 413 before reading any', async () => {
    const refused = await refusal([
      { name: 'operations', content: IMPORT(6) },
      { name: 'map', content: filesMap(6) },
      ...[0, 1, 2, 3, 4, 5].map((i) => ({ name: String(i), filename: `f${i}.pdf`, content: 'x' })),
    ]);
    expect(refused).toMatchObject({ status: 413, message: 'A request may carry at most 5 files; map names 6' });
    expect(refused.stats.files).toBe(0);
  });

  it('accepts up to 10 parts, draining those map does not name', async () => {
    const { stats } = await parse([
      { name: 'operations', content: TYPENAME },
      { name: 'map', content: '{}' },
      ...Array.from({ length: 8 }, (_, i) => ({ name: `x${i}`, filename: 'x.bin', content: 'x' })),
    ]);
    expect(stats).toMatchObject({ parts: 10, drainedParts: 8, drainedBytes: 8 });
  });

  it('refuses too many parts with 413', async () => {
    const refused = await refusal([
      { name: 'operations', content: TYPENAME },
      { name: 'map', content: '{}' },
      ...Array.from({ length: 9 }, (_, i) => ({ name: `x${i}`, filename: 'x.bin', content: 'x' })),
    ]);
    expect(refused).toMatchObject({ status: 413, message: 'A multipart request may have at most 10 parts' });
  });

  it('refuses an operations field over the JSON limit with 413', async () => {
    const refused = await refusal([{ name: 'operations', content: JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(MB) }) }]);
    expect(refused).toMatchObject({ status: 413, message: `The operations field is larger than ${MB} bytes` });
  });

  it('refuses a body over the body limit with 413, even while draining, and stops reading', async () => {
    const refused = await refusal(
      [
        { name: 'operations', content: TYPENAME },
        { name: 'map', content: '{}' },
        { name: 'junk', filename: 'junk.bin', content: 8 * MB },
      ],
      { chunkSize: 64 * 1024, limits: { maxBodyBytes: 2 * MB } },
    );
    expect(refused).toMatchObject({ status: 413, message: `Request body larger than ${2 * MB} bytes` });
    expect(refused.stats.bodyBytes).toBeLessThanOrEqual(2 * MB + 64 * 1024);
    expect(refused.stats.fileBytes).toBe(0);
  });
});
