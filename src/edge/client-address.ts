import { isIPv4, isIPv6 } from 'node:net';

/** What {@link clientAddress} reads from one HTTP request or WebSocket upgrade. */
export interface AddressSource {
  /** The TCP peer (`req.socket.remoteAddress`). */
  remoteAddress: string | undefined;
  /** The `X-Forwarded-For` header as node:http gives it. */
  forwardedFor: string | string[] | undefined;
}

/** The key used when the peer address is unknown (a socket already closed). */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The client's address as the gateway can trust it.
 *
 * - `trustedProxies = 0`: the TCP peer; `X-Forwarded-For` is ignored (anyone can send it).
 * - `trustedProxies = N > 0`: the N-th entry from the right of `X-Forwarded-For`, the address the
 *   outermost trusted proxy saw (each proxy appends its peer). With fewer entries, or an entry that
 *   is not an IP address, the TCP peer is used.
 *
 * IPv4-mapped IPv6 addresses are reduced to IPv4, and an IPv6 address is keyed by its /64 prefix:
 * one IPv6 host usually holds a whole /64, so per-address limits on full addresses would be
 * trivial to evade.
 */
export function clientAddress(source: AddressSource, trustedProxies: number): string {
  if (trustedProxies > 0 && source.forwardedFor !== undefined) {
    const header = Array.isArray(source.forwardedFor) ? source.forwardedFor.join(',') : source.forwardedFor;
    const entries = header
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    const forwarded = entries.length >= trustedProxies ? normalizeAddress(stripPort(entries[entries.length - trustedProxies]!)) : undefined;
    if (forwarded) return forwarded;
  }
  return (source.remoteAddress && normalizeAddress(source.remoteAddress)) || UNKNOWN_ADDRESS;
}

/** `1.2.3.4:567` → `1.2.3.4`, `[::1]:567` → `::1`; anything else unchanged. */
function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4WithPort ? v4WithPort[1]! : entry;
}

/** The limiter key of an IP address, or undefined when `value` is not one. */
export function normalizeAddress(value: string): string | undefined {
  if (isIPv4(value)) return value;
  const withoutZone = value.split('%')[0]!;
  if (!isIPv6(withoutZone)) return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(withoutZone);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  return `${ipv6Groups(withoutZone).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase();
  const embedded = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (embedded) {
    const [a, b, c, d] = embedded[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -embedded[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => parseInt(group, 16).toString(16));
}
