import { describe, expect, it } from 'vitest';
import { clientAddress, normalizeAddress, UNKNOWN_ADDRESS } from '../../src/edge/client-address.js';

describe('clientAddress', () => {
  it('uses the TCP peer and ignores X-Forwarded-For without trusted proxies', () => {
    expect(clientAddress({ remoteAddress: '10.0.0.5', forwardedFor: '203.0.113.7' }, 0)).toBe('10.0.0.5');
    expect(clientAddress({ remoteAddress: '::ffff:127.0.0.1', forwardedFor: undefined }, 0)).toBe('127.0.0.1');
    expect(clientAddress({ remoteAddress: undefined, forwardedFor: undefined }, 0)).toBe(UNKNOWN_ADDRESS);
  });

  it('takes the N-th entry from the right of X-Forwarded-For with N trusted proxies', () => {
    const forwardedFor = 'spoofed-by-client, 198.51.100.1, 203.0.113.7, 10.0.0.9';
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor }, 1)).toBe('10.0.0.9');
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor }, 2)).toBe('203.0.113.7');
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor: ['198.51.100.1', '203.0.113.7'] }, 2)).toBe('198.51.100.1');
  });

  it('falls back to the TCP peer when the header is missing, too short or not an address there', () => {
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor: undefined }, 1)).toBe('10.0.0.1');
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor: '203.0.113.7' }, 2)).toBe('10.0.0.1');
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor: 'not-an-ip' }, 1)).toBe('10.0.0.1');
  });

  it('strips ports and brackets that some proxies write', () => {
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor: '203.0.113.7:51234' }, 1)).toBe('203.0.113.7');
    expect(clientAddress({ remoteAddress: '10.0.0.1', forwardedFor: '[2001:db8::1]:443' }, 1)).toBe('2001:db8:0:0::/64');
  });

  it('keys IPv6 addresses by their /64 and unwraps IPv4-mapped ones', () => {
    expect(normalizeAddress('2001:db8:abcd:12:1::7')).toBe('2001:db8:abcd:12::/64');
    expect(normalizeAddress('2001:0db8:abcd:0012:ffff:ffff:ffff:ffff')).toBe('2001:db8:abcd:12::/64');
    expect(normalizeAddress('::1')).toBe('0:0:0:0::/64');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(normalizeAddress('::ffff:192.0.2.4')).toBe('192.0.2.4');
    expect(normalizeAddress('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
    expect(normalizeAddress('nope')).toBeUndefined();
  });
});
