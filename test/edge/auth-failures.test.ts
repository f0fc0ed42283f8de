import { describe, expect, it } from 'vitest';
import { AuthFailureLimiter, NOTHING_VERIFIED, presentedCredentialVerifier, type Admission } from '../../src/edge/auth-failures.js';

const admitted = (admission: Admission) => {
  if (!admission.admitted) throw new Error('refused');
  return admission;
};

describe('AuthFailureLimiter', () => {
  it('refuses an address once it caused its limit of failures, with the time until it may retry', async () => {
    const limiter = new AuthFailureLimiter({ failuresPerWindow: 2, isVerified: () => false });
    for (let i = 0; i < 2; i++) admitted(await limiter.admit('203.0.113.7', `Bearer bad-${i}`)).attempt.failed();
    const refused = await limiter.admit('203.0.113.7', 'Bearer bad-3');
    expect(refused).toMatchObject({ admitted: false });
    if (!refused.admitted) expect(refused.retryAfterMs).toBeGreaterThan(3_500_000);
    expect((await limiter.admit('203.0.113.8', 'Bearer bad-4')).admitted).toBe(true);
  });

  it('gives back the reservation of a credential that was not refused', async () => {
    const limiter = new AuthFailureLimiter({ failuresPerWindow: 2, isVerified: () => false });
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 10; i++) {
      admitted(await limiter.admit('203.0.113.7', 'Bearer good-but-new')).attempt.succeeded();
      await settled();
    }
    expect(await limiter.failures('203.0.113.7')).toBe(0);
    const { attempt } = admitted(await limiter.admit('203.0.113.7', 'Bearer revoked-later'));
    attempt.succeeded();
    attempt.failed(); // a refusal after the success still counts, once
    attempt.failed();
    await settled();
    expect(await limiter.failures('203.0.113.7')).toBe(1);
  });

  it('never lets concurrent unverified attempts exceed the limit', async () => {
    const limiter = new AuthFailureLimiter({ failuresPerWindow: 3, isVerified: () => false });
    const admissions = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.admit('198.51.100.1', `Bearer flood-${i}`)));
    expect(admissions.filter((a) => a.admitted)).toHaveLength(3);
  });

  it('lets a burst of one new credential share one reservation, and counts its refusal once', async () => {
    const limiter = new AuthFailureLimiter({ failuresPerWindow: 3, isVerified: () => false });
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    const burst = await Promise.all(Array.from({ length: 25 }, () => limiter.admit('198.51.100.2', 'Bearer new-user')));
    expect(burst.every((a) => a.admitted)).toBe(true);
    await settled();
    expect(await limiter.failures('198.51.100.2')).toBe(1);
    for (const admission of burst) admitted(admission).attempt.succeeded();
    await settled();
    expect(await limiter.failures('198.51.100.2')).toBe(0);

    const bad = await Promise.all(Array.from({ length: 10 }, () => limiter.admit('198.51.100.2', 'Bearer garbage')));
    for (const admission of bad) admitted(admission).attempt.failed();
    await settled();
    expect(await limiter.failures('198.51.100.2')).toBe(1);
  });

  it('never refuses a verified credential, and does not limit requests without credentials', async () => {
    const limiter = new AuthFailureLimiter({ failuresPerWindow: 1, isVerified: (presented) => presented === 'Bearer known' });
    admitted(await limiter.admit('192.0.2.1', 'Bearer bad')).attempt.failed();
    expect((await limiter.admit('192.0.2.1', 'Bearer other')).admitted).toBe(false);
    expect(admitted(await limiter.admit('192.0.2.1', 'Bearer known'))).toMatchObject({ verified: true });
    expect((await limiter.admit('192.0.2.1', undefined)).admitted).toBe(true);
    expect((await limiter.admit('192.0.2.1', '  ')).admitted).toBe(true);
  });

  it('counts refusals seen by an already admitted connection', async () => {
    const limiter = new AuthFailureLimiter({ failuresPerWindow: 2, isVerified: () => false });
    const attempt = limiter.observe('192.0.2.9', 'Bearer revoked');
    attempt.failed();
    attempt.failed();
    await Promise.resolve();
    expect(await limiter.failures('192.0.2.9')).toBe(1);
    limiter.observe('192.0.2.9', undefined).failed();
    expect(await limiter.failures('192.0.2.9')).toBe(1);
  });
});

describe('presentedCredentialVerifier', () => {
  it('verifies a gateway API key locally in static mode', () => {
    const verify = presentedCredentialVerifier(
      () => ({ mode: 'static', authorization: 'org:key', gatewayApiKeys: ['k1'] }),
      NOTHING_VERIFIED,
    );
    expect(verify('Bearer k1')).toBe(true);
    expect(verify('Bearer k2')).toBe(false);
  });

  it('asks the verified credentials in forward mode, with the value sent upstream', () => {
    const seen: string[] = [];
    const verify = presentedCredentialVerifier(() => ({ mode: 'forward' }), {
      isVerified: (authorization) => {
        seen.push(authorization);
        return authorization === 'Bearer good';
      },
    });
    expect(verify('  Bearer good ')).toBe(true);
    expect(verify('Bearer bad')).toBe(false);
    expect(seen).toEqual(['Bearer good', 'Bearer bad']);
  });
});
