import type { ServerResponse } from 'node:http';

/** Answers a node:http request with `body` as JSON (UTF-8, with its `Content-Length`) and any extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
