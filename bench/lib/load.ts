import autocannon from 'autocannon';
import { percentile, round } from './report.js';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds of load. */
  durationSec: number;
  /** Builds each request (e.g. a freshly signed webhook); see autocannon's `setupRequest`. */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
  /** Every response must have exactly this body (else counted in `mismatches`). */
  expectBody?: string;
  /** Every response body must pass this check (else counted in `mismatches`). */
  verifyBody?: (body: string) => boolean;
}

/** What one load run measured. */
export interface LoadResult {
  /** 2xx answers per second over the run. */
  rps: number;
  /** Latency percentiles in ms, from every answer's own timing (sub-millisecond resolution). */
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  /** Answers received. */
  responses: number;
  ok2xx: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers whose body differed from `expectBody`. */
  mismatches: number;
  durationSec: number;
}

/**
 * Runs autocannon in this process (the load generator) and measures every answer's latency
 * itself: autocannon's own histogram has a 1 ms resolution, too coarse to see a sub-millisecond
 * overhead. Latencies of non-2xx answers are included.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let settle!: (error: unknown, result: autocannon.Result) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    settle = (error, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result));
  });
  const instance = autocannon(
    {
      url: options.url,
      method: options.method ?? 'GET',
      connections: options.connections,
      duration: options.durationSec,
      pipelining: 1,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      // autocannon only honours setupRequest per entry of `requests`, not as a top-level option
      ...(options.setupRequest ? { requests: [{ setupRequest: options.setupRequest }] } : {}),
      ...(options.expectBody !== undefined ? { expectBody: options.expectBody } : {}),
      ...(options.verifyBody ? { verifyBody: (body: unknown) => options.verifyBody!(String(body)) } : {}),
    },
    (error: unknown, result: autocannon.Result) => settle(error, result),
  );
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  const result = await finished;
  const ok2xx = result['2xx'];
  return {
    rps: round(ok2xx / result.duration, 1),
    p50: round(percentile(latencies, 50), 3),
    p90: round(percentile(latencies, 90), 3),
    p99: round(percentile(latencies, 99), 3),
    mean: round(latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length), 3),
    responses: latencies.length,
    ok2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    mismatches: result.mismatches,
    durationSec: result.duration,
  };
}
