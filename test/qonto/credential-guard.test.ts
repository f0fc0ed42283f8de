import { describe, expect, it } from 'vitest';
import { credentialKey } from '../../src/auth.js';
import { CredentialGuard, CredentialRefusal, type CredentialGuardOptions } from '../../src/qonto/credential-guard.js';
import { settle } from './manual-clock.js';

const HOUR = 3_600_000;

function makeGuard(options: Partial<CredentialGuardOptions> = {}) {
  let now = 1_700_000_000_000;
  const guard = new CredentialGuard({
    unauthorizedBudgetPerHour: 3,
    refusedCredentialTtlMs: 600_000,
    now: () => now,
    ...options,
  });
  return {
    guard,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const key = (n: number | string) => credentialKey(`Bearer token-${n}`);

async function refusal(promise: Promise<unknown>): Promise<CredentialRefusal> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialRefusal);
  return error as CredentialRefusal;
}

describe('CredentialGuard', () => {
  it('refuses a credential Qonto answered 401, until the refusal expires', async () => {
    const { guard, advance } = makeGuard({ refusedCredentialTtlMs: 60_000 });
    const pass = await guard.admit(key(1));
    expect(pass.probing).toBe(true);
    pass.observe(401);
    pass.end();
    const error = await refusal(guard.admit(key(1)));
    expect(error.reason).toBe('refused');
    expect(error.retryAfterMs).toBe(60_001);
    advance(60_000);
    await refusal(guard.admit(key(1)));
    advance(1);
    expect((await guard.admit(key(1))).probing).toBe(true);
  });

  it('verifies a credential on any answer showing authentication passed, and unverifies it on a 401', async () => {
    const { guard } = makeGuard();
    for (const [n, status] of [
      [1, 200],
      [2, 204],
      [3, 403],
      [4, 404],
      [5, 422],
    ] as const) {
      const pass = await guard.admit(key(n));
      pass.observe(status);
      pass.end();
      expect(guard.isVerified(`Bearer token-${n}`)).toBe(true);
    }
    for (const [n, status] of [
      [6, 429],
      [7, 500],
      [8, 503],
    ] as const) {
      const pass = await guard.admit(key(n));
      pass.observe(status);
      pass.end();
      expect(guard.isVerified(`Bearer token-${n}`)).toBe(false);
    }
    const verified = await guard.admit(key(1));
    expect(verified.probing).toBe(false);
    verified.observe(401);
    verified.end();
    expect(guard.isVerified('Bearer token-1')).toBe(false);
    expect((await refusal(guard.admit(key(1)))).reason).toBe('refused');
  });

  it('reserves budget for unverified calls in flight and refuses unverified credentials once it is used up', async () => {
    const { guard } = makeGuard({ unauthorizedBudgetPerHour: 3 });
    const passes = await Promise.all([1, 2, 3].map((n) => guard.admit(key(n))));
    expect(guard.stats()).toMatchObject({ reserved: 3, unauthorizedLastHour: 0 });
    const refused = await refusal(guard.admit(key(4)));
    expect(refused.reason).toBe('budget_exhausted');
    expect(refused.message).toMatch(/protecting Qonto’s limit on failed authentications.*retry later/);
    // a non-401 answer releases the reservation
    passes[0]!.observe(200);
    expect(guard.stats().reserved).toBe(2);
    const fourth = await guard.admit(key(4));
    passes[1]!.observe(401);
    passes[2]!.observe(401);
    fourth.observe(401);
    for (const pass of passes) pass.end();
    fourth.end();
    expect(guard.stats()).toMatchObject({ reserved: 0, unauthorizedLastHour: 3, refused: 3, verified: 1 });
    expect((await refusal(guard.admit(key(5)))).reason).toBe('budget_exhausted');
  });

  it('never refuses a verified credential because of the budget', async () => {
    const { guard } = makeGuard({ unauthorizedBudgetPerHour: 1 });
    const good = await guard.admit(key('good'));
    good.observe(200);
    good.end();
    const bad = await guard.admit(key('bad'));
    bad.observe(401);
    bad.end();
    expect((await refusal(guard.admit(key('new')))).reason).toBe('budget_exhausted');
    const again = await guard.admit(key('good'));
    expect(again.probing).toBe(false);
    again.observe(200);
    again.end();
  });

  it('frees the budget as the hour slides, and says when', async () => {
    const { guard, advance } = makeGuard({ unauthorizedBudgetPerHour: 2 });
    for (const n of [1, 2]) {
      const pass = await guard.admit(key(n));
      pass.observe(401);
      pass.end();
      advance(10 * 60_000);
    }
    const error = await refusal(guard.admit(key(3)));
    expect(error.retryAfterMs).toBe(HOUR - 20 * 60_000 + 1);
    advance(HOUR - 20 * 60_000 + 1);
    expect((await guard.admit(key(3))).probing).toBe(true);
  });

  it('lets one call per unverified credential through; the others wait for its verdict', async () => {
    const { guard } = makeGuard();
    const first = await guard.admit(key(1));
    let admitted = 0;
    const waiting = Array.from({ length: 5 }, () =>
      guard.admit(key(1)).then((pass) => {
        admitted++;
        return pass;
      }),
    );
    await settle();
    expect(admitted).toBe(0);
    expect(guard.stats().reserved).toBe(1);
    first.observe(200);
    const passes = await Promise.all(waiting);
    expect(passes.every((pass) => !pass.probing)).toBe(true);
    expect(guard.stats().reserved).toBe(0);
  });

  it('refuses the waiting calls when the verdict is a 401', async () => {
    const { guard } = makeGuard();
    const first = await guard.admit(key(1));
    const waiting = Array.from({ length: 5 }, () => refusal(guard.admit(key(1))));
    first.observe(401);
    first.end();
    for (const error of await Promise.all(waiting)) expect(error.reason).toBe('refused');
    expect(guard.stats()).toMatchObject({ unauthorizedLastHour: 1, reserved: 0 });
  });

  it('hands the turn to the next waiting call when a call ends without a verdict', async () => {
    const { guard } = makeGuard();
    const first = await guard.admit(key(1));
    const second = guard.admit(key(1));
    const third = guard.admit(key(1));
    first.observe(503);
    first.end();
    const next = await second;
    expect(next.probing).toBe(true);
    expect(guard.stats().reserved).toBe(1);
    next.observe(200);
    expect((await third).probing).toBe(false);
  });

  it('lets a waiting caller leave when it aborts', async () => {
    const { guard } = makeGuard();
    const first = await guard.admit(key(1));
    const controller = new AbortController();
    const waiting = guard.admit(key(1), controller.signal);
    controller.abort(new Error('left'));
    await expect(waiting).rejects.toThrow('left');
    first.end();
    expect(guard.stats().reserved).toBe(0);
  });

  it('keys credentials by their SHA-256, never the value', async () => {
    const { guard } = makeGuard();
    const pass = await guard.admit(credentialKey('acme-1234:s3cr3t'));
    pass.observe(200);
    expect(guard.isVerified('acme-1234:s3cr3t')).toBe(true);
    expect(guard.isVerifiedKey(credentialKey('acme-1234:s3cr3t'))).toBe(true);
    expect(JSON.stringify(guard.stats())).not.toContain('s3cr3t');
  });
});
