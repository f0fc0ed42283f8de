import { request } from 'undici';
import type { GatewayConfig } from './config.js';

/** The readiness verdict served on `/readiness`. */
export interface ReadinessResult {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

const CACHE_MS = 2000;
let cached: { at: number; key: string; result: Promise<ReadinessResult> } | undefined;

/**
 * Checks that Qonto answers (any status below 500 counts: a 401 still proves the API is up)
 * within 3 s. Results are cached for 2 s so probes cannot hammer Qonto.
 */
export function probeQonto({ baseUrl, config }: { baseUrl: string; config: GatewayConfig }): Promise<ReadinessResult> {
  const now = Date.now();
  if (cached && cached.key === baseUrl && now - cached.at < CACHE_MS) return cached.result;
  const headers: Record<string, string> = {};
  if (config.qonto.auth.mode === 'static' && config.qonto.auth.authorization) headers['authorization'] = config.qonto.auth.authorization;
  if (config.qonto.environment === 'sandbox' && config.qonto.stagingToken) headers['X-Qonto-Staging-Token'] = config.qonto.stagingToken;
  const result = request(`${baseUrl}/v2/organization`, { method: 'GET', headers, signal: AbortSignal.timeout(3000) }).then(
    async (response) => {
      await response.body.dump();
      const ok = response.statusCode < 500;
      return { ok, checks: { qonto: ok ? { ok } : { ok, detail: `HTTP ${response.statusCode}` } } };
    },
    (error: unknown) => ({ ok: false, checks: { qonto: { ok: false, detail: error instanceof Error ? error.name : 'unreachable' } } }),
  );
  cached = { at: now, key: baseUrl, result };
  return result;
}
