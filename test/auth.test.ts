import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialKey, resolveCaller } from '../src/auth.js';
import type { QontoAuthConfig } from '../src/config.js';

const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

describe('resolveCaller, forward mode', () => {
  const auth: QontoAuthConfig = { mode: 'forward' };

  it('forwards the presented value and keys the caller by its SHA-256', () => {
    const resolution = resolveCaller('  login:secret  ', auth);
    expect(resolution).toMatchObject({ ok: true, caller: { upstreamAuthorization: 'login:secret' } });
    if (!resolution.ok || !resolution.caller) throw new Error('expected a caller');
    expect(resolution.caller.key).toBe(sha256Hex('login:secret'));
    expect(resolution.caller.key).toBe(credentialKey('login:secret'));
  });

  it('gives an anonymous caller without a value and refuses an oversized one', () => {
    expect(resolveCaller(undefined, auth)).toEqual({ ok: true, caller: null });
    expect(resolveCaller('   ', auth)).toEqual({ ok: true, caller: null });
    expect(resolveCaller('x'.repeat(8193), auth)).toEqual({ ok: false, message: 'Authorization value is too long' });
  });

  it('keeps callers with different credentials apart', () => {
    const a = resolveCaller('Bearer a', auth);
    const b = resolveCaller('Bearer b', auth);
    if (!a.ok || !b.ok) throw new Error('expected callers');
    expect(a.caller?.key).not.toBe(b.caller?.key);
  });
});

describe('resolveCaller, static mode', () => {
  const config = (): Extract<QontoAuthConfig, { mode: 'static' }> => ({
    mode: 'static',
    authorization: 'org-login:org-secret',
    gatewayApiKeys: ['key-one', 'key-two'],
  });

  it('accepts any configured key and answers with the gateway’s own credentials', () => {
    const auth = config();
    for (const key of ['key-one', 'key-two']) {
      const resolution = resolveCaller(`Bearer ${key}`, auth);
      expect(resolution).toMatchObject({
        ok: true,
        caller: { upstreamAuthorization: 'org-login:org-secret', key: sha256Hex('org-login:org-secret') },
      });
    }
    expect(resolveCaller('bearer   key-two ', auth)).toMatchObject({ ok: true });
  });

  it('refuses unknown keys, other schemes and a config without credentials', () => {
    const auth = config();
    for (const presented of ['Bearer key-three', 'Bearer key-on', 'key-one', 'Basic key-one', 'Bearer ']) {
      expect(resolveCaller(presented, auth)).toEqual({ ok: false, message: 'Invalid gateway API key' });
    }
    expect(resolveCaller('Bearer key-one', { ...auth, authorization: undefined })).toEqual({
      ok: false,
      message: 'Invalid gateway API key',
    });
  });

  it('follows a config whose values change after first use', () => {
    const auth = config();
    expect(resolveCaller('Bearer key-one', auth)).toMatchObject({ ok: true });
    auth.authorization = 'other-login:other-secret';
    auth.gatewayApiKeys = ['key-three'];
    expect(resolveCaller('Bearer key-one', auth)).toEqual({ ok: false, message: 'Invalid gateway API key' });
    expect(resolveCaller('Bearer key-three', auth)).toMatchObject({
      ok: true,
      caller: { upstreamAuthorization: 'other-login:other-secret' },
    });
  });
});
