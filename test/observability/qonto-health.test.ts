import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QontoHealth, startQontoProbe, statusShowsQontoUp } from '../../src/observability/qonto-health.js';
import { QontoError } from '../../src/qonto/errors.js';

afterEach(() => {
  vi.useRealTimers();
});

const refusal = () => new QontoError({ kind: 'http', method: 'GET', route: '/v2/organization', status: 401, attempts: 1 });
const outage = () => new QontoError({ kind: 'http', method: 'GET', route: '/v2/organization', status: 503, attempts: 1 });

describe('QontoHealth', () => {
  it('reads Qonto as up on any answer below 500, down on 5xx, timeouts, network errors and unreadable answers', () => {
    expect([200, 204, 401, 404, 429].map(statusShowsQontoUp)).toEqual([true, true, true, true, true]);
    expect([500, 503, 'timeout', 'network', 'invalid_response'].map((s) => statusShowsQontoUp(s as never))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('exposes qonto_up and the last time it was seen up, only once something was observed', async () => {
    const registry = new Registry();
    const health = new QontoHealth(registry, () => 1_700_000_000_000);
    expect(await registry.metrics()).toBe('\n');
    health.recordUpstreamCall({ method: 'GET', route: '/v2/clients', status: 'timeout', durationMs: 10, attempt: 1 });
    expect(await registry.metrics()).toMatch(/^qonto_up 0$/m);
    expect(await registry.metrics()).not.toMatch(/qonto_last_seen_up_timestamp_seconds \d/);
    health.recordUpstreamCall({ method: 'GET', route: '/v2/clients', status: 200, durationMs: 10, attempt: 1 });
    expect(await registry.metrics()).toMatch(/^qonto_up 1$/m);
    expect(await registry.metrics()).toMatch(/^qonto_last_seen_up_timestamp_seconds 1700000000$/m);
    expect(health.up).toBe(true);
  });
});

describe('startQontoProbe', () => {
  it('probes at once and then once per interval, and stops', async () => {
    vi.useFakeTimers();
    const health = new QontoHealth(new Registry());
    const call = vi.fn(async () => undefined);
    const probe = startQontoProbe({ health, call, intervalMs: 30_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(call).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(90_000);
    expect(call).toHaveBeenCalledTimes(4);
    expect(health.up).toBe(true);
    call.mockRejectedValue(outage());
    await vi.advanceTimersByTimeAsync(30_000);
    expect(health.up).toBe(false);
    probe.stop();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(call).toHaveBeenCalledTimes(5);
  });

  it('holds back after Qonto refused the credentials, so a revoked key does not spend the 401 budget', async () => {
    vi.useFakeTimers();
    const health = new QontoHealth(new Registry());
    const warnings: string[] = [];
    const logger = { warn: (_: unknown, message: string) => warnings.push(message) } as never;
    const call = vi.fn(async () => {
      throw refusal();
    });
    const probe = startQontoProbe({ health, call, intervalMs: 1000, pauseAfterRefusal: 4, logger });
    await vi.advanceTimersByTimeAsync(0);
    expect(call).toHaveBeenCalledTimes(1);
    expect(health.up).toBe(true); // Qonto answered
    await vi.advanceTimersByTimeAsync(4000);
    expect(call).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(call).toHaveBeenCalledTimes(2);
    expect(warnings).toHaveLength(2);
    probe.stop();
  });
});
